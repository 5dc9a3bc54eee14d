"""The per-PC key of the station database (本机数据库密钥).

A counter's key is 32 random bytes made on the PC the first time its database is created, kept in
the OS keyring (Windows Credential Manager, Secret Service) under ``zhanhe-counter`` /
``local-database-key`` and nowhere else: copying the disk gives the ciphertext without the key.
The keyring itself refuses plaintext backends (:mod:`zhanhe_counter.adapters.secrets`).

Demo stations have sample data only and often run where no keyring exists (a fresh Linux desktop,
CI); their key is a file beside the database, ``demo-database.key``. A folder holding that file is
a demo folder: the key file is never made for a folder whose database was encrypted with a
keyring key, so demo mode cannot be pointed at a real counter's data by mistake.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import sqlalchemy as sa

from zhanhe_counter.adapters.paths import local_db_path
from zhanhe_counter.adapters.storage.engine import (
    KEY_BYTES,
    check_database_location,
    is_plain_sqlite,
    open_local_database,
)
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.sync import SecretStore

log = logging.getLogger(__name__)

KEY_ENTRY = "local-database-key"
DEMO_KEY_FILE = "demo-database.key"


class DatabaseKeyMissing(DomainError):
    """The database exists but its key is nowhere to be found (找不到本机数据库密钥)."""


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _decode(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise DatabaseKeyMissing(
            f"database key in {where} is not {KEY_BYTES} hex bytes",
            "本机数据库密钥格式不正确，请联系管理员恢复密钥。",
        )
    return key


def _needs_new_key(database: Path) -> bool:
    """A key may be made only for a database that does not exist yet or is still plain."""
    return not database.exists() or database.stat().st_size == 0 or is_plain_sqlite(database)


def keyring_database_key(store: SecretStore, database: Path) -> bytes:
    """The key in the OS keyring; made and stored first for a new (or still plain) database."""
    text = store.get(KEY_ENTRY)
    if text:
        return _decode(text, "the keyring")
    if not _needs_new_key(database):
        raise DatabaseKeyMissing(
            f"{database} is encrypted but the keyring has no {KEY_ENTRY}",
            "本机数据库已加密，但系统密钥库中没有它的密钥（可能更换了 Windows 账户或重装了系统）。"
            "请联系管理员恢复密钥；已同步到中心的办件不会丢失。",
        )
    key = new_key()
    store.set(KEY_ENTRY, key.hex())
    # Read back: a keyring that accepts and forgets would strand the database.
    if store.get(KEY_ENTRY) != key.hex():
        raise DatabaseKeyMissing(
            "keyring did not keep the new database key",
            "系统密钥库没有保存本机数据库密钥，无法安全建立数据库。请联系管理员。",
        )
    log.info("new station database key stored in the keyring")
    return key


def is_demo_folder(data_dir: Path) -> bool:
    return (data_dir / DEMO_KEY_FILE).exists()


def demo_database_key(data_dir: Path, database: Path) -> bytes:
    """The demo station's key from its key file, made for a new (or still plain) database."""
    key_file = data_dir / DEMO_KEY_FILE
    if key_file.exists():
        return _decode(key_file.read_text(encoding="ascii"), str(key_file))
    if not _needs_new_key(database):
        raise DatabaseKeyMissing(
            f"{database} is encrypted with a keyring key; demo mode refuses it",
            "这个数据目录是正式窗口的数据，不能用演示模式打开。请换一个数据目录。",
        )
    key = new_key()
    data_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex())
        handle.flush()
        os.fsync(handle.fileno())
    return key


def open_station_database(
    data_dir: Path,
    *,
    demo: bool | None = None,
    secrets_store: SecretStore | None = None,
    migrate_schema: bool = True,
) -> sa.Engine:
    """Open the encrypted station database of ``data_dir`` with the right key.

    ``demo=None`` lets the folder decide (a demo key file marks a demo folder): administrator
    commands then work on both. Without ``secrets_store`` the OS keyring is used, and a plaintext
    keyring backend is refused.
    """
    database = local_db_path(data_dir)
    check_database_location(
        database
    )  # before the key: a folder or read-only disk is no key problem
    if demo is None:
        demo = is_demo_folder(data_dir)
    if demo:
        key = demo_database_key(data_dir, database)
    else:
        if secrets_store is None:
            from zhanhe_counter.adapters.secrets import KeyringSecretStore

            secrets_store = KeyringSecretStore()
        key = keyring_database_key(secrets_store, database)
    return open_local_database(database, key=key, migrate_schema=migrate_schema)
