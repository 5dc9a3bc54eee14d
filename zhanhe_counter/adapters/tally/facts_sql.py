"""The tally's facts as one SQL query, written once for SQLite and PostgreSQL (统计口径SQL).

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

The dialects differ only in small fragments (JSON access, time arithmetic, the training
stations and halls centrally). The facts are read from the tally projection ``tally_event``,
where each event already carries its case's opening station, clerk and matter.
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
        """The projection's rows of the period (both databases keep the UTC+8 day)."""
        return f"{alias}.service_day BETWEEN :first_day AND :last_day"

    def opening(self, alias: str, case: str) -> str:
        if self.name == "sqlite":
            return f"{alias}.case_id = {case} AND {alias}.case_pos = 1"
        return f"{alias}.case_id = {case} AND {alias}.kind IN ('received', 'consulted')"

    def counted(self, alias: str, hall: bool) -> str:
        """What else a counted projection row must satisfy (none locally).

        Centrally, a case opened at a training station (a registered demo folder,
        ``station.training``) is not a real one and is left out; ``hall`` keeps only the cases
        of the hall ``:hall`` (a case's hall is its opening station's, as routing has it).
        """
        if self.name == "sqlite":
            return ""
        condition = f"""
  AND {alias}.station NOT IN (SELECT ts.station_id FROM station ts WHERE ts.training)"""
        if hall:
            condition += f"""
  AND EXISTS (SELECT 1 FROM case_file h WHERE h.case_id = {alias}.case_id AND h.hall = :hall)"""
        return condition

    def promised_candidates(self, counted: str = "") -> str:
        """The cases whose promised date may fall in the period, with their coordinates.

        A case's promised date is the ``due`` of one of its RECEIVED/ACCEPTED rows (ISO
        ``YYYY-MM-DD``), so a case due in the period has such a text in ``[first day, day after
        the last)``: a necessary condition that the partial index ``ix_tally_event_promised_due``
        (which holds the coordinates too) answers without reading the history before the period.
        """
        # SQLite without statistics would take the kind's day index and read every row of the
        # two kinds.
        hint = " INDEXED BY ix_tally_event_promised_due" if self.name == "sqlite" else ""
        return f"""SELECT DISTINCT k.case_id, k.station, k.clerk, k.matter FROM tally_event k{hint}
      WHERE k.kind IN ('received', 'accepted')
        AND k.due >= :first_text AND k.due < :after_text{counted}"""

    def by_case_only(self, column: str) -> str:
        """``column`` in a condition that must not choose the index (the row is found by case).

        SQLite has no statistics on a station (nobody runs ANALYZE there) and would otherwise
        read every RECEIVED row of the history through the kind's day index; ``+`` keeps the
        term out of index selection. PostgreSQL plans from its statistics.
        """
        return f"+{column}" if self.name == "sqlite" else column

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


SQLITE = Dialect("sqlite", "station_id")
POSTGRES = Dialect("postgresql", "origin")


