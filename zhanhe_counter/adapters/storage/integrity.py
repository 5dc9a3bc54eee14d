"""SQLite's own consistency checks on the station database (数据库完整性检查).

``PRAGMA quick_check`` reads every page and record but does not compare indexes with their
tables: it is what every start can afford. ``PRAGMA integrity_check`` adds the index comparison,
``PRAGMA foreign_key_check`` the references, and on an encrypted file SQLCipher's
``cipher_integrity_check`` verifies every page's HMAC (a flipped bit on disk shows up here even
in a page no query has read yet). A page so damaged that the check itself fails counts as a
problem found, not as an error of the check.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import DatabaseUnusable, translate_error

log = logging.getLogger(__name__)

#: At most this many problems are listed: a badly damaged file would give thousands.
MAX_PROBLEMS = 20


class SqliteIntegrityProbe:
    """The ``IntegrityProbe`` port on the station database."""

    def __init__(self, engine: sa.Engine, *, encrypted: bool = True) -> None:
        self._engine = engine
        self._encrypted = encrypted

    def problems(self, *, full: bool) -> tuple[str, ...]:
        pragma = "integrity_check" if full else "quick_check"
        found: list[str] = []
        with self._engine.connect() as connection:
            # Straight on the driver, outside any transaction: a check that met a damaged page
            # inside BEGIN leaves the connection failing every later read until it is closed.
            driver = connection.connection.driver_connection
            assert driver is not None
            try:
                rows = driver.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})").fetchall()
                found.extend(str(row[0]) for row in rows if str(row[0]) != "ok")
                if full:
                    broken = driver.execute("PRAGMA foreign_key_check").fetchall()
                    found.extend(
                        f"foreign key: {row[0]} row {row[1]} -> {row[2]}" for row in broken
                    )
                    if self._encrypted:
                        pages = driver.execute("PRAGMA cipher_integrity_check").fetchall()
                        found.extend(str(row[0]) for row in pages)
            except Exception as error:  # the driver's own classes (sqlite3 or sqlcipher3)
                translated = translate_error(error)
                if translated is None:
                    raise
                if not isinstance(translated, DatabaseUnusable):
                    raise translated from error  # busy or unwritable: no verdict on the file
                found.append(f"check failed: {translated}")
            finally:
                if found:
                    connection.invalidate()  # never hand this connection out again
        if found:
            log.error("station database %s found %d problems", pragma, len(found))
        return tuple(found[:MAX_PROBLEMS])
