"""Opening the station database (本机数据库): encryption, pragmas, transactions, migrations, errors.

The station database holds ID numbers, names and addresses, so on a counter PC it is encrypted
with SQLCipher (every page AES-256 with an HMAC, WAL included) under a random per-PC key that the
caller fetches from the OS keyring (:mod:`.database_key`). The key is a raw 256-bit key, not a
passphrase, so opening a connection costs no key derivation. ``key=None`` opens a plain SQLite
file; only tests of the storage internals and explicit administrator tools use that.

Every connection runs in WAL mode with ``synchronous=FULL`` (a committed case survives a power cut,
docs/sync.md, SQLite settings), waits ``busy_timeout`` for the other writer (UI thread and sync
worker share the file) and enforces foreign keys. Transactions start with ``BEGIN IMMEDIATE`` so a
transaction that reads and then writes can never fail half-way for a lock; a pure reader may ask
for a deferred ``BEGIN`` with :func:`reading`, which in WAL mode never blocks the writer. The event
store's writes issue the same ``BEGIN IMMEDIATE`` on the driver connection themselves
(:class:`.plain_sql.WriterConnection`, issue 20).

SQLite and SQLAlchemy errors a person can meet (not a database, locked, disk full, read-only) are
translated here into :class:`StorageError` subclasses with a Chinese message.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.storage import StorageBusy

if TYPE_CHECKING:  # alembic loads only when a file is not known to be at head (see below)
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
DEFAULT_BUSY_TIMEOUT_MS = 5000
_READ_ONLY_OPTION = "zhanhe_read_only"

# SQLite primary result codes (sqlite3.h); extended codes keep these in the low byte.
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

#: The first 16 bytes of every plain SQLite file; an encrypted file starts with random salt.
PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"
KEY_BYTES = 32


def _driver_errors() -> tuple[type[Exception], ...]:
    try:
        from sqlcipher3 import dbapi2 as sqlcipher
    except ImportError:  # pragma: no cover - sqlcipher3 is a dependency; plain files still open
        return (sqlite3.Error,)
    return (sqlite3.Error, sqlcipher.Error)


# SQLCipher's driver is a copy of sqlite3 with its own exception classes.
_DRIVER_ERRORS = _driver_errors()
_CAUGHT_ERRORS: tuple[type[Exception], ...] = (*_DRIVER_ERRORS, sa_exc.DBAPIError)


class StorageError(DomainError):
    """The station database cannot do what was asked (本机数据库错误)."""


class DatabaseUnusable(StorageError):
    """The file is not a database, is damaged, or cannot be opened (数据库文件不可用)."""


class DatabaseBusy(StorageError, StorageBusy):
    """Another program held the database longer than the wait allows (数据库忙).

    A :class:`StorageBusy`, so every caller retries it under the one policy of
    :mod:`zhanhe_counter.services.storage_retry`.
    """


class DatabaseNotWritable(StorageError):
    """The disk is full or the database is read-only (无法写入数据库)."""


class DatabaseKeyMismatch(DatabaseUnusable):
    """The encrypted database does not open with the key given, or needs one (数据库密钥不符)."""


def translate_error(error: BaseException, path: Path | str = "") -> StorageError | None:
    """The :class:`StorageError` for a sqlite3/SQLAlchemy error a person can meet, else ``None``."""
    original: BaseException = error
    if isinstance(error, sa_exc.DBAPIError) and error.orig is not None:
        original = error.orig
    if not isinstance(original, _DRIVER_ERRORS):
        return None
    code = getattr(original, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(original).lower()
    where = f" ({path})" if path else ""
    if (
        primary in (_SQLITE_NOTADB, _SQLITE_CORRUPT)
        or "not a database" in text
        or "malformed" in text
    ):
        return DatabaseUnusable(
            f"database file unusable{where}: {original}",
            "数据文件已损坏或不是本系统的数据库，请联系管理员从备份恢复。",
        )
    if primary == _SQLITE_CANTOPEN or "unable to open" in text:
        return DatabaseUnusable(
            f"cannot open database file{where}: {original}",
            "无法打开数据库文件，请检查数据目录是否存在且可访问。",
        )
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        return DatabaseBusy(
            f"database locked too long{where}: {original}",
            "数据库正被其他程序占用，请稍后重试；如反复出现，请关闭其他窗口后再试。",
        )
    if primary == _SQLITE_FULL or "disk is full" in text:
        return DatabaseNotWritable(
            f"disk full{where}: {original}",
            "磁盘空间已满，无法保存。请清理磁盘后重试，已保存的办件不会丢失。",
        )
    if primary in (_SQLITE_READONLY, _SQLITE_PERM) or "readonly" in text or "read-only" in text:
        return DatabaseNotWritable(
            f"database read-only{where}: {original}",
            "数据库为只读，无法保存。请检查数据目录的写入权限。",
        )
    if primary == _SQLITE_IOERR or "disk i/o error" in text:
        return DatabaseNotWritable(
            f"disk I/O error{where}: {original}",
            "读写磁盘出错，无法保存。请检查磁盘后重试。",
        )
    return None


@contextmanager
def storage_errors(path: Path | str = "") -> Iterator[None]:
    """Re-raise database errors a person can meet as :class:`StorageError`; others unchanged."""
    try:
        yield
    except _CAUGHT_ERRORS as error:
        translated = translate_error(error, path)
        if translated is None:
            raise
        log.warning("%s", translated)
        raise translated from error


def _install_listeners(engine: sa.Engine, busy_timeout_ms: int) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (the pysqlite recipe) instead of the driver's guesses.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        mode = dbapi_connection.execute("PRAGMA journal_mode=WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            log.warning("journal_mode is %r, not WAL", mode)
        dbapi_connection.execute("PRAGMA synchronous=FULL")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if connection.get_execution_options().get(_READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def key_pragma(key: bytes) -> str:
    """``PRAGMA key`` with a raw key: SQLCipher uses it as is, without a passphrase KDF."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"database key must be {KEY_BYTES} bytes, not {len(key)}")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect_encrypted(path: Path | str, key: bytes) -> Any:
    """A SQLCipher DBAPI connection to ``path`` with ``key`` applied and nothing read yet."""
    from sqlcipher3 import dbapi2 as sqlcipher

    # The pool hands connections between the UI thread and the workers; SQLAlchemy's own
    # pysqlite setup does the same for file databases.
    connection = sqlcipher.connect(str(path), check_same_thread=False)
    # The library's own log goes to stderr; failures reach us as exceptions instead.
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(key_pragma(key))
    return connection


