"""Security port (安全端口): password hashing for staff logins that work offline."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """Makes and checks slow, salted password hashes (密码散列)."""

    def hash(self, password: str) -> str:
        """A self-describing hash of ``password`` (algorithm, parameters and salt included)."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches; False for a wrong password or a malformed hash."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than the current ones."""
        ...
