"""Opening a case with its view event (``CaseHistoryService.open``): the detail is handed out
only once the event is committed, and a failed append means no detail at all. On a real station
database; the failures are SQLite's own (a held write lock, a trigger raising SQLite's disk-full
error)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.services.test_intake import NOW, FixedClock, _request
from zhanhe_counter.adapters.storage.engine import DatabaseNotWritable, reading
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.case_history import CaseDetail

CLERK = ("window",)


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    built = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    yield built
    built.close()


def _views(station: Station, case_id: uuid.UUID) -> int:
    """Committed view events, counted on a connection of its own (what a crash would leave)."""
    with reading(station.engine) as connection:
        return int(
            connection.execute(
                sa.text("SELECT count(*) FROM case_event WHERE case_id = :c AND kind = :k"),
                {"c": case_id.hex, "k": EventKind.CASE_VIEWED.value},
            ).scalar_one()
        )


def test_the_detail_is_handed_out_only_after_its_view_event_is_committed(
    station: Station,
) -> None:
    case_id = station.intake.commit(_request(station, "ZH-004")).case.case_id
    handed_out: list[tuple[CaseDetail, int]] = []

    def open_case() -> None:
        detail = station.case_history.open(case_id, "zhangmin", CLERK)
        handed_out.append((detail, _views(station, case_id)))  # the moment the clerk has it

    # Another writer holds the database: the view's append waits for it (busy_timeout), while
    # the detail can already be read beside it (WAL).
    with station.engine.begin() as writer:
        writer.execute(sa.text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is held
        opening = threading.Thread(target=open_case)
        opening.start()
        opening.join(timeout=0.5)
        assert opening.is_alive(), "the detail came out before its view event was written"
        assert handed_out == []
        assert _views(station, case_id) == 0
    opening.join(timeout=10)
    assert not opening.is_alive()
    [(detail, views_then)] = handed_out
    assert views_then == 1
    assert detail.state.case_id == case_id


def test_a_failed_view_event_means_no_detail(station: Station) -> None:
    case_id = station.intake.commit(_request(station, "ZH-004")).case.case_id
    with station.engine.begin() as connection:
        # SQLite's own disk-full error, raised for view events only (the intake above is stored).
        connection.execute(
            sa.text(
                "CREATE TRIGGER no_room_for_views BEFORE INSERT ON case_event "
                f"WHEN NEW.kind = '{EventKind.CASE_VIEWED.value}' "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        )
    with pytest.raises(DatabaseNotWritable) as refused:
        station.case_history.open(case_id, "zhangmin", CLERK)
    assert "磁盘空间已满" in refused.value.user_message
    assert _views(station, case_id) == 0
    with station.engine.begin() as connection:
        connection.execute(sa.text("DROP TRIGGER no_room_for_views"))
    assert station.case_history.open(case_id, "zhangmin", CLERK).state.case_id == case_id
    assert _views(station, case_id) == 1
