"""Supervisor tallies (业务统计): a day's or a period's figures, grouped as the supervisor asks.

The database adapter counts the facts per value of the coordinate the grouping needs (station,
clerk or matter); this service rolls those up into halls, windows, clerks, departments or
matters, names the groups, adds the totals row and, for the central scope, says which stations
have not synced since the period ended (the figures of those stations may still grow).
Drill-down lists the cases behind any number with the same SQL that counted them, so the list
and the number cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.tally import (
    Cell,
    CellFilter,
    FactCase,
    Figure,
    Grouping,
    Period,
    Scope,
    StationSync,
    TallyQuery,
    TallySource,
)

#: While a period is still running, a station counts as synced if it reached the centre lately.
RECENT_SYNC = timedelta(minutes=30)
#: Drill-down lists at most this many cases; the supervisor narrows the group to see others.
DRILL_LIMIT = 500
NO_MATTER_LABEL = "（未指定事项）"
TOTAL_LABEL = "合计"


@dataclass(frozen=True, slots=True)
class StationPlace:
    """Where a station is: its window and hall (站点对应的窗口与服务场所)."""

    window: str
    hall: str


@dataclass(frozen=True, slots=True)
class TallyDirectory:
    """Names for the ids in the facts (统计名称表). Unknown ids are shown as they are."""

    stations: Mapping[str, StationPlace] = field(default_factory=dict)
    staff: Mapping[str, str] = field(default_factory=dict)  # staff id → name
    matters: Mapping[str, str] = field(default_factory=dict)  # matter id → name
    departments: Mapping[str, str] = field(default_factory=dict)  # matter id → department

    def key(self, grouping: Grouping, cell: Cell) -> str:
        """The group a cell belongs to under ``grouping``."""
        return self.key_of(grouping, getattr(cell, grouping.coordinate.value))

    def key_of(self, grouping: Grouping, value: str) -> str:
        """The group of a fact whose ``grouping.coordinate`` is ``value``."""
        if grouping is Grouping.HALL:
            place = self.stations.get(value)
            return place.hall if place and place.hall else value
        if grouping is Grouping.DEPARTMENT:
            return self.departments.get(value, "") if value else ""
        return value

    def label(self, grouping: Grouping, key: str) -> str:
        if grouping is Grouping.WINDOW:
            place = self.stations.get(key)
            return f"{place.hall} {place.window}".strip() if place else key
        if grouping is Grouping.CLERK:
            name = self.staff.get(key)
            return f"{name}（{key}）" if name else key
        if grouping is Grouping.MATTER:
            return self.matters.get(key, key) if key else NO_MATTER_LABEL
        if grouping is Grouping.DEPARTMENT:
            return key or "（未指定部门）"
        return key


@dataclass(frozen=True, slots=True)
class TallyRow:
    """One group's figures (统计行)."""

    key: str
    label: str
    counts: Mapping[Figure, int]

    def __getitem__(self, figure: Figure) -> int:
        return self.counts.get(figure, 0)


@dataclass(frozen=True, slots=True)
class TallyReport:
    """A finished tally (统计结果): rows, totals, and how complete it is."""

    scope: Scope
    period: Period
    grouping: Grouping
    as_of: datetime
    generated_at: datetime
    rows: tuple[TallyRow, ...]
    total: TallyRow
    not_synced: tuple[StationSync, ...] = ()

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(Figure)

    @property
    def title(self) -> str:
        return f"窗口业务统计 {self.period.label}（按{self.grouping.label}）"

    @property
    def completeness(self) -> str:
        """The header line saying what the figures cover (完整性说明)."""
        if self.scope is Scope.LOCAL:
            return f"{self.scope.label}：只含本机记录的办件"
        if not self.not_synced:
            return f"{self.scope.label}：所有站点均已在统计期结束后同步"
        names = "、".join(s.name or s.station_id for s in self.not_synced)
        return f"{self.scope.label}：以下站点尚未在统计期结束后同步，数字可能偏小：{names}"

    def row(self, key: str) -> TallyRow | None:
        return next((r for r in self.rows if r.key == key), None)


