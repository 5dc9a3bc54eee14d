"""The central PostgreSQL schema (中心库表结构), as SQLAlchemy tables (docs/sync.md, Tables).

Columns shared with the station database use the same types and names as
``adapters/storage/tables.py`` (``UtcDateTime``, JSON/JSONB, ``Uuid``, string lengths); the two
differ where the meaning differs: centrally an event's station is its ``origin`` (``'central'``
for back-office events) and the station's gap-free number is ``origin_seq``.

Two columns matter for correctness: ``server_seq`` (identity) and ``xid`` (the inserting
transaction, ``xid8``), which together form the pull cursor that cannot skip rows committed out
of order (docs/sync.md, Pull cursor). Roles, row-level security, triggers and functions are plain
SQL in the migration, not here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import base as pg_base

from zhanhe_counter.adapters.storage.tables import (
    NAMING_CONVENTION,
    UtcDateTime,
    json_type,
    reference_tables,
)

central_metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

CENTRAL_ORIGIN = "central"


class Xid8(sa.types.UserDefinedType[str]):
    """PostgreSQL's 64-bit transaction id; read as text (``xid::text``), bound with a cast."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "xid8"


# Reflection (Alembic's drift check) would otherwise warn "did not recognize type 'xid8'".
pg_base.ischema_names.setdefault("xid8", Xid8)

