"""The tally read from the projection ``tally_event`` equals the tally read from the events.

``event_facts_sql`` is the tally's SQL as it was before the projection (issue 20), joining
every event to its case's opening event. Both run on the same databases — a station SQLite and
the central PostgreSQL after a sync — over a randomised history: the hand-counted scenario
(容缺 supplied and overdue, 补正, back-office answers met, late and missing, 差评 called back
or not, promised dates kept and missed) recorded again and again on random days through the real
store, a central back-office answer, and a training station the centre must leave out. Every
cell and every drill-down list must be identical, for single days and a week, judged at the end
of the period and at random instants inside it.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
import pytest
import sqlalchemy as sa
import uuid6
from psycopg.types.json import Jsonb

from tests.adapters.sync.helpers import make_station
from tests.adapters.tally import event_facts_sql as oracle
from tests.adapters.tally import scenario
from tests.adapters.tally.helpers import FixedClock
from zhanhe_counter.adapters.centre.schema import (
    downgrade_central,
    register_station,
    upgrade_central,
)
from zhanhe_counter.adapters.storage.engine import downgrade, migrate, open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.tally import central_source, facts_sql, sqlite_source
from zhanhe_counter.adapters.tally.source import SqlTallySource, _bound
from zhanhe_counter.domain import payloads
from zhanhe_counter.services.ports.tally import Figure, Period
from zhanhe_counter.services.tally import TallyService

SEED = 20
_VERSIONS = "zhanhe_counter.adapters.{side}.migrations.versions.{name}"
station_migration = importlib.import_module(
    _VERSIONS.format(side="storage", name="0014_tally_projection")
)
central_migration = importlib.import_module(
    _VERSIONS.format(side="centre", name="c0015_tally_projection")
)
DAYS = range(-6, 7)


def _record_history(store: SqliteEventStore, station: str, prefix: str, rng: random.Random) -> None:
    """The scenario's cases recorded on several random days (each time the whole set)."""
    for k in range(4):
        day = scenario.DAY + timedelta(days=rng.choice(DAYS))
        with mock.patch.object(scenario, "DAY", day):
            scenario.record_day(store, station, f"{prefix}{k}")


def _periods(rng: random.Random) -> Iterator[tuple[Period, datetime]]:
    """Single days and a week, judged after the period and at a random instant inside it."""
    far = datetime(2030, 1, 1, tzinfo=UTC)
    for offset in range(-8, 9, 2):
        day = scenario.DAY + timedelta(days=offset)
        yield Period.day(day), far
        inside = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
            hours=rng.uniform(-8, 16)
        )
        yield Period.day(day), inside
    yield Period(scenario.DAY - timedelta(days=3), scenario.DAY + timedelta(days=3)), far


