"""Argon2id password hashes (argon2-cffi) for the :class:`PasswordHasher` port."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    """密码散列 with argon2id; the parameters are argon2-cffi's RFC 9106 low-memory profile.

    ``fast=True`` gives weak parameters for tests and benchmarks only: hashing then takes
    milliseconds instead of tens of them.
    """

    def __init__(self, *, fast: bool = False) -> None:
        self._hasher = _Argon2(time_cost=1, memory_cost=8, parallelism=1) if fast else _Argon2()

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return True
