"""The station database schema (本机数据库表结构): one ``metadata`` shared by every table module.

Other modules of this package add tables to the same ``metadata`` (for example ``print_tables``);
:func:`full_metadata` imports every sibling module whose name ends in ``_tables`` so that Alembic
and the schema tests always see the whole schema.

Columns shared with the central PostgreSQL database (``case_event``) use portable types: ``Uuid``,
JSON with a JSONB variant, and :class:`UtcDateTime`, which stores UTC and always reads back a
timezone-aware value (SQLite has no timezone type and would otherwise return naive datetimes).

Personal data at rest: the applicant's name and masked ID number live in ``case_status``, the
full record in event payloads. The whole file is SQLCipher-encrypted (``engine.py``, key from
``database_key.py``), so the schema needs no per-column encryption.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    # column_0_N keeps UNIQUE(a) and UNIQUE(a, b) from getting the same name (docs/sync.md, Two
    # Alembic environments).
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

SYNC_STATES = ("local", "sent", "confirmed", "rejected")


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware instant stored as UTC; naive values are refused, never guessed."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: the store keeps instants in UTC")
        utc = value.astimezone(UTC)
        # SQLite stores text; without the offset every value sorts and compares as UTC.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _JsonOrJsonb(sa.types.TypeDecorator[Any]):
    """JSON on SQLite, JSONB on PostgreSQL, the PostgreSQL type resolved only when used: its
    dialect package took a tenth of the counter's start, and the counter never talks to one
    through these tables."""

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(sa.JSON())


def json_type() -> sa.types.TypeEngine[Any]:
    """JSON on SQLite, JSONB on PostgreSQL."""
    return _JsonOrJsonb()


# ------------------------------------------------------------------------------------ cases

case_status = sa.Table(
    "case_status",
    metadata,
    sa.Column("case_id", sa.Uuid, primary_key=True),
    # NULL for a consultation log, which has no 受理编号; UNIQUE still forbids two equal numbers.
    sa.Column("case_number", sa.String(32), nullable=True, unique=True),
    sa.Column("matter_id", sa.String(64), nullable=True, index=True),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("first_handler", sa.String(64), nullable=True),
    sa.Column("station_id", sa.String(32), nullable=False),
    sa.Column("applicant_name", sa.String(200), nullable=True, index=True),
    # Only ever the masked form (first 6 + last 4); the full number stays in the event payload.
    sa.Column("applicant_id_masked", sa.String(32), nullable=True, index=True),
    sa.Column("received_at", UtcDateTime, nullable=True),
    sa.Column("promised_due", sa.Date, nullable=True),
    sa.Column("rongque_due", sa.Date, nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("last_station_seq", sa.BigInteger, nullable=False),
    sa.Column("event_count", sa.Integer, nullable=False),
    # Set when synced facts contradict each other; a supervisor resolves it (docs/sync.md, Conflict
    # policy and authority split).
    sa.Column("needs_attention", sa.Boolean, nullable=False, server_default=sa.false()),
    # A busy station after two years (issue 20): lists newest first, a clerk's open cases by
    # status, a clerk's recent cases, a clerk's cases of one matter (each one index range) and
    # the names of a clerk's cases (a substring search reads the index, not the table).
    sa.Index(None, "updated_at"),
    sa.Index(None, "first_handler", "status"),
    sa.Index(None, "first_handler", "updated_at"),
    sa.Index(None, "first_handler", "matter_id", "updated_at"),
    sa.Index(None, "first_handler", "applicant_name"),
)

case_event = sa.Table(
    "case_event",
    metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column(
        "case_id",
        sa.Uuid,
        sa.ForeignKey("case_status.case_id"),
        nullable=False,
    ),
    # Position inside its case (1..n): the order the state machine accepted the events in.
    sa.Column("case_pos", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("station_id", sa.String(32), nullable=False),
    sa.Column("station_seq", sa.BigInteger, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("schema_version", sa.SmallInteger, nullable=False, server_default=sa.text("1")),
    # Outbox columns for the sync to the centre (docs/sync.md, Tables and outbox columns): hlc
    # orders events inside a case across stations; server_seq is NULL until the centre echoes the
    # event back.
    sa.Column("hlc", sa.BigInteger, nullable=True),
    sa.Column("server_seq", sa.BigInteger, nullable=True),
    sa.Column("sync_state", sa.String(16), nullable=False, server_default="local"),
    sa.Column("sync_error", sa.Text, nullable=True),
    sa.UniqueConstraint("station_id", "station_seq"),
    sa.UniqueConstraint("case_id", "case_pos"),
    sa.CheckConstraint(
        "sync_state IN ('local', 'sent', 'confirmed', 'rejected')", name="sync_state_known"
    ),
    sa.Index(None, "sync_state", "station_id", "station_seq"),
    # A supervisor's day tally reads one period's events by kind (adapters/tally).
    sa.Index(None, "occurred_at", "kind"),
    # The tally's promised-date figure finds a period's cases by this text (migration 0011).
    sa.Index(
        "ix_case_event_promised_due",
        sa.text("json_extract(payload, '$.promised_due')"),
        "case_id",
        sqlite_where=sa.text("kind IN ('received', 'accepted')"),
    ),
)

station_counter = sa.Table(
    "station_counter",
    metadata,
    sa.Column("station_id", sa.String(32), primary_key=True),
    # Incremented inside the event's own write transaction, so a rollback leaves no gap.
    sa.Column("last_seq", sa.BigInteger, nullable=False),
)

number_sequence = sa.Table(
    "number_sequence",
    metadata,
    sa.Column("station_code", sa.String(16), primary_key=True),
    sa.Column("number_kind", sa.String(8), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("last_seq", sa.Integer, nullable=False),
)

# ------------------------------------------------------------------------------ reference data


def reference_tables(target: sa.MetaData, *, local: bool) -> dict[str, sa.Table]:
    """The reference data both databases hold (部门、事项目录、人员、窗口), one definition.

    The centre edits them and stations receive copies (docs/sync.md, Tables and outbox columns);
    only the station's staff rows add the login counters, which are this PC's business and never
    travel.
    """
    login_columns: list[sa.Column[Any]] = (
        [
            sa.Column("failed_logins", sa.Integer, nullable=False, server_default=sa.text("0")),
            sa.Column("locked_until", UtcDateTime, nullable=True),
        ]
        if local
        else []
    )
    return {
        "department": sa.Table(
            "department",
            target,
            sa.Column("department_id", sa.String(64), primary_key=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        ),
        "catalogue_version": sa.Table(
            "catalogue_version",
            target,
            sa.Column("version", sa.String(64), primary_key=True),
            sa.Column("imported_at", UtcDateTime, nullable=False),
            sa.Column("source", sa.String(500), nullable=False),
            sa.Column("checksum", sa.String(64), nullable=False),
            sa.Column("is_current", sa.Boolean, nullable=False, server_default=sa.false()),
        ),
        # A case keeps the catalogue version it was received under: matters are never edited
        # in place.
        "matter": sa.Table(
            "matter",
            target,
            sa.Column("matter_id", sa.String(64), primary_key=True),
            sa.Column(
                "version",
                sa.String(64),
                sa.ForeignKey("catalogue_version.version", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("name", sa.String(300), nullable=False),
            sa.Column("department_id", sa.String(64), nullable=True, index=True),
            sa.Column("body", json_type(), nullable=False),
        ),
        "staff": sa.Table(
            "staff",
            target,
            sa.Column("staff_id", sa.String(64), primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("roles", json_type(), nullable=False),
            sa.Column("password_hash", sa.String(255), nullable=False),
            *login_columns,
            sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
            sa.Column("updated_at", UtcDateTime, nullable=False),
            # Created or reset by the bureau: a new password at first login (c0009/0010).
            sa.Column(
                "must_change_password", sa.Boolean, nullable=False, server_default=sa.false()
            ),
        ),
        "window_config": sa.Table(
            "window_config",
            target,
            sa.Column("window_id", sa.String(32), primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("station_id", sa.String(32), nullable=False),
            # Whether this window may accept (当场受理) or must ask the back office for a
            # 20-minute answer.
            sa.Column("can_accept", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("matter_ids", json_type(), nullable=False),
            sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        ),
    }


_reference = reference_tables(metadata, local=True)
department = _reference["department"]
catalogue_version = _reference["catalogue_version"]
matter = _reference["matter"]
staff = _reference["staff"]
window_config = _reference["window_config"]

setting = sa.Table(
    "setting",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", json_type(), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# ------------------------------------------------------------------------------------- sync

# Cursors and marks of the sync (push_hwm, events_cursor, ref_cursor, ...; docs/sync.md, Tables and
# outbox columns), moved in the same transaction as the data they describe.
sync_state = sa.Table(
    "sync_state",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

sync_rejection = sa.Table(
    "sync_rejection",
    metadata,
    sa.Column("event_id", sa.Uuid, sa.ForeignKey("case_event.event_id"), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)


def full_metadata() -> sa.MetaData:
    """``metadata`` after importing every ``*_tables`` module of this package (print_tables…)."""
    package = importlib.import_module(__package__ or "zhanhe_counter.adapters.storage")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.endswith("_tables"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return metadata