def create_local_engine(
    path: Path,
    *,
    key: bytes | None = None,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> sa.Engine:
    """An engine on ``path`` with the station pragmas (encrypted with ``key``), schema untouched."""
    if key is None:
        engine = sa.create_engine(f"sqlite+pysqlite:///{path}")
    else:
        from sqlcipher3 import dbapi2 as sqlcipher

        key_pragma(key)  # a wrong-sized key fails here, not on the first query
        # The file URL matters even though ``creator`` connects: without a path SQLAlchemy takes
        # the database for ":memory:" and picks SingletonThreadPool, which closes connections that
        # other threads are still using once more threads than its size have connected — a
        # segfault when the UI's storage thread and the sync worker meet.
        engine = sa.create_engine(
            f"sqlite+pysqlite:///{path}",
            module=sqlcipher,
            creator=lambda: connect_encrypted(path, key),
            poolclass=sa.pool.QueuePool,
        )
    _install_listeners(engine, busy_timeout_ms)
    return engine


def check_database_location(path: Path) -> None:
    """Refuse, with a clear message, a database path that can never work.

    A folder where the file should be, or a data folder that cannot be written (a read-only
    disk, a write-protected USB stick, missing permissions): SQLite would report both as a file
    it cannot open, which reads like a wrong key. The folder is probed by creating a file in
    it, the one test that a read-only mount, ACLs and permissions all answer truthfully.
    """
    if path.is_dir():
        raise DatabaseUnusable(
            f"{path} is a folder, not a database file",
            f"数据库位置 {path} 是一个文件夹，不是数据库文件。请把这个文件夹移走或改名，"
            "或用 --data-dir 指定其他数据目录。",
        )
    folder = path.parent
    if not folder.is_dir():
        return  # made by the caller (or reported when it cannot be)
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".zhanhe-write-test-"):
            pass
    except OSError as error:
        raise DatabaseNotWritable(
            f"data folder {folder} is not writable: {error}",
            f"数据目录 {folder} 无法写入（只读磁盘、写保护的U盘或没有写入权限），"
            "无法打开本机数据库。请改用可写的数据目录，或请管理员检查该目录的权限。",
        ) from error
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise DatabaseNotWritable(
            f"database file {path} is not readable and writable",
            f"数据库文件 {path} 没有读写权限，无法打开。请管理员检查该文件的权限。",
        )


