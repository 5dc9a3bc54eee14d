"""The local tally (本机统计) on a real station SQLite database, against hand-counted cases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.adapters.tally import scenario
from tests.adapters.tally.helpers import DIRECTORY, FixedClock, scenario_db
from zhanhe_counter.adapters.tally import sqlite_source
from zhanhe_counter.adapters.tally.facts_sql import SQLITE, cells_sql
from zhanhe_counter.services.ports.tally import Figure, Grouping, Period, Scope
from zhanhe_counter.services.tally import TallyService

F = Figure


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = scenario_db(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def service(engine: sa.Engine) -> TallyService:
    return TallyService(sqlite_source(engine), FixedClock(), DIRECTORY)


def test_every_figure_by_clerk_matches_the_hand_count(service: TallyService) -> None:
    report = service.tally(Period.day(scenario.DAY), Grouping.CLERK)
    assert report.scope is Scope.LOCAL
    assert {row.key for row in report.rows} == {scenario.ZHANG, scenario.LI}
    for clerk, expected in scenario.EXPECTED_BY_CLERK.items():
        row = report.row(clerk)
        assert row is not None
        assert {f: row[f] for f in Figure if row[f]} == dict(expected), clerk
    assert {f: report.total[f] for f in Figure if report.total[f]} == scenario.expected_total()
    # Every figure of the issue is exercised by the scenario.
    assert {f for f in Figure if report.total[f] == 0} == set()
    assert (report.total[F.BAD_RATING_FOLLOWED_UP], report.total[F.BAD_RATING_OPEN]) == (1, 2)
    followed = service.drill(report, scenario.ZHANG, F.BAD_RATING_FOLLOWED_UP)
    assert [c.matter for c in followed] == [scenario.SOC]  # c20
    # c9's callback came the day after: a period that includes it counts c9 as followed up.
    two_days = service.tally(Period(scenario.DAY, scenario.DAY + timedelta(days=1)), Grouping.CLERK)
    assert two_days.total[F.BAD_RATING_FOLLOWED_UP] == 2
    assert two_days.total[F.BAD_RATING_OPEN] == 1


def test_groupings_partition_the_same_totals(service: TallyService) -> None:
    clerk_total = service.tally(Period.day(scenario.DAY), Grouping.CLERK).total
    for grouping in Grouping:
        report = service.tally(Period.day(scenario.DAY), grouping)
        assert report.total.counts == clerk_total.counts, grouping
        for figure in Figure:
            assert sum(r[figure] for r in report.rows) == report.total[figure]


def test_matter_and_department_groups(service: TallyService) -> None:
    by_matter = service.tally(Period.day(scenario.DAY), Grouping.MATTER)
    food = by_matter.row(scenario.FOOD)
    assert food is not None
    assert food.label == "食品经营许可"
    # c1, c2, c8, c9 received; c10 consulted about it; c11 asked about no matter.
    assert (food[F.RECEIVED], food[F.CONSULTED]) == (4, 1)
    no_matter = by_matter.row("")
    assert no_matter is not None
    assert no_matter[F.CONSULTED] == 1
    assert no_matter.label == "（未指定事项）"
    by_department = service.tally(Period.day(scenario.DAY), Grouping.DEPARTMENT)
    market = by_department.row("市场监管局")
    assert market is not None
    assert market[F.RECEIVED] == 6  # food 4 + biz 2 (c3, c4)
    assert market[F.BACKOFFICE_MISSED] == 2
    window = service.tally(Period.day(scenario.DAY), Grouping.WINDOW).rows
    assert [r.label for r in window] == ["湛河区政务服务中心 3号综合窗口"]


def test_a_period_adds_up_its_days(service: TallyService) -> None:
    day_before = scenario.DAY - timedelta(days=1)
    two_days = service.tally(Period(day_before, scenario.DAY), Grouping.CLERK).total
    first = service.tally(Period.day(day_before), Grouping.CLERK).total
    second = service.tally(Period.day(scenario.DAY), Grouping.CLERK).total
    for figure in (F.RECEIVED, F.DECIDED, F.DELIVERED, F.CONSULTED, F.RATING_5):
        assert two_days[figure] == first[figure] + second[figure], figure
    assert first[F.RECEIVED] == 1
    assert first[F.DECIDED] == 1


def test_states_are_judged_when_the_period_ends(engine: sa.Engine) -> None:
    # Judged at 16:10 on DAY: c4's answer (due 16:20) is still pending, c7's pledge is not yet
    # overdue (its deadline is DAY itself) and c13 is not yet late.
    from datetime import datetime

    clock = FixedClock(
        datetime.combine(scenario.DAY, datetime.min.time(), scenario.CST)
        + timedelta(hours=16, minutes=10)
    )
    report = TallyService(sqlite_source(engine), clock).tally(
        Period.day(scenario.DAY), Grouping.CLERK
    )
    assert report.as_of == clock.current
    # c4 and c5 (the clock is set back, so c5's later request already exists).
    assert report.total[F.BACKOFFICE_PENDING] == 2
    assert report.total[F.BACKOFFICE_MISSED] == 1  # c3 answered late
    assert report.total[F.RONGQUE_OVERDUE] == 0
    assert report.total[F.RONGQUE_OPEN] == 2  # c7 and c8
    assert report.total[F.PAST_PROMISED] == 0


def test_drill_down_lists_the_cases_behind_a_number(service: TallyService) -> None:
    report = service.tally(Period.day(scenario.DAY), Grouping.CLERK)
    for clerk, expected in scenario.EXPECTED_BY_CLERK.items():
        for figure, count in expected.items():
            cases = service.drill(report, clerk, figure)
            assert len(cases) == count, (clerk, figure)
            assert all(c.clerk == clerk and c.figure is figure for c in cases)
    late = service.drill(report, scenario.LI, F.PAST_PROMISED)
    assert [c.case_number for c in late] == ["A0011"]  # c13: consultations take no number
    assert len(service.drill(report, None, F.RECEIVED)) == 9
    assert service.drill(report, "nobody", F.RECEIVED) == []


def test_drill_down_of_a_rolled_up_group(service: TallyService) -> None:
    report = service.tally(Period.day(scenario.DAY), Grouping.DEPARTMENT)
    cases = service.drill(report, "人社局", F.RECEIVED)
    assert {c.matter for c in cases} == {scenario.SOC}
    assert len(cases) == report.row("人社局")[F.RECEIVED]  # type: ignore[index]


def test_an_empty_day_has_no_rows(service: TallyService) -> None:
    report = service.tally(Period.day(scenario.DAY + timedelta(days=30)), Grouping.WINDOW)
    assert report.rows == ()
    assert all(report.total[f] == 0 for f in Figure)
    assert report.completeness.startswith("本机数据（仅限本机）")


def test_the_promised_date_figure_finds_its_cases_by_index(engine: sa.Engine) -> None:
    """Without the index a day's tally read every earlier received case (issue 20)."""
    statement = sa.text("EXPLAIN QUERY PLAN " + SQLITE.promised_candidates())
    with engine.connect() as connection:
        plan = " ".join(
            str(row[3])
            for row in connection.execute(
                statement, {"first_text": "2026-11-26", "after_text": "2026-11-27"}
            )
        )
    assert "USING INDEX ix_tally_event_promised_due" in plan


def test_a_day_reads_index_ranges_only_without_statistics(engine: sa.Engine) -> None:
    """A station never runs ANALYZE: every read of the projection must still be an index
    search by the period, the promised date or the case, never a scan of the history."""
    sql = cells_sql(SQLITE)
    names = set(re.findall(r":(\w+)", sql))
    with engine.connect() as connection:
        assert not connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).first()
        plan = [
            str(row[3])
            for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, dict.fromkeys(names, "2026-03-02")
            )
        ]
    reads = [step for step in plan if re.match(r"(SEARCH|SCAN) [trkafx] ", step)]
    assert len(reads) >= 8, plan
    for step in reads:
        assert step.startswith("SEARCH"), step
        assert re.search(r"service_day>\?|due>\?|case_id=\?", step), step