class TallyService:
    """统计服务: counts a period in one database and rolls it up."""

    def __init__(
        self,
        source: TallySource,
        clock: Clock,
        directory: TallyDirectory | Callable[[], TallyDirectory] | None = None,
    ) -> None:
        self._source = source
        self._clock = clock
        self._directory = directory or TallyDirectory()

    @property
    def scope(self) -> Scope:
        return self._source.scope

    def directory(self) -> TallyDirectory:
        d = self._directory
        return d if isinstance(d, TallyDirectory) else d()

    def query(self, period: Period) -> TallyQuery:
        start = datetime.combine(period.first, time(0), CHINA_TIME)
        end = datetime.combine(period.after_last, time(0), CHINA_TIME)
        now = self._clock.now()
        return TallyQuery(period=period, start=start, end=end, as_of=min(end, now))

    def tally(self, period: Period, grouping: Grouping) -> TallyReport:
        query = self.query(period)
        directory = self.directory()
        grouped: dict[str, dict[Figure, int]] = {}
        total: dict[Figure, int] = {}
        for count in self._source.counts(query, grouping.coordinate):
            counts = grouped.setdefault(directory.key_of(grouping, count.value), {})
            counts[count.figure] = counts.get(count.figure, 0) + count.count
            total[count.figure] = total.get(count.figure, 0) + count.count
        rows = sorted(
            (
                TallyRow(key, directory.label(grouping, key), counts)
                for key, counts in grouped.items()
            ),
            key=lambda r: (-r[Figure.RECEIVED] - r[Figure.CONSULTED], r.label),
        )
        now = self._clock.now()
        return TallyReport(
            scope=self.scope,
            period=period,
            grouping=grouping,
            as_of=query.as_of,
            generated_at=now,
            rows=tuple(rows),
            total=TallyRow("", TOTAL_LABEL, total),
            not_synced=tuple(self._not_synced(query, now)),
        )

    def drill(
        self, report: TallyReport, key: str | None, figure: Figure, limit: int = DRILL_LIMIT
    ) -> list[FactCase]:
        """The cases behind one number of ``report``: group ``key`` (None: the totals row)."""
        query = self.query(report.period)
        if key is None:
            return self._source.cases(query, figure, CellFilter(), limit)
        if report.grouping is Grouping.WINDOW:
            return self._source.cases(query, figure, CellFilter(stations=frozenset({key})), limit)
        if report.grouping is Grouping.CLERK:
            return self._source.cases(query, figure, CellFilter(clerks=frozenset({key})), limit)
        if report.grouping is Grouping.MATTER:
            return self._source.cases(query, figure, CellFilter(matters=frozenset({key})), limit)
        # A hall or a department: the report holds only the groups' sums, so the cells are
        # counted again to find the stations or matters in the group.
        directory = self.directory()
        cells = self._source.cells(query)
        mine = [c for c in cells if directory.key(report.grouping, c) == key]
        if not mine:
            return []
        where = CellFilter(
            stations=frozenset(c.station for c in mine),
            clerks=frozenset(c.clerk for c in mine),
            matters=frozenset(c.matter for c in mine),
        )
        # The filter is the hull of the group's cells; keep only facts inside the group itself.
        return [
            case
            for case in self._source.cases(query, figure, where, limit)
            if directory.key(report.grouping, _cell_of(case)) == key
        ]

    def _not_synced(self, query: TallyQuery, now: datetime) -> list[StationSync]:
        if self.scope is Scope.LOCAL:
            return []
        cutoff = query.end if query.end <= now else now - RECENT_SYNC
        return self._source.stations_not_synced_since(cutoff)


def _cell_of(case: FactCase) -> Cell:
    return Cell(case.station, case.clerk, case.matter, case.figure, 1)
