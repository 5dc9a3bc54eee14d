"""Central: material page images, uploaded in chunks and routed with their case (issue 21).

Revision ID: c0010_materials
Revises: c0009_governance
Create Date: 2026-12-02

* ``material_blob`` / ``material_chunk``: a station's page image under its SHA-256, in bytea
  chunks. The key includes the uploading station (``origin``): deduplication is per station, so a
  hash alone never lets one station claim another's image without sending it.
* ``case_material``: which case a blob belongs to; written only by a station with a write route
  to the case, read by every station the case is routed to (the same rule as ``case_event``).
* ``material_complete(sha256)``: with the owner's rights, checks the station's chunks hash to the
  name and marks the blob complete ('complete', 'missing', or 'corrupt' after deleting them).
* ``event_kind_policy`` accepts ``material_captured`` and ``document_signed`` from stations.

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0010_materials"
down_revision: str | Sequence[str] | None = "c0009_governance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATION_ROLE = "zhanhe_station"
BACKOFFICE_ROLE = "zhanhe_backoffice"

_COMPLETE = r"""
CREATE FUNCTION material_complete(p_sha256 text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  me text := public.my_station();
  wanted integer;
  done boolean;
  got integer;
  digest text;
BEGIN
  IF me IS NULL THEN
    RAISE EXCEPTION 'role % is not an active station', session_user
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT chunk_count, complete INTO wanted, done FROM public.material_blob
   WHERE origin = me AND sha256 = p_sha256 FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'missing';
  END IF;
  IF done THEN
    RETURN 'complete';
  END IF;
  SELECT count(*), encode(sha256(string_agg(data, ''::bytea ORDER BY seq)), 'hex')
    INTO got, digest
    FROM public.material_chunk WHERE origin = me AND sha256 = p_sha256;
  IF got < wanted THEN
    RETURN 'missing';
  END IF;
  IF got > wanted OR digest IS DISTINCT FROM p_sha256 THEN
    DELETE FROM public.material_chunk WHERE origin = me AND sha256 = p_sha256;
    RETURN 'corrupt';
  END IF;
  UPDATE public.material_blob SET complete = true WHERE origin = me AND sha256 = p_sha256;
  RETURN 'complete';
END $$;
"""

_POLICIES = f"""
REVOKE ALL ON FUNCTION material_complete(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION material_complete(text) TO {STATION_ROLE};
GRANT SELECT, INSERT ON material_blob, material_chunk, case_material TO {STATION_ROLE};
GRANT SELECT ON material_blob, material_chunk, case_material TO {BACKOFFICE_ROLE};
ALTER TABLE material_blob ENABLE ROW LEVEL SECURITY;
ALTER TABLE material_chunk ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_material ENABLE ROW LEVEL SECURITY;

-- A station writes only its own blobs and chunks, and links them only to cases it may write.
CREATE POLICY mb_station_write ON material_blob FOR INSERT TO {STATION_ROLE}
  WITH CHECK (origin = (SELECT my_station()));
CREATE POLICY mc_station_write ON material_chunk FOR INSERT TO {STATION_ROLE}
  WITH CHECK (origin = (SELECT my_station()));
CREATE POLICY cm_station_write ON case_material FOR INSERT TO {STATION_ROLE}
  WITH CHECK (origin = (SELECT my_station())
              AND EXISTS (SELECT 1 FROM case_route AS cr
                           WHERE cr.case_id = case_material.case_id
                             AND cr.station_id = (SELECT my_station())
                             AND cr.access = 'write'));

-- It reads its own, and every image of a case routed to it.
CREATE POLICY cm_station_read ON case_material FOR SELECT TO {STATION_ROLE}
  USING (origin = (SELECT my_station())
         OR EXISTS (SELECT 1 FROM case_route AS cr
                     WHERE cr.case_id = case_material.case_id
                       AND cr.station_id = (SELECT my_station())));
CREATE POLICY mb_station_read ON material_blob FOR SELECT TO {STATION_ROLE}
  USING (origin = (SELECT my_station())
         OR EXISTS (SELECT 1 FROM case_material AS cm
                     WHERE cm.origin = material_blob.origin
                       AND cm.sha256 = material_blob.sha256));
CREATE POLICY mc_station_read ON material_chunk FOR SELECT TO {STATION_ROLE}
  USING (origin = (SELECT my_station())
         OR EXISTS (SELECT 1 FROM case_material AS cm
                     WHERE cm.origin = material_chunk.origin
                       AND cm.sha256 = material_chunk.sha256));
CREATE POLICY mb_read_all ON material_blob FOR SELECT TO {BACKOFFICE_ROLE} USING (true);
CREATE POLICY mc_read_all ON material_chunk FOR SELECT TO {BACKOFFICE_ROLE} USING (true);
CREATE POLICY cm_read_all ON case_material FOR SELECT TO {BACKOFFICE_ROLE} USING (true);

INSERT INTO event_kind_policy (kind, station_may_emit, central_may_emit)
VALUES ('material_captured', true, false), ('document_signed', true, false);
"""


def upgrade() -> None:
    op.create_table(
        "material_blob",
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("complete", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "chunk_count >= 1 AND chunk_size >= 1", name=op.f("ck_material_blob_chunks_positive")
        ),
        sa.PrimaryKeyConstraint("origin", "sha256", name=op.f("pk_material_blob")),
    )
    op.create_table(
        "material_chunk",
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["origin", "sha256"],
            ["material_blob.origin", "material_blob.sha256"],
            name=op.f("fk_material_chunk_origin_material_blob"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("origin", "sha256", "seq", name=op.f("pk_material_chunk")),
    )
    op.create_table(
        "case_material",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("material_id", sa.String(length=64), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column(
            "linked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.case_id"],
            name=op.f("fk_case_material_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["origin", "sha256"],
            ["material_blob.origin", "material_blob.sha256"],
            name=op.f("fk_case_material_origin_material_blob"),
        ),
        sa.PrimaryKeyConstraint("case_id", "origin", "sha256", name=op.f("pk_case_material")),
    )
    op.create_index("ix_case_material_blob", "case_material", ["origin", "sha256"])
    op.execute(_COMPLETE)
    op.execute(_POLICIES)


def downgrade() -> None:
    op.execute(
        "DELETE FROM event_kind_policy WHERE kind IN ('material_captured', 'document_signed')"
    )
    op.execute("DROP FUNCTION material_complete(text)")
    # One statement: the read policies of the blobs and chunks refer to case_material.
    op.execute("DROP TABLE case_material, material_chunk, material_blob")