def is_plain_sqlite(path: Path) -> bool:
    """Whether ``path`` is an unencrypted SQLite file (an empty or missing file is not)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(PLAIN_SQLITE_HEADER)) == PLAIN_SQLITE_HEADER
    except FileNotFoundError:
        return False


def open_local_database(
    path: Path,
    *,
    key: bytes | None = None,
    migrate_schema: bool = True,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    before_migration: Callable[[sa.Engine, list[str]], None] | None = None,
) -> sa.Engine:
    """Open (creating folder and file if needed) the station database and migrate it to head.

    Migrations run only when some are pending, and only on a file that passes SQLite's quick
    check (a migration rewrites tables: on a damaged file it would spread the damage); then
    ``before_migration`` (the backup, :mod:`.backup`) runs first.

    With ``key`` the file is SQLCipher-encrypted; a plain file left by an older version is
    encrypted in place first (:func:`encrypt_plain_database`). Raises
    :class:`DatabaseKeyMismatch` when the key does not open the file, and other
    :class:`StorageError` subclasses when the file is not a database, stays locked, or cannot be
    written.
    """
    with storage_errors(path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseNotWritable(
                f"cannot create data folder {path.parent}: {error}",
                "无法创建数据目录，请检查磁盘空间和写入权限。",
            ) from error
        check_database_location(path)
        if key is not None and is_plain_sqlite(path):
            encrypt_plain_database(path, key)
        engine = create_local_engine(path, key=key, busy_timeout_ms=busy_timeout_ms)
        try:
            # Connecting runs the pragmas, which read the header: a non-database, or an encrypted
            # file with the wrong key, fails here.
            try:
                with reading(engine) as connection:
                    connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()
            except DatabaseUnusable as error:
                raise _key_problem(path, key) or error from error
            if migrate_schema and not _known_at_head(engine, path):
                pending = pending_migrations(engine)
                if pending:
                    _refuse_damaged(engine, path)
                    if before_migration is not None and current_revision(engine) is not None:
                        before_migration(engine, pending)
                    migrate(engine)
                _remember_at_head(engine, path)
        except BaseException:
            engine.dispose()
            raise
    return engine


class DatabaseDamaged(DatabaseUnusable):
    """SQLite's own check found the file damaged (数据库已损坏)."""


def _refuse_damaged(engine: sa.Engine, path: Path) -> None:
    try:
        with reading(engine) as connection:
            rows = connection.exec_driver_sql("PRAGMA quick_check(5)").all()
        problems = [str(row[0]) for row in rows if str(row[0]) != "ok"]
    except DatabaseUnusable as error:
        problems = [str(error)]
    if problems:
        raise DatabaseDamaged(
            f"{path} failed quick_check before migration: {problems}",
            "本机数据库已损坏，不能升级。请联系管理员运行 zhanhe-admin db check 查看问题，"
            "再用 zhanhe-admin db restore --from 备份目录 恢复到新的数据目录。",
        )


def _key_problem(path: Path, key: bytes | None) -> DatabaseKeyMismatch | None:
    """Why an unreadable file does not open, when the cause is the key rather than damage."""
    if not path.exists() or path.stat().st_size == 0 or is_plain_sqlite(path):
        return None
    if key is None:
        return DatabaseKeyMismatch(
            f"{path} is encrypted (or not a database) and no key was given",
            "数据库文件已加密（需要本机密钥才能打开），或不是本系统的数据库。请联系管理员。",
        )
    return DatabaseKeyMismatch(
        f"{path} does not open with the key given (wrong key, damaged, or not a database)",
        "本机数据库无法用本机密钥解密：密钥被更换，或文件已损坏、不是本系统的数据库。"
        "请联系管理员恢复密钥或备份；已同步到中心的办件不会丢失。",
    )


