"""Central: a password a person changes at a counter reaches the centre (issue 17).

Revision ID: c0013_password_change
Revises: c0012_tally
Create Date: 2026-12-02

``change_staff_password(staff_id, old_hash, new_hash)``: a station login sends the argon2 hash
a person set at its counter. Staff accounts are district-wide (their ``ref_change`` scope is
``all``), so any active station may send the change of any *active* person; the centre takes
it only when the counter knew the centre's current hash (``old_hash``) or the account must
change its password anyway (created or reset by the bureau). It updates ``staff`` (the
existing feed then carries the new hash to every counter), clears ``must_change_password``
and records ``password: changed`` in ``governance_log`` (actor: the staff id; the station in
the detail; never the hash). Answers ``changed``, ``stale`` (the centre's password changed
since: the counter's change is dropped) or ``unknown`` (no such active person).

Written out in full (never importing the live models) so it stays what it was when released.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0013_password_change"
down_revision: str | Sequence[str] | None = "c0012_tally"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATION_ROLE = "zhanhe_station"

_UP = f"""
CREATE FUNCTION change_staff_password(p_staff_id text, p_old_hash text, p_new_hash text)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  me text := public.my_station();
  person public.staff%ROWTYPE;
BEGIN
  IF me IS NULL THEN
    RAISE EXCEPTION 'role % is not an active station', session_user
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF coalesce(p_new_hash, '') NOT LIKE '$argon2%' THEN
    RAISE EXCEPTION 'not an argon2 hash' USING ERRCODE = 'check_violation';
  END IF;
  SELECT * INTO person FROM public.staff WHERE staff_id = p_staff_id AND active FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'unknown';
  END IF;
  IF person.password_hash = p_new_hash THEN
    RETURN 'changed';  -- sent again after a lost answer
  END IF;
  IF person.password_hash IS DISTINCT FROM p_old_hash AND NOT person.must_change_password THEN
    RETURN 'stale';
  END IF;
  UPDATE public.staff
     SET password_hash = p_new_hash, must_change_password = false, updated_at = now()
   WHERE staff_id = p_staff_id;
  INSERT INTO public.governance_log (actor, action, subject, detail)
  VALUES (p_staff_id, 'password: changed', p_staff_id, jsonb_build_object('station', me));
  RETURN 'changed';
END $$;

REVOKE ALL ON FUNCTION change_staff_password(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION change_staff_password(text, text, text) TO {STATION_ROLE};
"""


def upgrade() -> None:
    op.execute(_UP)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS change_staff_password(text, text, text)")
