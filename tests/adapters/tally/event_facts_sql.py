"""The tally's facts read straight from ``case_event``: the definition the tally had before the
projection (issue 20), kept verbatim as the oracle the projection-based tally is checked against
(``test_tally_projection.py``).

Original docstring: the tally's facts as one SQL query, written once for SQLite and PostgreSQL.

Each figure is defined here and only here (``docs/tally.md`` states the same rules in words):

* event figures — an event of the kind inside the period: consultations, received, accepted,
  one-time notices, refusals (不予受理), decisions (and refused decisions), deliveries, ratings per
  level; 当场办结 is a RECEIVED whose flow is ``complete_on_spot``;
* 容缺 — each pledge made in the period is *supplemented* if every pledged item was received by
  ``as_of``, else *overdue* if its deadline day has passed, else *open*;
* 20-minute back-office answers — each request made in the period is *met* if ACCEPTED/REFUSED
  came by ``answer_due``, *missed* if it came later or had not come when ``answer_due`` passed,
  else *pending*;
* promised date — each case whose promised date (ACCEPTED's, else RECEIVED's) falls in the period
  is *due*; it is *past its promised date* if its decision (or refusal, or withdrawal) came on a
  later day, or had not come by ``as_of`` with the day passed;
* bad ratings (level 1–2) made in the period are *followed up* if a follow-up event came after.

The dialects differ only in small fragments (JSON access, time arithmetic, how the period is
found: ``occurred_at`` locally, the indexed ``service_day`` centrally, and where a case's opening
event is). Every fact is joined to its case's opening event for (station, clerk, matter).
"""

from __future__ import annotations

from dataclasses import dataclass

_EVENT_FIGURES = (
    "consulted",
    "received",
    "accepted",
    "notified_once",
    "refused",
    "decided",
    "delivered",
)

#: Event kinds that record the follow-up of a bad rating (差评回访). Any step counts whatever its
#: ``action`` (contacted 回访, rectified 整改, closed 办结): the figure is "called back", and
#: the state machine only allows a step after a bad rating.
FOLLOW_UP_KINDS = ("rating_followed_up",)


@dataclass(frozen=True, slots=True)
class Dialect:
    """The SQL fragments that differ between SQLite and PostgreSQL."""

    name: str
    station_column: str

    def text(self, expr: str, key: str) -> str:
        if self.name == "sqlite":
            return f"json_extract({expr}, '$.{key}')"
        return f"({expr} ->> '{key}')"

    def integer(self, expr: str, key: str) -> str:
        if self.name == "sqlite":
            return f"json_extract({expr}, '$.{key}')"
        return f"({expr} ->> '{key}')::int"

    def is_false(self, expr: str, key: str) -> str:
        if self.name == "sqlite":
            return f"json_extract({expr}, '$.{key}') = 0"
        return f"({expr} ->> '{key}') = 'false'"

    def instant(self, expr: str) -> str:
        """An ISO date-time text (any offset) or a stored instant, comparable with another."""
        if self.name == "sqlite":
            return f"julianday({expr})"
        return f"({expr})::timestamptz"

    def day_text(self, expr: str) -> str:
        """An ISO date text as a date comparable with a bound date."""
        return expr if self.name == "sqlite" else f"({expr})::date"

    def service_day(self, column: str) -> str:
        """The UTC+8 day of a stored instant."""
        if self.name == "sqlite":
            return f"date({column}, '+8 hours')"
        return f"(({column}) AT TIME ZONE 'Asia/Shanghai')::date"

    def in_period(self, alias: str) -> str:
        if self.name == "sqlite":
            return f"{alias}.occurred_at >= :start AND {alias}.occurred_at < :end"
        return f"{alias}.service_day BETWEEN :first_day AND :last_day"

    def opening(self, alias: str, case: str) -> str:
        if self.name == "sqlite":
            return f"{alias}.case_id = {case} AND {alias}.case_pos = 1"
        return f"{alias}.case_id = {case} AND {alias}.kind IN ('received', 'consulted')"

    def counted_opening(self, alias: str, hall: bool) -> str:
        """What else a counted case's opening event must satisfy (none locally).

        Centrally, a case opened at a training station (a registered demo folder,
        ``station.training``) is not a real one and is left out; ``hall`` keeps only the cases
        of the hall ``:hall`` (a case's hall is its opening station's, as routing has it).
        """
        if self.name == "sqlite":
            return ""
        condition = f"""
  AND NOT EXISTS (SELECT 1 FROM station t WHERE t.station_id = {alias}.origin AND t.training)"""
        if hall:
            condition += f"""
  AND EXISTS (SELECT 1 FROM case_file h WHERE h.case_id = {alias}.case_id AND h.hall = :hall)"""
        return condition

    def promised_candidates(self) -> str:
        """The cases whose promised date may fall in the period, found by index.

        A case's promised date is the text of one of its RECEIVED/ACCEPTED events'
        ``promised_due`` (ISO ``YYYY-MM-DD``), so a case due in the period has such a text in
        ``[first day, day after the last)``: a necessary condition that the partial expression
        index ``ix_case_event_promised_due`` (in both databases) answers without reading the
        history before the period.
        """
        due = self.text("k.payload", "promised_due")
        return f"""SELECT DISTINCT k.case_id FROM case_event k
      WHERE k.kind IN ('received', 'accepted')
        AND {due} >= :first_text AND {due} < :after_text"""

    def pledged_item_ids(self, payload: str) -> tuple[str, str]:
        """(FROM item, material id expression) over a pledge's items."""
        if self.name == "sqlite":
            return (
                f"json_each({payload}, '$.items') AS it",
                "json_extract(it.value, '$.material_id')",
            )
        return (
            f"jsonb_array_elements({payload} -> 'items') AS it(value)",
            "(it.value ->> 'material_id')",
        )

    def supplied_ids(self, payload: str) -> tuple[str, str]:
        """(FROM item, value expression) over a supplement's material ids."""
        if self.name == "sqlite":
            return f"json_each({payload}, '$.material_ids') AS m", "m.value"
        return f"jsonb_array_elements_text({payload} -> 'material_ids') AS m(value)", "m.value"


