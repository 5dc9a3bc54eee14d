"""A damaged station database is noticed at start and when idle, and stops new intake
(issue 18, Deliver 4): real encrypted files, a page overwritten on disk as a failing disk would."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from zhanhe_counter.adapters.storage.database_key import DEMO_KEY_FILE
from zhanhe_counter.adapters.storage.engine import connect_encrypted
from zhanhe_counter.adapters.storage.integrity import SqliteIntegrityProbe
from zhanhe_counter.cli.app import main
from zhanhe_counter.cli.demo_data import _applicant, _records
from zhanhe_counter.composition import build_station
from zhanhe_counter.domain.checklist import ApplicantSituation
from zhanhe_counter.services.intake import IntakeRefused, IntakeRequest, new_action
from zhanhe_counter.services.integrity import (
    DAMAGED_MESSAGE,
    DatabaseHealth,
    IdleIntegrityWatch,
)
from zhanhe_counter.services.station import Staff

PAGE = 4096


def _demo_station_with_cases(data: Path, cases: int = 8) -> None:
    assert main(["--data-dir", str(data), "demo-data", "--cases", str(cases), "--seed", "3"]) == 0


def damage_table(data: Path, table: str) -> None:
    """Overwrite the middle of ``table``'s root page on disk, as a failing sector would."""
    key = bytes.fromhex((data / DEMO_KEY_FILE).read_text())
    database = data / "station.sqlite3"
    connection = connect_encrypted(database, key)
    try:
        (root,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    with database.open("r+b") as handle:
        handle.seek((root - 1) * PAGE + PAGE // 2)
        handle.write(b"\xa5" * 256)


def test_a_whole_database_passes_both_checks(tmp_path: Path) -> None:
    _demo_station_with_cases(tmp_path)
    station = build_station(tmp_path, demo=True, start_queue=False)
    try:
        assert station.health is not None
        assert station.health.state.checked
        assert not station.health.state.damaged
        assert station.health.check(full=True).problems == ()
        assert station.intake_verdict().intake_allowed
    finally:
        station.close()


def test_a_damaged_database_stops_new_intake_with_the_way_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _demo_station_with_cases(tmp_path)
    capsys.readouterr()
    damage_table(tmp_path, "case_event")

    station = build_station(tmp_path, demo=True, start_queue=False)
    try:
        assert station.health is not None
        assert station.health.state.damaged  # the quick check at open found it
        verdict = station.intake_verdict()
        assert not verdict.intake_allowed
        assert "db restore" in DAMAGED_MESSAGE
    finally:
        station.close()

    # The same run of demo-data that took 8 cases now takes none.
    assert main(["--data-dir", str(tmp_path), "demo-data", "--cases", "5", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert '"cases": 0' in out
    assert '"refused": 5' in out

    # db check says so too, and exits 1.
    assert main(["--data-dir", str(tmp_path), "db", "check"]) == 1
    assert "发现问题" in capsys.readouterr().out


def test_the_refusal_names_the_damage_not_the_network(tmp_path: Path) -> None:
    _demo_station_with_cases(tmp_path, cases=2)
    damage_table(tmp_path, "case_event")
    station = build_station(tmp_path, demo=True, start_queue=False)
    try:
        rng = random.Random(1)
        matter = next(
            m for m in station.catalogue.matters.values() if station.identity.window.handles(m)
        )
        request = IntakeRequest(
            action=new_action(),
            matter_id=matter.id,
            applicant=_applicant(rng),
            records=_records(rng, matter),
            clerk=Staff("clerk01", "王小丽"),
            situation=ApplicantSituation(),
        )
        with pytest.raises(IntakeRefused) as refused:
            station.intake.commit(request)
        assert refused.value.user_message == DAMAGED_MESSAGE
        assert "离线" not in refused.value.user_message
    finally:
        station.close()


def test_damage_in_an_index_is_found_by_the_full_check_when_idle(tmp_path: Path) -> None:
    _demo_station_with_cases(tmp_path)
    station = build_station(tmp_path, demo=True, start_queue=False)
    station.close()
    # An index page: the quick check does not compare indexes with their tables.
    key = bytes.fromhex((tmp_path / DEMO_KEY_FILE).read_text())
    connection = connect_encrypted(tmp_path / "station.sqlite3", key)
    index = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'case_event' "
        "AND sql IS NOT NULL LIMIT 1"
    ).fetchone()[0]
    connection.close()
    damage_table(tmp_path, index)

    station = build_station(tmp_path, demo=True, start_queue=False)
    try:
        assert station.health is not None
        now = [0.0]
        watch = IdleIntegrityWatch(
            station.health, idle_seconds=600, interval_seconds=3600, monotonic=lambda: now[0]
        )
        watch.notify_write()
        assert not watch.run_due()  # a clerk just saved something: not now
        now[0] = 601.0
        assert watch.run_due()
        assert station.health.state.full
        assert station.health.state.damaged
        assert not station.intake_verdict().intake_allowed
        now[0] = 1200.0
        assert not watch.run_due()  # at most once an interval
    finally:
        station.close()


def test_the_idle_watch_thread_runs_and_stops(tmp_path: Path) -> None:
    _demo_station_with_cases(tmp_path, cases=1)
    station = build_station(tmp_path, demo=True, start_queue=False)
    try:
        health = DatabaseHealth(SqliteIntegrityProbe(station.engine))
        watch = IdleIntegrityWatch(health, idle_seconds=0, interval_seconds=3600)
        watch.start()
        for _ in range(100):
            if health.state.full:
                break
            time.sleep(0.05)
        watch.stop()
        assert health.state.full
        assert not health.state.damaged
    finally:
        station.close()
