"""Credentials and the database key in the OS keyring only (密钥存储); see docs/privacy.md.

The keyring backend is checked once: plaintext files (``keyrings.alt``), the ``null`` backend
(silently forgets) and the ``fail`` backend are refused, unless the caller explicitly allows an
insecure store (``--demo``). Secrets are never written to a config file or a log; the station
database holds only the name under which the keyring keeps them.
"""

from __future__ import annotations

import logging
from typing import Any

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from zhanhe_counter.domain.errors import DomainError

log = logging.getLogger(__name__)

SERVICE = "zhanhe-counter"
_INSECURE_MODULES = ("keyrings.alt", "keyring.backends.null", "keyring.backends.fail")


class KeyringUnavailable(DomainError):
    """No safe OS keyring to keep the credential in (系统密钥库不可用)."""


def _describe(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _is_insecure(backend: Any) -> bool:
    inner = getattr(backend, "backends", None)
    if inner:  # a ChainerBackend writes to its first (highest-priority) backend
        return _is_insecure(inner[0])
    return type(backend).__module__.startswith(_INSECURE_MODULES)


def backend_name() -> str:
    """The keyring backend in use, for the About box and ``station register``."""
    return _describe(keyring.get_keyring())


class KeyringSecretStore:
    """The ``SecretStore`` port on the OS keyring (系统密钥库)."""

    def __init__(self, service: str = SERVICE, *, allow_insecure: bool = False) -> None:
        backend = keyring.get_keyring()
        if _is_insecure(backend) and not allow_insecure:
            raise KeyringUnavailable(
                f"keyring backend {_describe(backend)} refused: not a safe OS keyring",
                "本机没有可用的系统密钥库（如 Windows 凭据管理器），"
                "无法安全保存本机数据库密钥和中心库密码。请联系管理员。",
            )
        self._service = service

    def get(self, name: str) -> str | None:
        try:
            value: str | None = keyring.get_password(self._service, name)
        except KeyringError as error:
            raise self._unavailable(error) from error
        return value

    def set(self, name: str, value: str) -> None:
        try:
            keyring.set_password(self._service, name, value)
        except KeyringError as error:
            raise self._unavailable(error) from error
        log.info("credential %s stored in %s", name, backend_name())

    def delete(self, name: str) -> None:
        try:
            keyring.delete_password(self._service, name)
        except PasswordDeleteError:
            return
        except KeyringError as error:
            raise self._unavailable(error) from error

    @staticmethod
    def _unavailable(error: Exception) -> KeyringUnavailable:
        return KeyringUnavailable(
            f"keyring failed: {type(error).__name__}: {error}",
            "读写系统密钥库失败，无法取得本机数据库密钥或中心库密码。请联系管理员。",
        )
