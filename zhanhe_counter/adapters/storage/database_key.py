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
from collections.abc import Callable
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
        text = key_file.read_text(encoding="ascii")
        if text.strip() or not _needs_new_key(database):
            return _decode(text, str(key_file))
        # An empty key file beside a database that holds nothing encrypted: an older version was
        # killed between creating the file and writing it. No page was ever encrypted with it.
        key_file.unlink()
    if not _needs_new_key(database):
        raise DatabaseKeyMissing(
            f"{database} is encrypted with a keyring key; demo mode refuses it",
            "这个数据目录是正式窗口的数据，不能用演示模式打开。请换一个数据目录。",
        )
    key = new_key()
    data_dir.mkdir(parents=True, exist_ok=True)
    # Written whole to a temporary file, then linked into place: a kill leaves either no key file
    # or a complete one, and a second process that got there first keeps its key.
    temporary = key_file.with_name(f"{key_file.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.hex())
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            return _decode(key_file.read_text(encoding="ascii"), str(key_file))
    finally:
        temporary.unlink(missing_ok=True)
    return key


def database_key(
    data_dir: Path, *, demo: bool | None = None, secrets_store: SecretStore | None = None
) -> bytes:
    """The key of ``data_dir``'s station database (made for a new one)."""
    database = local_db_path(data_dir)
    if demo is None:
        demo = is_demo_folder(data_dir)
    if demo:
        return demo_database_key(data_dir, database)
    return keyring_database_key(_store(secrets_store), database)


def _store(secrets_store: SecretStore | None) -> SecretStore:
    if secrets_store is not None:
        return secrets_store
    from zhanhe_counter.adapters.secrets import KeyringSecretStore

    return KeyringSecretStore()


def backup_key(
    data_dir: Path, *, secrets_store: SecretStore | None = None, create: bool = False
) -> tuple[bytes | None, bool]:
    """The key backups of ``data_dir`` are encrypted with, and whether it was just made.

    In the keyring beside the database key (a demo folder: a file), so scheduled backups need
    nobody; the administrator also keeps it as a recovery code for a restore on another PC.
    """
    from zhanhe_counter.adapters.storage.backup import (
        BACKUP_KEY_ENTRY,
        DEMO_BACKUP_KEY_FILE,
        new_backup_key,
    )

    if is_demo_folder(data_dir):
        key_file = data_dir / DEMO_BACKUP_KEY_FILE
        if key_file.exists():
            return _decode(key_file.read_text(encoding="ascii"), str(key_file)), False
        if not create:
            return None, False
        key = new_backup_key()
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.hex())
        return key, True
    store = _store(secrets_store)
    text = store.get(BACKUP_KEY_ENTRY)
    if text:
        return _decode(text, "the keyring"), False
    if not create:
        return None, False
    key = new_backup_key()
    store.set(BACKUP_KEY_ENTRY, key.hex())
    if store.get(BACKUP_KEY_ENTRY) != key.hex():
        raise DatabaseKeyMissing(
            "keyring did not keep the backup key", "系统密钥库没有保存备份密钥，无法备份。"
        )
    return key, True


def _backup_before_migration(
    data_dir: Path, key: bytes, secrets_store: SecretStore | None
) -> Callable[[sa.Engine, list[str]], None]:
    def backup(engine: sa.Engine, pending: list[str]) -> None:
        from zhanhe_counter.adapters.storage.backup import make_backup

        folder = configured_backup_folder(engine) or data_dir / "backups"
        secret, _made = backup_key(data_dir, secrets_store=secrets_store, create=True)
        assert secret is not None
        make_backup(local_db_path(data_dir), key, folder, secret, reason="before " + pending[-1])

    return backup


def configured_backup_folder(engine: sa.Engine) -> Path | None:
    """The second place backups go to (setting ``backup_dir``), if one is configured."""
    from zhanhe_counter.adapters.storage.backup import BACKUP_DIR_SETTING
    from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore

    value = SqliteReferenceStore(engine).get_setting(BACKUP_DIR_SETTING)
    return Path(str(value)) if value else None


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
    keyring backend is refused. Before a migration the database is backed up (to the
    configured backup folder, else ``backups/`` in the data folder).
    """
    database = local_db_path(data_dir)
    check_database_location(
        database
    )  # before the key: a folder or read-only disk is no key problem
    key = database_key(data_dir, demo=demo, secrets_store=secrets_store)
    return open_local_database(
        database,
        key=key,
        migrate_schema=migrate_schema,
        before_migration=_backup_before_migration(data_dir, key, secrets_store),
    )
