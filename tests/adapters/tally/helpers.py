"""Shared pieces of the tally tests: a fixed clock and a station database with the scenario."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from tests.adapters.tally import scenario
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.services.tally import StationPlace, TallyDirectory


class FixedClock:
    """Long after the scenario's day, so the whole day is judged at its end."""

    def __init__(self, now: datetime = datetime(2030, 1, 1, tzinfo=UTC)) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def scenario_db(folder: Path, station: str = scenario.STATION, prefix: str = "A") -> sa.Engine:
    engine = open_local_database(folder / "station.sqlite3")
    scenario.record_day(SqliteEventStore(engine), station, prefix)
    return engine


DIRECTORY = TallyDirectory(
    stations={
        scenario.STATION: StationPlace("3号综合窗口", "湛河区政务服务中心"),
        "410411-02": StationPlace("1号窗口", "北渡街道便民服务中心"),
    },
    staff=scenario.STAFF,
    matters=scenario.MATTER_NAMES,
    departments=scenario.DEPARTMENTS,
)
