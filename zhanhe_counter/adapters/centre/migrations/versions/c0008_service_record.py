"""Central: stations may record the service of notices and decisions (送达).

Revision ID: c0008_service_record
Revises: c0007_station_isolation
Create Date: 2026-12-02

``notice_served`` says how a notice or decision reached the applicant: handed over (the
receiver's name, the signature image's file and hash), mailed (carrier, waybill, dispatch date,
and later the signed-for date) or sent electronically (address, consent). The counter, the back
office and the delivery window record it, so stations may emit it like the other steps of a case
(``event_kind_policy``; the back office's central role too, as for its decisions). Row-level
security and routing need nothing new: it is written on cases routed for writing, like every
step, and read-only routes (supervisors) never serve.

The progress page's ``progress_case`` cuts the personal fields of the new kind in the database,
as it does for a delivery's signer: the receiver and the electronic address become ``*``, the
mail address and the signature's file and hash are removed. Written out in full (never importing
the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0008_service_record"
down_revision: str | Sequence[str] | None = "c0007_station_isolation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PROGRESS_CASE = r"""
CREATE OR REPLACE FUNCTION progress_case(p_case_number text)
RETURNS TABLE (p_event_id uuid, p_case_id uuid, p_kind text, p_occurred_at timestamptz,
               p_hlc bigint, p_origin text, p_payload jsonb, p_matter_name text,
               p_department_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH opened AS (
    SELECT e.case_id, e.payload ->> 'matter_id' AS matter_id
      FROM public.case_event AS e
     WHERE e.kind = 'received' AND (e.payload ->> 'case_number') = p_case_number
     ORDER BY e.server_seq LIMIT 1),
  about AS (
    SELECT m.name AS matter_name, d.name AS department_name
      FROM opened AS o
      JOIN public.matter AS m ON m.matter_id = o.matter_id
      LEFT JOIN public.catalogue_version AS v ON v.version = m.version
      LEFT JOIN public.department AS d ON d.department_id = m.department_id
     ORDER BY v.is_current DESC NULLS LAST, m.version DESC LIMIT 1)
  SELECT e.event_id, e.case_id, e.kind, e.occurred_at, e.hlc, e.origin,
         CASE e.kind
           WHEN 'received' THEN (e.payload - 'applicant')
             || jsonb_build_object('applicant',
                  jsonb_build_object('name', e.payload -> 'applicant' -> 'name'))
           WHEN 'delivered' THEN e.payload || CASE WHEN e.payload ? 'signer'
             AND jsonb_typeof(e.payload -> 'signer') = 'string'
             THEN jsonb_build_object('signer', '*') ELSE '{}'::jsonb END
           WHEN 'inspected' THEN e.payload || jsonb_build_object('findings', '-')
           WHEN 'rating_followed_up' THEN e.payload || jsonb_build_object('note', '-')
           WHEN 'withdrawn' THEN e.payload || jsonb_build_object('reason', NULL)
           WHEN 'rated' THEN e.payload - 'staff_id'
{served}           ELSE e.payload
         END,
         (SELECT a.matter_name FROM about AS a), (SELECT a.department_name FROM about AS a)
    FROM public.case_event AS e
    JOIN opened AS o ON o.case_id = e.case_id
   WHERE e.kind NOT IN ('case_viewed', 'document_printed', 'document_reprinted',
                        'id_revealed', 'case_exported', 'consulted')
   ORDER BY e.hlc, e.event_id
$$;
"""

_SERVED_MASK = r"""
           WHEN 'notice_served' THEN e.payload
             || jsonb_build_object('receiver', CASE WHEN jsonb_typeof(e.payload -> 'receiver')
                                     = 'string' THEN '*' END,
                                   'electronic_address', CASE WHEN jsonb_typeof(
                                     e.payload -> 'electronic_address') = 'string' THEN '*' END,
                                   'mail_address', NULL, 'signature_file', NULL,
                                   'signature_sha256', NULL)
"""


def upgrade() -> None:
    op.execute(
        "INSERT INTO event_kind_policy (kind, station_may_emit, central_may_emit) "
        "VALUES ('notice_served', true, true)"
    )
    op.execute(_PROGRESS_CASE.replace("{served}", _SERVED_MASK.strip("\n") + "\n"))


def downgrade() -> None:
    # The function as c0005 made it: a notice_served payload would pass unmasked, so the kind
    # is refused again first (its events stay; a downgrade keeps the data).
    op.execute("DELETE FROM event_kind_policy WHERE kind = 'notice_served'")
    op.execute(_PROGRESS_CASE.replace("{served}", ""))