def _rows(source: SqlTallySource, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    statement = _bound(sa.text(sql))
    if "limit" in params:
        statement = statement.bindparams(sa.bindparam("figure"), sa.bindparam("limit"))
    return sorted(tuple(str(v) for v in row) for row in source._run(statement, params))


def _assert_same(source: SqlTallySource, rng: random.Random) -> int:
    """Cells and every figure's cases from both SQLs, for every period; returns facts seen."""
    hall = source.hall is not None
    new = facts_sql.POSTGRES if source.scope.value == "central" else facts_sql.SQLITE
    old = oracle.POSTGRES if new is facts_sql.POSTGRES else oracle.SQLITE
    seen = 0
    for period, now in _periods(rng):
        query = TallyService(source, FixedClock(now)).query(period)
        params = source._params(query)
        cells = _rows(source, facts_sql.cells_sql(new, hall), params)
        assert cells == _rows(source, oracle.cells_sql(old, hall), params), (period, now)
        seen += sum(int(row[-1]) for row in cells)
        # What a report reads: the same cells summed per station, clerk or matter.
        for i, by in enumerate(("station", "clerk", "matter")):
            sums: dict[tuple[str, str], int] = {}
            for cell in cells:
                sums[cell[i], cell[3]] = sums.get((cell[i], cell[3]), 0) + int(cell[4])
            expected = sorted((value, figure, str(n)) for (value, figure), n in sums.items())
            assert _rows(source, facts_sql.counts_sql(new, by, hall), params) == expected
        for figure in Figure:
            drill = {**params, "figure": figure.value, "limit": 100_000}
            assert _rows(source, facts_sql.cases_sql(new, "", hall), drill) == _rows(
                source, oracle.cases_sql(old, "", hall), drill
            ), (period, now, figure)
    return seen


def test_projection_equals_events_on_a_station(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    engine = open_local_database(tmp_path / "station.sqlite3")
    try:
        _record_history(SqliteEventStore(engine), scenario.STATION, "A", rng)
        assert _assert_same(sqlite_source(engine), rng) > 200
        # The migration's backfill writes what the store wrote, row for row.
        written = _projection(engine)
        assert len(written) == _count(engine, "case_event")
        downgrade(engine, station_migration.down_revision)
        migrate(engine)
        assert _projection(engine) == written
    finally:
        engine.dispose()


@pytest.fixture
def central(central_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(central_url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield engine
    engine.dispose()


def test_projection_equals_events_at_the_centre(
    central_url: str, central: sa.Engine, tmp_path: Path
) -> None:
    rng = random.Random(SEED + 1)
    real = make_station(central_url, tmp_path, "410411-01", hall="QZX")
    other = make_station(central_url, tmp_path, "410411-02", hall="CHJ")
    training = make_station(central_url, tmp_path, "410411-77", hall="QZX")
    desk = make_station(central_url, tmp_path, "410411-SUP", roles="supervisor=district")
    register_station(central_url, "410411-78", hall="QZX", training=True)
    try:
        with psycopg.connect(central_url, autocommit=True) as conn:
            conn.execute("UPDATE station SET training = true WHERE station_id = '410411-77'")
        for pc, prefix in ((real, "A"), (other, "B"), (training, "T")):
            _record_history(pc.store, pc.station_id, prefix, rng)
            pc.run()
        _answer_centrally(central_url, rng)
        for pc in (real, other, training, desk):
            pc.run()
        with central.connect() as c:
            projected = c.execute(sa.text("SELECT count(*) FROM tally_event")).scalar_one()
            events = c.execute(sa.text("SELECT count(*) FROM case_event")).scalar_one()
        assert projected == events  # every event, pushed or central, has its row
        assert _assert_same(central_source(central), rng) > 400
        assert _assert_same(central_source(central, "QZX"), rng) > 200
        as_desk = sa.create_engine(desk.address.sqlalchemy_url())
        try:  # a supervisor desk's own login, under row-level security
            assert _assert_same(central_source(as_desk), rng) > 400
        finally:
            as_desk.dispose()
        # The migration's backfill writes what the trigger wrote, row for row.
        written = _projection(central)
        downgrade_central(central_url, str(central_migration.down_revision))
        upgrade_central(central_url)
        assert _projection(central) == written
        with psycopg.connect(central_url, autocommit=True) as conn:  # rows go with their events
            conn.execute("DELETE FROM case_event WHERE origin = 'central'")
            left = conn.execute(
                "SELECT (SELECT count(*) FROM tally_event), (SELECT count(*) FROM case_event)"
            ).fetchone()
        assert left is not None
        assert left[0] == left[1] < events
    finally:
        for pc in (real, other, training, desk):
            pc.dispose()


def _projection(engine: sa.Engine) -> list[tuple[str, ...]]:
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT * FROM tally_event")).all()
    return sorted(tuple(str(v) for v in row) for row in rows)


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as c:
        return int(c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def _answer_centrally(central_url: str, rng: random.Random) -> None:
    """The back office accepts a few waiting cases from the centre itself (origin central)."""
    with psycopg.connect(central_url, autocommit=True) as conn:
        waiting = conn.execute(
            "SELECT e.case_id, e.occurred_at FROM case_event e"
            " WHERE e.kind = 'backoffice_requested'"
            " AND NOT EXISTS (SELECT 1 FROM case_event a WHERE a.case_id = e.case_id"
            " AND a.kind IN ('accepted', 'refused')) ORDER BY e.case_id"
        ).fetchall()
        assert waiting
        for seq, (case_id, asked) in enumerate(waiting, start=1):
            when = asked + timedelta(minutes=rng.choice((5, 30, 60 * 20)))
            conn.execute(
                "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, occurred_at,"
                " service_day, hlc, actor, schema_version, payload)"
                " VALUES (%s, %s, 'central', %s, 'accepted', %s, %s, %s, 'backoffice01', 1, %s)",
                (
                    uuid6.uuid7(),
                    case_id,
                    seq,
                    when,
                    _service_day(when),
                    int(when.timestamp() * 1000) << 16,
                    Jsonb(payloads.Accepted().to_payload()),
                ),
            )


def _service_day(at: datetime) -> date:
    return (at + timedelta(hours=8)).astimezone(UTC).date()
