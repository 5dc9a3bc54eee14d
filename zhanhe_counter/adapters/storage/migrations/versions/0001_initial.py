"""Initial station schema: cases and events, numbering, reference data, sync marks.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-26

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# JSONB on PostgreSQL (indexable, compact); JSON text on SQLite.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "case_status",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=True),
        sa.Column("matter_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("first_handler", sa.String(length=64), nullable=True),
        sa.Column("station_id", sa.String(length=32), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=True),
        sa.Column("applicant_id_masked", sa.String(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("promised_due", sa.Date(), nullable=True),
        sa.Column("rongque_due", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_station_seq", sa.BigInteger(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("needs_attention", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_status")),
        sa.UniqueConstraint("case_number", name=op.f("uq_case_status_case_number")),
    )
    with op.batch_alter_table("case_status", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_status_applicant_id_masked"), ["applicant_id_masked"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_status_applicant_name"), ["applicant_name"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_status_matter_id"), ["matter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_status_status"), ["status"], unique=False)

    op.create_table(
        "catalogue_version",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("is_current", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_catalogue_version")),
    )
    op.create_table(
        "department",
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_department")),
    )
    op.create_table(
        "number_sequence",
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("number_kind", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "station_code", "number_kind", "day", name=op.f("pk_number_sequence")
        ),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("roles", JSON, nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default=sa.false(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff")),
    )
    op.create_table(
        "station_counter",
        sa.Column("station_id", sa.String(length=32), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_station_counter")),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "window_config",
        sa.Column("window_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("station_id", sa.String(length=32), nullable=False),
        sa.Column("can_accept", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("matter_ids", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("window_id", name=op.f("pk_window_config")),
    )
    op.create_table(
        "case_event",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("case_pos", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("station_id", sa.String(length=32), nullable=False),
        sa.Column("station_seq", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("schema_version", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("hlc", sa.BigInteger(), nullable=True),
        sa.Column("server_seq", sa.BigInteger(), nullable=True),
        sa.Column("sync_state", sa.String(length=16), server_default="local", nullable=False),
        sa.Column("sync_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "sync_state IN ('local', 'sent', 'confirmed', 'rejected')",
            name=op.f("ck_case_event_sync_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_status.case_id"], name=op.f("fk_case_event_case_id_case_status")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_case_event")),
        sa.UniqueConstraint("case_id", "case_pos", name=op.f("uq_case_event_case_id_case_pos")),
        sa.UniqueConstraint(
            "station_id", "station_seq", name=op.f("uq_case_event_station_id_station_seq")
        ),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_event_sync_state_station_id_station_seq"),
            ["sync_state", "station_id", "station_seq"],
            unique=False,
        )

    op.create_table(
        "matter",
        sa.Column("matter_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("department_id", sa.String(length=64), nullable=True),
        sa.Column("body", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["version"],
            ["catalogue_version.version"],
            name=op.f("fk_matter_version_catalogue_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("matter_id", "version", name=op.f("pk_matter")),
    )
    with op.batch_alter_table("matter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_matter_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "sync_rejection",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["case_event.event_id"],
            name=op.f("fk_sync_rejection_event_id_case_event"),
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_sync_rejection")),
    )


def downgrade() -> None:
    op.drop_table("sync_rejection")
    with op.batch_alter_table("matter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matter_department_id"))

    op.drop_table("matter")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_event_sync_state_station_id_station_seq"))

    op.drop_table("case_event")
    op.drop_table("window_config")
    op.drop_table("sync_state")
    op.drop_table("station_counter")
    op.drop_table("staff")
    op.drop_table("setting")
    op.drop_table("number_sequence")
    op.drop_table("department")
    op.drop_table("catalogue_version")
    with op.batch_alter_table("case_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_status_status"))
        batch_op.drop_index(batch_op.f("ix_case_status_matter_id"))
        batch_op.drop_index(batch_op.f("ix_case_status_applicant_name"))
        batch_op.drop_index(batch_op.f("ix_case_status_applicant_id_masked"))

    op.drop_table("case_status")
