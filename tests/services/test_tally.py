"""The tally service (统计服务): periods, roll-ups and the completeness header, over a source
that holds fixed cells (the SQL itself is proven in ``tests/adapters/tally``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from tests.adapters.tally.helpers import DIRECTORY, FixedClock
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.tally import (
    Cell,
    CellFilter,
    Coordinate,
    Count,
    FactCase,
    Figure,
    Grouping,
    InvalidPeriod,
    Period,
    Scope,
    StationSync,
    TallyQuery,
)
from zhanhe_counter.services.tally import TallyService

F = Figure
DAY = date(2026, 3, 2)


class CellsSource:
    """A source whose cells are given; records the queries it was asked."""

    def __init__(self, scope: Scope, cells: list[Cell], stale: list[StationSync]) -> None:
        self._scope = scope
        self._cells = cells
        self._stale = stale
        self.queries: list[TallyQuery] = []
        self.grouped_by: list[Coordinate] = []
        self.cell_reads = 0
        self.cutoffs: list[datetime] = []

    @property
    def scope(self) -> Scope:
        return self._scope

    def counts(self, query: TallyQuery, by: Coordinate) -> list[Count]:
        self.queries.append(query)
        self.grouped_by.append(by)
        sums: dict[tuple[str, Figure], int] = {}
        for c in self._cells:
            value = getattr(c, by.value)
            sums[value, c.figure] = sums.get((value, c.figure), 0) + c.count
        return [Count(value, figure, n) for (value, figure), n in sums.items()]

    def cells(self, query: TallyQuery) -> list[Cell]:
        self.cell_reads += 1
        return self._cells

    def cases(
        self, query: TallyQuery, figure: Figure, where: CellFilter, limit: int
    ) -> list[FactCase]:
        return [
            FactCase(uuid4(), None, c.station, c.clerk, c.matter, figure, query.start)
            for c in self._cells
            if c.figure is figure
            and (where.stations is None or c.station in where.stations)
            and (where.clerks is None or c.clerk in where.clerks)
            and (where.matters is None or c.matter in where.matters)
            for _ in range(c.count)
        ][:limit]

    def stations_not_synced_since(self, instant: datetime) -> list[StationSync]:
        self.cutoffs.append(instant)
        return self._stale


CELLS = [
    Cell("410411-01", "zhangmin", "M-FOOD", F.RECEIVED, 3),
    Cell("410411-01", "lina", "M-SOC", F.RECEIVED, 2),
    Cell("410411-02", "lina", "M-FOOD", F.RECEIVED, 4),
    Cell("410411-02", "lina", "M-FOOD", F.RATING_1, 1),
]


def test_period_bounds_are_china_midnights() -> None:
    source = CellsSource(Scope.LOCAL, CELLS, [])
    TallyService(source, FixedClock()).tally(Period(DAY, date(2026, 3, 3)), Grouping.CLERK)
    query = source.queries[0]
    assert query.start == datetime(2026, 3, 1, 16, tzinfo=UTC)
    assert query.end == datetime(2026, 3, 3, 16, tzinfo=UTC)
    assert query.as_of == query.end  # the period is over: judged at its end
    assert query.as_of_day == date(2026, 3, 4)


def test_a_running_period_is_judged_now() -> None:
    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 14:00 in China
    source = CellsSource(Scope.LOCAL, CELLS, [])
    TallyService(source, FixedClock(now)).tally(Period.day(DAY), Grouping.CLERK)
    assert source.queries[0].as_of == now
    assert source.queries[0].as_of_day == DAY


@pytest.mark.parametrize(
    ("grouping", "expected"),
    [
        (Grouping.WINDOW, {"410411-01": 5, "410411-02": 4}),
        (Grouping.HALL, {"湛河区政务服务中心": 5, "北渡街道便民服务中心": 4}),
        (Grouping.CLERK, {"zhangmin": 3, "lina": 6}),
        (Grouping.MATTER, {"M-FOOD": 7, "M-SOC": 2}),
        (Grouping.DEPARTMENT, {"市场监管局": 7, "人社局": 2}),
    ],
)
def test_cells_roll_up_into_groups(grouping: Grouping, expected: dict[str, int]) -> None:
    report = TallyService(CellsSource(Scope.LOCAL, CELLS, []), FixedClock(), DIRECTORY).tally(
        Period.day(DAY), grouping
    )
    assert {r.key: r[F.RECEIVED] for r in report.rows} == expected
    assert report.total[F.RECEIVED] == 9
    assert report.rows[0][F.RECEIVED] == max(expected.values())  # busiest group first


@pytest.mark.parametrize(
    ("grouping", "by", "drill_reads_cells"),
    [
        (Grouping.WINDOW, Coordinate.STATION, False),
        (Grouping.HALL, Coordinate.STATION, True),
        (Grouping.CLERK, Coordinate.CLERK, False),
        (Grouping.MATTER, Coordinate.MATTER, False),
        (Grouping.DEPARTMENT, Coordinate.MATTER, True),
    ],
)
def test_a_report_reads_sums_by_one_coordinate_and_cells_only_to_drill_into_a_set(
    grouping: Grouping, by: Coordinate, drill_reads_cells: bool
) -> None:
    source = CellsSource(Scope.LOCAL, CELLS, [])
    service = TallyService(source, FixedClock(), DIRECTORY)
    report = service.tally(Period.day(DAY), grouping)
    assert (source.grouped_by, source.cell_reads) == ([by], 0)
    for row in report.rows:
        cases = service.drill(report, row.key, F.RECEIVED)
        # Each group's list holds exactly its number, whether the filter is its value or a set.
        assert len(cases) == row[F.RECEIVED]
        assert {DIRECTORY.key_of(grouping, getattr(c, by.value)) for c in cases} == {row.key}
    assert source.cell_reads == (len(report.rows) if drill_reads_cells else 0)


def test_labels_name_the_groups() -> None:
    service = TallyService(CellsSource(Scope.LOCAL, CELLS, []), FixedClock(), DIRECTORY)
    clerks = service.tally(Period.day(DAY), Grouping.CLERK)
    assert {r.label for r in clerks.rows} == {"张敏（zhangmin）", "李娜（lina）"}
    unnamed = TallyService(CellsSource(Scope.LOCAL, CELLS, []), FixedClock()).tally(
        Period.day(DAY), Grouping.WINDOW
    )
    assert {r.label for r in unnamed.rows} == {"410411-01", "410411-02"}
    assert clerks.title == "窗口业务统计 2026-03-02（按工作人员）"


def test_central_completeness_names_stations_not_synced_since_the_period_ended() -> None:
    stale = [StationSync("410411-07", "曹镇乡便民服务中心", None)]
    source = CellsSource(Scope.CENTRAL, CELLS, stale)
    report = TallyService(source, FixedClock()).tally(Period.day(DAY), Grouping.WINDOW)
    assert source.cutoffs == [datetime(2026, 3, 2, 16, tzinfo=UTC)]
    assert report.not_synced == tuple(stale)
    assert "曹镇乡便民服务中心" in report.completeness
    assert report.completeness.startswith("中心数据")
    synced = TallyService(CellsSource(Scope.CENTRAL, CELLS, []), FixedClock()).tally(
        Period.day(DAY), Grouping.WINDOW
    )
    assert "均已" in synced.completeness


def test_drill_into_a_hall_keeps_only_its_stations() -> None:
    service = TallyService(CellsSource(Scope.LOCAL, CELLS, []), FixedClock(), DIRECTORY)
    report = service.tally(Period.day(DAY), Grouping.HALL)
    cases = service.drill(report, "北渡街道便民服务中心", F.RECEIVED)
    assert len(cases) == 4
    assert {c.station for c in cases} == {"410411-02"}
    assert len(service.drill(report, None, F.RECEIVED, limit=5)) == 5


def test_bad_periods_are_refused_in_chinese() -> None:
    with pytest.raises(InvalidPeriod) as backwards:
        Period(date(2026, 3, 2), date(2026, 3, 1))
    assert "早于" in backwards.value.user_message
    with pytest.raises(DomainError) as long:
        Period(date(2025, 1, 1), date(2026, 3, 1))
    assert "不能超过" in long.value.user_message
