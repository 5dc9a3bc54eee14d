"""Opening the station database (本机数据库): pragmas, write transactions, migrations, errors.

Every connection runs in WAL mode with ``synchronous=FULL`` (a committed case survives a power cut,
sync.md §3.1), waits ``busy_timeout`` for the other writer (UI thread and sync worker share the
file) and enforces foreign keys. Transactions start with ``BEGIN IMMEDIATE`` so a transaction that
reads and then writes can never fail half-way for a lock; a pure reader may ask for a deferred
``BEGIN`` with :func:`reading`, which in WAL mode never blocks the writer.

SQLite and SQLAlchemy errors a person can meet (not a database, locked, disk full, read-only) are
translated here into :class:`StorageError` subclasses with a Chinese message.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc as sa_exc

from zhanhe_counter.domain.errors import DomainError

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


class StorageError(DomainError):
    """The station database cannot do what was asked (本机数据库错误)."""


class DatabaseUnusable(StorageError):
    """The file is not a database, is damaged, or cannot be opened (数据库文件不可用)."""


class DatabaseBusy(StorageError):
    """Another program held the database longer than the wait allows (数据库忙)."""


class DatabaseNotWritable(StorageError):
    """The disk is full or the database is read-only (无法写入数据库)."""


def translate_error(error: BaseException, path: Path | str = "") -> StorageError | None:
    """The :class:`StorageError` for a sqlite3/SQLAlchemy error a person can meet, else ``None``."""
    original: BaseException = error
    if isinstance(error, sa_exc.DBAPIError) and error.orig is not None:
        original = error.orig
    if not isinstance(original, sqlite3.Error):
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
    except (sqlite3.Error, sa_exc.DBAPIError) as error:
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


def create_local_engine(path: Path, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> sa.Engine:
    """An engine on ``path`` with the station pragmas, without touching the schema."""
    engine = sa.create_engine(f"sqlite+pysqlite:///{path}")
    _install_listeners(engine, busy_timeout_ms)
    return engine


def open_local_database(
    path: Path,
    *,
    migrate_schema: bool = True,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> sa.Engine:
    """Open (creating folder and file if needed) the station database and migrate it to head.

    Raises :class:`StorageError` when the file is not a database, stays locked, or cannot be
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
        engine = create_local_engine(path, busy_timeout_ms=busy_timeout_ms)
        try:
            # Connecting runs the pragmas, which read the header: a non-database fails here.
            with reading(engine) as connection:
                connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()
            if migrate_schema:
                migrate(engine)
        except BaseException:
            engine.dispose()
            raise
    return engine


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection whose transactions start with a deferred ``BEGIN`` (snapshot reads only)."""
    with storage_errors(), engine.connect() as connection:
        connection.execution_options(**{_READ_ONLY_OPTION: True})
        yield connection


# ------------------------------------------------------------------------------- migrations


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic configuration for the station migrations, bound to ``connection`` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration shipped with this program."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships 0001_initial
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The migration the database is at, or ``None`` for an empty database."""
    with reading(engine) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def pending_migrations(engine: sa.Engine) -> list[str]:
    """Revisions between the database and head, oldest first (empty when up to date)."""
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    pending = [rev.revision for rev in script.iterate_revisions("heads", current)]
    pending.reverse()
    return pending


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` in one transaction (batch mode, foreign keys checked)."""
    _run_alembic(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Downgrade the schema to ``revision`` (administrators and tests only)."""
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