station = sa.Table(
    "station",
    central_metadata,
    sa.Column("station_id", sa.String(32), primary_key=True),
    sa.Column("role_name", sa.String(63), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("last_hello_at", UtcDateTime, nullable=True),
    sa.Column("last_push_at", UtcDateTime, nullable=True),
    sa.Column("last_pull_at", UtcDateTime, nullable=True),
    sa.Column("clock_offset_ms", sa.BigInteger, nullable=True),
    sa.Column("app_version", sa.String(32), nullable=True),
    # The service hall (服务场所) the station stands in; a case's hall is its opening station's.
    sa.Column("hall", sa.String(32), nullable=True),
    # A demo data folder registered for training (培训站点): its cases are not real ones.
    sa.Column("training", sa.Boolean, nullable=False, server_default=sa.false()),
    # The code in its case numbers (站点代码), assigned and kept unique by the centre (c0009).
    sa.Column("station_code", sa.String(16), nullable=True),
    sa.Index("uq_station_station_code", "station_code", unique=True),
)

# A replaced PC's code: never handed out again, so no two cases share a number (c0009).
retired_station_code = sa.Table(
    "retired_station_code",
    central_metadata,
    sa.Column("station_code", sa.String(16), primary_key=True),
    sa.Column("station_id", sa.String(32), nullable=False),
    sa.Column("retired_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
)

# Every case number the centre received (filled by a trigger on ``case_event``), and the cases
# that arrived under a number another case already had, for the administrator.
case_number = sa.Table(
    "case_number",
    central_metadata,
    sa.Column("case_number", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.Uuid, nullable=False),
    sa.Column("station_id", sa.String(32), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
)

case_number_collision = sa.Table(
    "case_number_collision",
    central_metadata,
    sa.Column("collision_id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("case_number", sa.String(64), nullable=False),
    sa.Column("case_id", sa.Uuid, nullable=False),
    sa.Column("station_id", sa.String(32), nullable=False),
    sa.Column("first_case_id", sa.Uuid, nullable=True),
    sa.Column("at", UtcDateTime, nullable=False, server_default=sa.func.now()),
)

# What a station does (站点角色): counter; backoffice of a department; delivery of a hall;
# supervisor of a hall or of the district ('district'). Several per station.
station_role = sa.Table(
    "station_role",
    central_metadata,
    sa.Column(
        "station_id",
        sa.String(32),
        sa.ForeignKey("station.station_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("role", sa.String(16), primary_key=True),
    sa.Column("scope", sa.String(200), primary_key=True, server_default=""),
    sa.CheckConstraint(
        "role IN ('counter', 'backoffice', 'delivery', 'supervisor')", name="role_known"
    ),
    sa.Index("ix_station_role_scope", "role", "scope"),
)

case_file = sa.Table(
    "case_file",
    central_metadata,
    sa.Column("case_id", sa.Uuid, primary_key=True),
    sa.Column("station_id", sa.String(32), sa.ForeignKey("station.station_id"), nullable=False),
    sa.Column("matter_id", sa.String(64), nullable=True),
    sa.Column("service_day", sa.Date, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # Where the case belongs (所属部门、服务场所): pushed by the opening station, else filled by
    # the centre from its matter table and the station's hall. Routing reads them.
    sa.Column("department", sa.String(200), nullable=True),
    sa.Column("hall", sa.String(32), nullable=True),
    sa.Index(None, "station_id"),
)

# Which stations hold each case (办件分派): the opening counter, the department's back-office
# desks, the hall's delivery windows ('write'), the supervisors in scope ('read').
case_route = sa.Table(
    "case_route",
    central_metadata,
    sa.Column(
        "case_id", sa.Uuid, sa.ForeignKey("case_file.case_id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("station_id", sa.String(32), sa.ForeignKey("station.station_id"), primary_key=True),
    sa.Column("access", sa.String(8), nullable=False),
    sa.Column("reasons", sa.String(64), nullable=False),
    sa.Column("routed_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("access IN ('read', 'write')", name="access_known"),
    sa.Index("ix_case_route_station", "station_id", "case_id"),
)

case_event = sa.Table(
    "case_event",
    central_metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("case_id", sa.Uuid, sa.ForeignKey("case_file.case_id"), nullable=False),
    sa.Column("origin", sa.String(32), nullable=False),
    sa.Column("origin_seq", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("service_day", sa.Date, nullable=False),
    sa.Column("hlc", sa.BigInteger, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("schema_version", sa.SmallInteger, nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("server_seq", sa.BigInteger, sa.Identity(always=True), nullable=False),
    sa.Column("xid", Xid8(), nullable=False, server_default=sa.text("pg_current_xact_id()")),
    sa.Column("received_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("origin", "origin_seq"),
    sa.Index("ix_case_event_pull", "xid", "server_seq"),
    sa.Index("ix_case_event_tally", "service_day", "origin", "kind"),
    sa.Index("ix_case_event_case", "case_id", "hlc"),
    # The tally's promised-date figure finds its cases by this text (adapters/tally/facts_sql.py).
    sa.Index(
        "ix_case_event_promised_due",
        sa.text("(payload ->> 'promised_due')"),
        "case_id",
        postgresql_where=sa.text("kind IN ('received', 'accepted')"),
    ),
    # The progress page finds a case by its number (migration c0005).
    sa.Index(
        "ix_case_event_case_number",
        sa.text("(payload ->> 'case_number')"),
        postgresql_where=sa.text("kind = 'received'"),
    ),
)

# The tally projection (统计投影): each event with its case's opening station, clerk and matter,
# kept by the statement-level trigger ``case_event_tally`` (migration c0015; the station's twin
# is ``adapters/storage/tally_tables.py``).
tally_event = sa.Table(
    "tally_event",
    central_metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("case_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("origin", sa.String(32), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("service_day", sa.Date, nullable=False),
    sa.Column("station", sa.String(32), nullable=False),
    sa.Column("clerk", sa.String(64), nullable=False),
    sa.Column("matter", sa.String(64), nullable=False),
    sa.Column("variant", sa.String(32), nullable=True),
    sa.Column("due", sa.String(40), nullable=True),
    sa.Column("settled_at", UtcDateTime, nullable=True),
    sa.Index("ix_tally_event_day", "kind", "service_day", "station", "clerk", "matter", "variant"),
    sa.Index(
        "ix_tally_event_promised_due",
        "due",
        "case_id",
        "station",
        "clerk",
        "matter",
        postgresql_where=sa.text("kind IN ('received', 'accepted')"),
    ),
    # The states judged at the tally's as-of, case by case.
    sa.Index("ix_tally_event_case", "case_id", "kind", "occurred_at"),
)

# Every event routed to a station, in routing order (分派日志): a station's pull is one range of
# ``ix_route_log_pull``; ``(xid, server_seq)`` is the pull cursor, as for ``case_event``.
route_log = sa.Table(
    "route_log",
    central_metadata,
    sa.Column("server_seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("xid", Xid8(), nullable=False, server_default=sa.text("pg_current_xact_id()")),
    sa.Column("station_id", sa.String(32), nullable=False),
    sa.Column(
        "event_id",
        sa.Uuid,
        sa.ForeignKey("case_event.event_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.UniqueConstraint("station_id", "event_id"),
    sa.Index("ix_route_log_pull", "station_id", "xid", "server_seq"),
)

# Every change of centrally edited reference data, fed by triggers; pulled like case events.
ref_change = sa.Table(
    "ref_change",
    central_metadata,
    sa.Column("server_seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("xid", Xid8(), nullable=False, server_default=sa.text("pg_current_xact_id()")),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("entity_key", sa.String(200), nullable=False),
    sa.Column("op", sa.String(8), nullable=False),
    sa.Column("scope", sa.String(32), nullable=False, server_default="all"),
    sa.Column("data", json_type(), nullable=True),
    sa.CheckConstraint("op IN ('upsert', 'delete')", name="op_known"),
    sa.Index("ix_ref_change_pull", "xid", "server_seq"),
    # A change deletes the rows it supersedes (c0007): found by key, not by a scan.
    sa.Index("ix_ref_change_key", "entity", "entity_key", "scope"),
)

# Events the central screen refused: recorded and reported back, never blocking the queue.
sync_rejection = sa.Table(
    "sync_rejection",
    central_metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("origin", sa.String(32), nullable=False),
    sa.Column("origin_seq", sa.BigInteger, nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.Index(None, "origin", "origin_seq"),
)

# Bumped by the administrator after any restore: stations then re-pull from the start.
sync_epoch = sa.Table(
    "sync_epoch",
    central_metadata,
    sa.Column("epoch", sa.Integer, primary_key=True),
    sa.Column("started_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
)

central_setting = sa.Table(
    "central_setting",
    central_metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Which origin may record which kind (docs/sync.md, Conflict policy and authority split); edited by
# administrators.
event_kind_policy = sa.Table(
    "event_kind_policy",
    central_metadata,
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("station_may_emit", sa.Boolean, nullable=False),
    sa.Column("central_may_emit", sa.Boolean, nullable=False),
)

# Outbox of messages to the applicant (SMS) and to the provincial 好差评 system: one row per
# message under its idempotency key (services/outbound.py); written by ``zhanhe_outbound``.
outbound_message = sa.Table(
    "outbound_message",
    central_metadata,
    sa.Column("message_key", sa.String(200), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("case_id", sa.Uuid, nullable=False),
    sa.Column("source_event_id", sa.Uuid, nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("not_before", UtcDateTime, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("remote_id", sa.String(200), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    sa.CheckConstraint("channel IN ('sms', 'province')", name="channel_known"),
    sa.CheckConstraint(
        "state IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="state_known"
    ),
    sa.Index("ix_outbound_message_due", "channel", "state", "not_before"),
    sa.Index(None, "case_id"),
)

# Where the outbound scan of ``case_event`` stands, as a pull cursor (xid, server_seq).
outbound_cursor = sa.Table(
    "outbound_cursor",
    central_metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("xid", Xid8(), nullable=False),
    sa.Column("server_seq", sa.BigInteger, nullable=False),
)

# Material page images (材料影像, docs/materials.md): one blob per station and SHA-256, sent in
# bytea chunks so an interrupted upload resumes from the chunks the centre holds; ``complete``
# once the chunks hash to the name. ``case_material`` ties a blob to a case: it is what routes
# the image with the case (row-level security reads ``case_route``).
material_blob = sa.Table(
    "material_blob",
    central_metadata,
    sa.Column("origin", sa.String(32), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("chunk_size", sa.Integer, nullable=False),
    sa.Column("chunk_count", sa.Integer, nullable=False),
    sa.Column("media_type", sa.String(32), nullable=False),
    sa.Column("complete", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("chunk_count >= 1 AND chunk_size >= 1", name="chunks_positive"),
)

material_chunk = sa.Table(
    "material_chunk",
    central_metadata,
    sa.Column("origin", sa.String(32), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.ForeignKeyConstraint(
        ["origin", "sha256"],
        ["material_blob.origin", "material_blob.sha256"],
        ondelete="CASCADE",
    ),
)

case_material = sa.Table(
    "case_material",
    central_metadata,
    sa.Column(
        "case_id", sa.Uuid, sa.ForeignKey("case_file.case_id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("origin", sa.String(32), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("material_id", sa.String(64), nullable=False),
    sa.Column("page_no", sa.Integer, nullable=False),
    sa.Column("linked_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.ForeignKeyConstraint(["origin", "sha256"], ["material_blob.origin", "material_blob.sha256"]),
    sa.Index("ix_case_material_blob", "origin", "sha256"),
)

# ------------------------------------------------------------ reference data (edited centrally)

_reference = reference_tables(central_metadata, local=False)
department = _reference["department"]
catalogue_version = _reference["catalogue_version"]
matter = _reference["matter"]
staff = _reference["staff"]
window_config = _reference["window_config"]

holiday_override = sa.Table(
    "holiday_override",
    central_metadata,
    sa.Column("day", sa.Date, primary_key=True),
    # 'holiday' (a listed day off) or 'workday' (a 调休 working weekend).
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.CheckConstraint("kind IN ('holiday', 'workday')", name="kind_known"),
)

# What the bureau publishes whole (catalogue, departments, windows and halls, document settings,
# office hours), by version and the day it takes effect; stations load the version in effect.
reference_document = sa.Table(
    "reference_document",
    central_metadata,
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("published_by", sa.String(64), nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint(
        "kind IN ('catalogue', 'departments', 'windows', 'document_settings', 'office_hours')",
        name="kind_known",
    ),
)

# Who changed what and when (管理操作记录): every administrative change at the centre.
governance_log = sa.Table(
    "governance_log",
    central_metadata,
    sa.Column("log_id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("detail", json_type(), nullable=False),
)

# Tables whose changes feed ``ref_change``, with their key columns (in key order).
REFERENCE_KEYS: dict[str, tuple[str, ...]] = {
    "department": ("department_id",),
    "catalogue_version": ("version",),
    "matter": ("matter_id", "version"),
    "staff": ("staff_id",),
    "window_config": ("window_id",),
    "holiday_override": ("day",),
    "reference_document": ("kind", "version"),
}