def encrypt_plain_database(path: Path, key: bytes) -> None:
    """Turn the plain SQLite file at ``path`` into a SQLCipher file with ``key``, in place.

    The copy is made with ``sqlcipher_export`` into a new file beside it, checked, synced, and
    only then renamed over the original, so a crash at any point leaves one complete database
    (the old plain one or the new encrypted one). The WAL is checkpointed into the plain file
    first: a WAL left beside the encrypted file would be replayed into it as garbage.
    """
    from sqlcipher3 import dbapi2 as sqlcipher

    temporary = path.with_name(path.name + ".encrypting")
    temporary.unlink(missing_ok=True)
    plain = sqlcipher.connect(str(path))
    try:
        plain.isolation_level = None
        plain.execute("PRAGMA cipher_log_level = NONE")
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        tables = plain.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        plain.execute(
            "ATTACH DATABASE ? AS encrypted KEY \"x'" + key.hex() + "'\"", (str(temporary),)
        )
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()
    check = connect_encrypted(temporary, key)
    try:
        copied = check.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if copied != tables or ok != "ok":
        temporary.unlink(missing_ok=True)
        raise StorageError(
            f"encrypted copy of {path} differs ({copied}/{tables} objects, {ok})",
            "本机数据库加密失败，原数据库未改动。请联系管理员。",
        )
    with temporary.open("rb+") as handle:
        os.fsync(handle.fileno())
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    temporary.replace(path)
    log.info("station database %s encrypted in place", path)


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection whose transactions start with a deferred ``BEGIN`` (snapshot reads only)."""
    with storage_errors(), engine.connect() as connection:
        connection.execution_options(**{_READ_ONLY_OPTION: True})
        yield connection


# ------------------------------------------------------------------------------- migrations


def _schema_mark(path: Path) -> Path:
    return path.with_name(path.name + ".schema")


def _scripts_fingerprint() -> str:
    """A digest of the shipped migration scripts: any new, removed or changed one alters it."""
    digest = hashlib.sha256()
    for script in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        digest.update(script.name.encode() + b"\0" + script.read_bytes())
    return digest.hexdigest()


def _known_at_head(engine: sa.Engine, path: Path) -> bool:
    """Whether the file is at the head of these very scripts, as recorded after the last check.

    Importing alembic and reading its scripts took a fifth of every start; a file once found
    (or migrated) at head, by scripts that have not changed since, needs neither. The mark beside
    the file names both the scripts' digest and the revision; the revision is read from the file
    itself, so a restored older copy, or a newer program, is checked by alembic as before.
    """
    try:
        digest, revision = _schema_mark(path).read_text(encoding="ascii").split()
    except (OSError, ValueError):
        return False
    with reading(engine) as connection:
        try:
            current = connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version"
            ).scalar_one_or_none()
        except sa_exc.DBAPIError:  # no version table yet: a new file
            return False
    return current == revision and digest == _scripts_fingerprint()


def _remember_at_head(engine: sa.Engine, path: Path) -> None:
    revision = current_revision(engine)
    try:
        _schema_mark(path).write_text(f"{_scripts_fingerprint()} {revision}\n", encoding="ascii")
    except OSError as error:  # the next start asks alembic again: slower, not wrong
        log.warning("cannot record the schema check beside %s: %s", path, error)


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic configuration for the station migrations, bound to ``connection`` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration shipped with this program."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships 0001_initial
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The migration the database is at, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with reading(engine) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def pending_migrations(engine: sa.Engine) -> list[str]:
    """Revisions between the database and head, oldest first (empty when up to date)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    pending = [rev.revision for rev in script.iterate_revisions("heads", current)]
    pending.reverse()
    return pending


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` in one transaction (batch mode, foreign keys checked)."""
    from alembic import command

    _run_alembic(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Downgrade the schema to ``revision`` (administrators and tests only)."""
    from alembic import command

    _run_alembic(engine, lambda config: command.downgrade(config, revision))


def _run_alembic(engine: sa.Engine, run: Any) -> None:
    with storage_errors(), engine.connect() as connection:
        # Batch mode recreates tables; with foreign keys on, dropping a referenced table would
        # cascade or fail. The pragma is ignored inside a transaction, and any SQLAlchemy execute
        # would begin one, so it goes straight to the driver connection (autocommit mode).
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                run(alembic_config(connection))
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise StorageError(
                        f"migration left broken foreign keys: {problems[:5]}",
                        "数据库升级失败（外键不一致），已回滚，请联系管理员。",
                    )
        finally:
            driver.execute("PRAGMA foreign_keys=ON")
