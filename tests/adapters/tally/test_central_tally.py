"""The central tally (中心统计) on a real PostgreSQL: after a full sync it equals the sum of the
stations' local tallies, and the completeness header names a station that has not synced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
import uuid6
from psycopg.types.json import Jsonb

from tests.adapters.sync.helpers import make_station
from tests.adapters.tally import scenario
from tests.adapters.tally.helpers import FixedClock
from zhanhe_counter.adapters.centre.schema import register_station
from zhanhe_counter.adapters.tally import central_source, sqlite_source
from zhanhe_counter.domain import payloads
from zhanhe_counter.services.ports.tally import Figure, Grouping, Period, Scope
from zhanhe_counter.services.tally import TallyService

F = Figure
S1, S2 = scenario.STATION, "410411-02"


@pytest.fixture
def central(central_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(central_url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield engine
    engine.dispose()


def _counts(
    service: TallyService, grouping: Grouping = Grouping.WINDOW
) -> dict[str, dict[Figure, int]]:
    report = service.tally(Period.day(scenario.DAY), grouping)
    return {r.key: {f: r[f] for f in Figure if r[f]} for r in report.rows}


def test_central_equals_the_sum_of_local_tallies_after_sync(
    central_url: str, central: sa.Engine, tmp_path: Path
) -> None:
    stations = [make_station(central_url, tmp_path, s) for s in (S1, S2)]
    try:
        for pc, prefix in zip(stations, "AB", strict=True):
            cases = scenario.record_day(pc.store, pc.station_id, prefix)
            pc.run()
        # The back office answers c4 centrally, late; station 1 pulls the answer.
        with psycopg.connect(central_url, autocommit=True) as conn:
            when = scenario.at(0, 16, 45)
            conn.execute(
                "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, occurred_at,"
                " service_day, hlc, actor, schema_version, payload)"
                " VALUES (%s, %s, 'central', 1, 'accepted', %s, %s, %s, 'backoffice01', 1, %s)",
                (
                    uuid6.uuid7(),
                    _case_of(stations[0], "A0004"),
                    when,
                    scenario.DAY,
                    int(when.timestamp() * 1000) << 16,
                    Jsonb(payloads.Accepted().to_payload()),
                ),
            )
        for pc in stations:
            pc.run()
        assert cases  # the scenario was recorded
        clock = FixedClock()
        central_service = TallyService(central_source(central), clock)
        locals_ = [TallyService(sqlite_source(pc.engine), clock) for pc in stations]
        for grouping in (Grouping.WINDOW, Grouping.CLERK, Grouping.MATTER):
            summed: dict[str, dict[Figure, int]] = {}
            for service in locals_:
                for key, counts in _counts(service, grouping).items():
                    row = summed.setdefault(key, {})
                    for figure, n in counts.items():
                        row[figure] = row.get(figure, 0) + n
            assert _counts(central_service, grouping) == summed, grouping
        by_window = _counts(central_service)
        assert by_window[S2] == scenario.expected_total()
        # The follow-up steps are case events: they synced and the centre counts them.
        assert by_window[S2][F.BAD_RATING_FOLLOWED_UP] == 1
        assert by_window[S2][F.BAD_RATING_OPEN] == 2
        # Station 1 got the central acceptance: one more accepted, c4 still missed (late).
        expected_s1 = scenario.expected_total()
        expected_s1[F.ACCEPTED] += 1
        assert by_window[S1] == expected_s1
        report = central_service.tally(Period.day(scenario.DAY), Grouping.WINDOW)
        assert report.scope is Scope.CENTRAL
        assert report.not_synced == ()
        late = central_service.drill(report, S2, F.PAST_PROMISED)
        assert [c.case_number for c in late] == ["B0011"]
    finally:
        for pc in stations:
            pc.dispose()


def test_a_station_that_has_not_synced_is_named(central_url: str, central: sa.Engine) -> None:
    register_station(central_url, "410411-09", name="曹镇乡便民服务中心")
    report = TallyService(central_source(central), FixedClock()).tally(
        Period.day(scenario.DAY), Grouping.WINDOW
    )
    assert [s.station_id for s in report.not_synced] == ["410411-09"]
    assert "曹镇乡便民服务中心" in report.completeness


def _case_of(pc: object, number: str) -> object:
    from zhanhe_counter.services.ports.storage import CaseQuery

    found = pc.store.find_cases(CaseQuery(case_number=number))  # type: ignore[attr-defined]
    assert len(found) == 1
    return found[0].case_id


def test_training_stations_are_left_out_of_the_central_tally(
    central_url: str, central: sa.Engine, tmp_path: Path
) -> None:
    """A registered demo folder (培训站点) syncs, but its cases are not counted, by the Bureau's
    login nor by a supervisor desk's own, and nobody waits for it to sync."""
    real = make_station(central_url, tmp_path, S1, hall="QZX")
    training = make_station(central_url, tmp_path, "410411-77", hall="QZX")
    desk = make_station(central_url, tmp_path, "410411-SUP", roles="supervisor=district")
    register_station(central_url, "410411-78", hall="QZX", training=True)  # never synced
    try:
        with psycopg.connect(central_url, autocommit=True) as conn:
            conn.execute("UPDATE station SET training = true WHERE station_id = '410411-77'")
        scenario.record_day(real.store, real.station_id, "A")
        scenario.record_day(training.store, training.station_id, "T")
        for pc in (real, training, desk):
            pc.run()
        bureau = TallyService(central_source(central), FixedClock())
        assert set(_counts(bureau)) == {S1}
        assert _counts(bureau)[S1] == scenario.expected_total()
        as_desk = sa.create_engine(desk.address.sqlalchemy_url())
        try:
            service = TallyService(central_source(as_desk), FixedClock())
            assert _counts(service) == _counts(bureau)
            for hall in ("QZX", "CHJ"):  # one hall of the district, and a hall without cases
                by_hall = TallyService(central_source(as_desk, hall), FixedClock())
                assert _counts(by_hall) == (_counts(bureau) if hall == "QZX" else {})
            report = service.tally(Period.day(scenario.DAY), Grouping.WINDOW)
            assert "410411-78" not in {s.station_id for s in report.not_synced}
            assert not service.drill(report, "410411-77", F.RECEIVED)
        finally:
            as_desk.dispose()
    finally:
        for pc in (real, training, desk):
            pc.dispose()