def facts_cte(d: Dialect, hall: bool = False) -> str:
    """``WITH …, facts AS (case_id, at, figure, station, clerk, matter)``.

    Every fact is read from the tally projection ``tally_event`` (one row per event with its
    case's opening station, clerk and matter; adapters/storage/tally_tables.py and central
    migration c0015): each figure is one index range of the period's rows of its kinds. The
    states judged at ``as_of`` compare ``as_of`` with the row's ``settled_at`` (when a case
    stopped, a request was answered, a rating was followed up, written when that event came);
    only the promised date still looks up, per candidate case, its RECEIVED row and its
    ACCEPTED's date; only a 容缺 pledge reads its own and its supplements' payloads in
    ``case_event``.
    """
    coordinates = "t.station, t.clerk, t.matter"
    day = f"FROM tally_event t WHERE {d.in_period('t')}{d.counted('t', hall)}"
    items_from, item_id = d.pledged_item_ids("p.payload")
    supplied_from, supplied = d.supplied_ids("s.payload")
    event_figures = ", ".join(f"'{k}'" for k in _EVENT_FIGURES)
    # A case's promised date: its ACCEPTED's (the last before as-of), else its RECEIVED's.
    due = d.day_text("""coalesce(
      (SELECT max(a.due) FROM tally_event a
        WHERE a.case_id = r.case_id AND a.kind = 'accepted' AND a.occurred_at < :as_of),
      r.due)""")
    return f"""
WITH promised_all AS MATERIALIZED (
  SELECT r.case_id, r.occurred_at AS at, c.station, c.clerk, c.matter, {due} AS due,
    CASE WHEN r.settled_at < :as_of THEN r.settled_at END AS stopped
  FROM ({d.promised_candidates(d.counted("k", hall))}) c
  JOIN tally_event r ON r.case_id = c.case_id
  WHERE {d.by_case_only("r.kind")} = 'received' AND r.occurred_at < :end
),
promised AS (
  SELECT case_id, at, due, stopped, station, clerk, matter FROM promised_all
  WHERE due BETWEEN :first_day AND :last_day
),
bo AS (
  SELECT t.case_id, t.occurred_at AS at, t.due, {coordinates},
    CASE WHEN t.settled_at < :as_of THEN t.settled_at END AS answered
  {day} AND t.kind = 'backoffice_requested' AND t.due IS NOT NULL
),
facts AS (
  SELECT t.case_id, t.occurred_at AS at, t.kind AS figure, {coordinates}
  {day} AND t.kind IN ({event_figures})
  UNION ALL
  -- 当场办结, 决定不予办理, the rating levels: what the event's payload said, stored with it.
  SELECT t.case_id, t.occurred_at, t.variant, {coordinates}
  {day} AND t.kind IN ('received', 'decided', 'rated') AND t.variant IS NOT NULL
  UNION ALL
  SELECT t.case_id, t.occurred_at,
    CASE WHEN t.settled_at < :as_of THEN 'bad_rating_followed_up' ELSE 'bad_rating_open' END,
    {coordinates}
  {day} AND t.kind = 'rated' AND t.variant IN ('rating_1', 'rating_2')
  UNION ALL
  SELECT case_id, at,
    CASE
      WHEN answered IS NOT NULL AND {d.instant("answered")} <= {d.instant("due")}
        THEN 'backoffice_met'
      WHEN answered IS NOT NULL OR {d.instant("due")} < {d.instant(":as_of")}
        THEN 'backoffice_missed'
      ELSE 'backoffice_pending'
    END,
    station, clerk, matter
  FROM bo
  UNION ALL
  SELECT t.case_id, t.occurred_at,
    CASE
      WHEN NOT EXISTS (
        SELECT 1 FROM {items_from}
        WHERE NOT EXISTS (
          SELECT 1 FROM case_event s, {supplied_from}
          WHERE s.case_id = t.case_id AND s.kind = 'supplement_received'
            AND s.occurred_at < :as_of AND {supplied} = {item_id}))
        THEN 'rongque_supplemented'
      WHEN {d.day_text("t.due")} < :as_of_day THEN 'rongque_overdue'
      ELSE 'rongque_open'
    END,
    {coordinates}
  FROM tally_event t JOIN case_event p ON p.event_id = t.event_id
  WHERE {d.in_period("t")}{d.counted("t", hall)} AND t.kind = 'rongque_pledged'
  UNION ALL
  SELECT case_id, at, 'promised_due', station, clerk, matter FROM promised
  UNION ALL
  SELECT case_id, at, 'past_promised', station, clerk, matter FROM promised
    WHERE (stopped IS NULL AND due < :as_of_day)
       OR (stopped IS NOT NULL AND {d.service_day("stopped")} > due)
)"""


def cells_sql(d: Dialect, hall: bool = False) -> str:
    return f"""{facts_cte(d, hall)}
SELECT station, clerk, matter, figure, count(*) AS n
FROM facts
GROUP BY station, clerk, matter, figure
"""


def counts_sql(d: Dialect, by: str, hall: bool = False) -> str:
    """The facts per value of the column ``by`` (station, clerk or matter) and figure."""
    return f"""{facts_cte(d, hall)}
SELECT {by}, figure, count(*) AS n
FROM facts
GROUP BY {by}, figure
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
