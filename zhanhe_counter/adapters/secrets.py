"""Credentials and the database key in the OS keyring only (密钥存储); see docs/privacy.md.

The keyring backend is judged once, by what it is rather than by the module it comes from:

* the ``fail`` backend (no keyring at all) and the ``null`` backend (accepts and forgets);
* backends known to keep secrets in plain text (``keyrings.alt``'s ``PlaintextKeyring`` and
  the other file and registry stores listed in :data:`PLAINTEXT_BACKENDS`), and any subclass of
  them, whatever package it is published in;
* a backend that ranks itself below 1 (``priority``): keyring's own scale, where the OS
  keyrings (Windows Credential Manager, Secret Service, macOS Keychain, KWallet) are at about
  5 and the file-based fallbacks at 0.5 or so. A backend that cannot run here raises from
  ``priority`` and is refused as well;
* a chainer (keyring's default when several backends are viable) writes to its first backend,
  which is judged.

Anything else is accepted and named (``backend_name``) in ``station register``'s answer and the
log, unless the caller allows an insecure store (``--demo``). Secrets are never written to a
config file or a log; the station database holds only the name under which the keyring keeps
them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from zhanhe_counter.domain.errors import DomainError

log = logging.getLogger(__name__)

SERVICE = "zhanhe-counter"
#: keyring's own "no keyring" and "forgets everything" backends.
NO_KEYRING_BACKENDS = frozenset({"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"})
#: Backends that keep secrets readable by anyone who copies a file or a registry key.
PLAINTEXT_BACKENDS = frozenset(
    {
        "keyrings.alt.file.PlaintextKeyring",
        "keyrings.alt.Windows.RegistryKeyring",
        "keyrings.alt.Gnome.Keyring",  # GnomeKeyring via the deprecated bindings, no lock
        "keyrings.alt.multi.MultipartKeyringWrapper",
        "keyring.backends.null.Keyring",
    }
)
#: The least ``priority`` a backend may rank itself at (keyring's scale; OS keyrings ~5).
MIN_PRIORITY = 1.0


class KeyringUnavailable(DomainError):
    """No safe OS keyring to keep the credential in (系统密钥库不可用)."""


@dataclass(frozen=True, slots=True)
class BackendVerdict:
    """What :func:`judge_backend` thinks of a keyring backend (密钥库判断)."""

    backend: str
    safe: bool
    reason: str


def _describe(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _lineage(backend: Any) -> set[str]:
    return {f"{cls.__module__}.{cls.__name__}" for cls in type(backend).__mro__}


def judge_backend(backend: Any) -> BackendVerdict:
    """Whether ``backend`` may keep this PC's database key and central password."""
    name = _describe(backend)
    inner = getattr(backend, "backends", None)
    if inner is not None:  # a ChainerBackend writes to its first (highest-priority) backend
        if not inner:
            return BackendVerdict(name, False, "no backend behind the chainer")
        verdict = judge_backend(inner[0])
        return BackendVerdict(f"{name}({verdict.backend})", verdict.safe, verdict.reason)
    lineage = _lineage(backend)
    if lineage & NO_KEYRING_BACKENDS:
        return BackendVerdict(name, False, "no keyring (fail/null backend)")
    if lineage & PLAINTEXT_BACKENDS:
        return BackendVerdict(name, False, "keeps secrets in plain text")
    try:
        priority = float(type(backend).priority)
    except Exception as error:  # keyring's way of saying "not viable on this system"
        return BackendVerdict(name, False, f"not usable here: {error}")
    if priority < MIN_PRIORITY:
        return BackendVerdict(name, False, f"a fallback store (priority {priority:g})")
    return BackendVerdict(name, True, f"priority {priority:g}")


def backend_name() -> str:
    """The keyring backend in use, for the About box and ``station register``."""
    return _describe(keyring.get_keyring())


class KeyringSecretStore:
    """The ``SecretStore`` port on the OS keyring (系统密钥库)."""

    def __init__(self, service: str = SERVICE, *, allow_insecure: bool = False) -> None:
        verdict = judge_backend(keyring.get_keyring())
        if not verdict.safe and not allow_insecure:
            raise KeyringUnavailable(
                f"keyring backend {verdict.backend} refused: {verdict.reason}",
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