#: The event kinds whose payload a figure reads (flow, approved, level, answer_due, the pledge).
_PAYLOAD_KINDS = ("received", "decided", "rated", "backoffice_requested", "rongque_pledged")

SQLITE = Dialect("sqlite", "station_id")
POSTGRES = Dialect("postgresql", "origin")


def facts_cte(d: Dialect, hall: bool = False) -> str:
    """``WITH pe AS (...), facts AS (case_id, at, figure, station, clerk, matter)``.

    Each event of the period is joined to its case's opening event once, in ``pe``, and every
    fact carries the opening's coordinates from there (the promised dates from their own
    opening): the one lookup per event that attribution costs, never one per fact.
    """
    opened = f"""o.{d.station_column} AS station, o.actor AS clerk,
    coalesce({d.text("o.payload", "matter_id")}, '') AS matter"""
    coordinates = "station, clerk, matter"
    payload_kinds = ", ".join(f"'{k}'" for k in _PAYLOAD_KINDS)
    items_from, item_id = d.pledged_item_ids("p.payload")
    supplied_from, supplied = d.supplied_ids("s.payload")
    event_figures = ", ".join(f"'{k}'" for k in _EVENT_FIGURES)
    follow_ups = ", ".join(f"'{k}'" for k in FOLLOW_UP_KINDS)
    return f"""
WITH pe AS MATERIALIZED (
  SELECT e.case_id, e.kind, e.occurred_at, {opened},
    -- Only the few kinds whose payload a figure reads keep it: the rest are not copied.
    CASE WHEN e.kind IN ({payload_kinds}) THEN e.payload END AS payload
  FROM case_event e JOIN case_event o ON {d.opening("o", "e.case_id")}{d.counted_opening("o", hall)}
  WHERE {d.in_period("e")}
),
bo AS MATERIALIZED (
  SELECT b.case_id, b.occurred_at AS at, b.station, b.clerk, b.matter,
    {d.text("b.payload", "answer_due")} AS due,
    (SELECT min(a.occurred_at) FROM case_event a
      WHERE a.case_id = b.case_id AND a.kind IN ('accepted', 'refused')
        AND a.occurred_at >= b.occurred_at AND a.occurred_at < :as_of) AS answered
  FROM pe b
  WHERE b.kind = 'backoffice_requested' AND {d.text("b.payload", "answer_due")} IS NOT NULL
),
promised_all AS MATERIALIZED (
  SELECT r.case_id, r.occurred_at AS at, {opened},
    {
        d.day_text(f'''coalesce(
      (SELECT max({d.text("a.payload", "promised_due")}) FROM case_event a
        WHERE a.case_id = r.case_id AND a.kind = 'accepted' AND a.occurred_at < :as_of),
      {d.text("r.payload", "promised_due")})''')
    } AS due,
    (SELECT min(x.occurred_at) FROM case_event x
      WHERE x.case_id = r.case_id AND x.kind IN ('decided', 'refused', 'withdrawn')
        AND x.occurred_at < :as_of) AS stopped
  FROM ({d.promised_candidates()}) cand
  JOIN case_event r ON r.case_id = cand.case_id
  JOIN case_event o ON {d.opening("o", "r.case_id")}{d.counted_opening("o", hall)}
  WHERE r.kind = 'received' AND r.occurred_at < :end
),
promised AS (
  SELECT case_id, at, due, stopped, {coordinates} FROM promised_all
  WHERE due BETWEEN :first_day AND :last_day
),
facts AS (
  SELECT case_id, occurred_at AS at, kind AS figure, {coordinates}
  FROM pe WHERE kind IN ({event_figures})
  UNION ALL
  SELECT case_id, occurred_at, 'complete_on_spot', {coordinates} FROM pe
    WHERE kind = 'received' AND {d.text("payload", "flow")} = 'complete_on_spot'
  UNION ALL
  SELECT case_id, occurred_at, 'decided_refused', {coordinates} FROM pe
    WHERE kind = 'decided' AND {d.is_false("payload", "approved")}
  UNION ALL
  SELECT case_id, occurred_at, 'rating_' || {d.text("payload", "level")}, {coordinates} FROM pe
    WHERE kind = 'rated'
  UNION ALL
  SELECT r.case_id, r.occurred_at,
    CASE WHEN EXISTS (
      SELECT 1 FROM case_event f
      WHERE f.case_id = r.case_id AND f.kind IN ({follow_ups})
        AND f.occurred_at >= r.occurred_at AND f.occurred_at < :as_of)
    THEN 'bad_rating_followed_up' ELSE 'bad_rating_open' END,
    r.station, r.clerk, r.matter
  FROM pe r WHERE r.kind = 'rated' AND {d.integer("r.payload", "level")} < 3
  UNION ALL
  SELECT case_id, at,
    CASE
      WHEN answered IS NOT NULL AND {d.instant("answered")} <= {d.instant("due")}
        THEN 'backoffice_met'
      WHEN answered IS NOT NULL OR {d.instant("due")} < {d.instant(":as_of")}
        THEN 'backoffice_missed'
      ELSE 'backoffice_pending'
    END,
    {coordinates}
  FROM bo
  UNION ALL
  SELECT p.case_id, p.occurred_at,
    CASE
      WHEN NOT EXISTS (
        SELECT 1 FROM {items_from}
        WHERE NOT EXISTS (
          SELECT 1 FROM case_event s, {supplied_from}
          WHERE s.case_id = p.case_id AND s.kind = 'supplement_received'
            AND s.occurred_at < :as_of AND {supplied} = {item_id}))
        THEN 'rongque_supplemented'
      WHEN {d.day_text(d.text("p.payload", "deadline"))} < :as_of_day THEN 'rongque_overdue'
      ELSE 'rongque_open'
    END,
    p.station, p.clerk, p.matter
  FROM pe p WHERE p.kind = 'rongque_pledged'
  UNION ALL
  SELECT case_id, at, 'promised_due', {coordinates} FROM promised
  UNION ALL
  SELECT case_id, at, 'past_promised', {coordinates} FROM promised
    WHERE (stopped IS NULL AND due < :as_of_day)
       OR (stopped IS NOT NULL AND {d.service_day("stopped")} > due)
)"""


def cells_sql(d: Dialect, hall: bool = False) -> str:
    return f"""{facts_cte(d, hall)}
SELECT station, clerk, matter, figure, count(*) AS n
FROM facts
GROUP BY station, clerk, matter, figure
"""


def cases_sql(d: Dialect, filters: str, hall: bool = False) -> str:
    return f"""{facts_cte(d, hall)}
SELECT * FROM (
  SELECT f.case_id AS case_id, f.at AS at, f.figure AS figure,
    f.station AS station, f.clerk AS clerk, f.matter AS matter,
    {d.text("o.payload", "case_number")} AS case_number
  FROM facts f JOIN case_event o ON {d.opening("o", "f.case_id")}
) drill
WHERE figure = :figure{filters}
ORDER BY at, case_id
LIMIT :limit
"""
