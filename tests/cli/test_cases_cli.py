"""``zhanhe-admin cases --json`` on a counter and on a back-office desk it routes cases to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import pg
from tests.adapters.storage.factories import received_draft
from tests.adapters.sync import helpers
from zhanhe_counter.adapters.storage.database_key import open_station_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.cli import app

pg_cluster = pg.pg_cluster
empty_central_url = pg.empty_central_url
memory_keyring = helpers.memory_keyring


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = app.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cases_lists_own_and_routed_cases_with_their_places(
    empty_central_url: str,
    tmp_path: Path,
    memory_keyring: helpers.MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    counter, desk = str(tmp_path / "counter"), str(tmp_path / "desk")
    assert _run(capsys, "central", "init", "--url", empty_central_url)[0] == 0
    for folder, station, role in (
        (counter, "QZX-W03", "counter"),
        (desk, "QZX-BO-MZ", "backoffice=湛河区民政局"),
    ):
        code, _, err = _run(
            capsys,
            "--data-dir",
            folder,
            "station",
            "register",
            station,
            "--url",
            empty_central_url,
            "--role",
            role,
            "--hall",
            "QZX",
        )
        assert code == 0, err
    engine = open_station_database(Path(counter))
    SqliteReferenceStore(engine).set_setting("window_id", "QZX-03")
    SqliteEventStore(engine).append_many(
        [
            received_draft(station="QZX-W03", number="N-MZ-1", matter_id="ZH-005"),
            received_draft(station="QZX-W03", number="N-GA-1", matter_id="ZH-018"),
        ]
    )
    engine.dispose()
    code, out, _ = _run(capsys, "--data-dir", counter, "cases", "--json")
    assert code == 0
    own = {row["number"]: row for row in json.loads(out)}
    assert own["N-MZ-1"]["sync"] == "saved_local"
    assert own["N-MZ-1"]["hall"] == "QZX"
    assert own["N-MZ-1"]["routed"] is False

    for folder in (counter, desk):
        assert _run(capsys, "--data-dir", folder, "sync", "--once")[0] == 0

    code, out, _ = _run(capsys, "--data-dir", desk, "cases", "--json")
    assert code == 0
    [routed] = json.loads(out)  # only its department's case reached the desk
    assert {k: routed[k] for k in ("number", "matter", "department", "hall", "state")} == {
        "number": "N-MZ-1",
        "matter": "ZH-005",
        "department": "湛河区民政局",
        "hall": "QZX",
        "state": "received",
    }
    assert (routed["opened_by"], routed["routed"], routed["sync"]) == ("QZX-W03", True, "confirmed")

    code, out, _ = _run(capsys, "--data-dir", counter, "cases")
    assert code == 0
    assert "中心已确认" in out
    assert "共 2 件。" in out


def test_a_supervisor_desk_tallies_its_scope_from_the_centre(
    empty_central_url: str,
    tmp_path: Path,
    memory_keyring: helpers.MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run(capsys, "central", "init", "--url", empty_central_url)[0] == 0
    folders = {}
    for station, role, hall in (
        ("QZX-W03", "counter", "QZX"),
        ("CHJ-W01", "counter", "CHJ"),
        ("QZX-SUP", "supervisor=QZX", "QZX"),
        ("DIST-SUP", "supervisor=district", "QZX"),
    ):
        folders[station] = str(tmp_path / station)
        code, _, err = _run(
            capsys,
            "--data-dir",
            folders[station],
            "station",
            "register",
            station,
            "--url",
            empty_central_url,
            "--role",
            role,
            "--hall",
            hall,
        )
        assert code == 0, err
    for station, cases in (("QZX-W03", 2), ("CHJ-W01", 1)):
        engine = open_station_database(Path(folders[station]))
        SqliteEventStore(engine).append_many(
            [received_draft(station=station, number=f"{station}-{n}") for n in range(cases)]
        )
        engine.dispose()
    for folder in folders.values():
        assert _run(capsys, "--data-dir", folder, "sync", "--once")[0] == 0

    def received(*argv: str, as_station: bool = False) -> int:
        code, out, err = _run(
            capsys,
            *argv,
            "tally",
            *(["--as-station"] if as_station else []),
            "--date",
            "2026-11-26",
            "--scope",
            "central",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "t.csv"),
            *([] if argv else ["--central-url", empty_central_url]),
        )
        assert code == 0, err
        return int(json.loads(out)["received"])

    assert received("--data-dir", folders["QZX-SUP"], as_station=True) == 2  # its hall only
    district = received("--data-dir", folders["DIST-SUP"], as_station=True)
    assert district == 3
    # The same figure as the Bureau's own central tally.
    assert received() == district
    code, _, err = _run(
        capsys,
        "--data-dir",
        folders["QZX-SUP"],
        "tally",
        "--date",
        "2026-11-26",
        "--as-station",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "t.csv"),
    )
    assert code == 2
    assert "--as-station 只用于 --scope central" in err


def test_cases_lists_what_demo_data_recorded_and_filters_by_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "station")
    assert app.main(["--data-dir", data, "demo-data", "--cases", "6", "--date", "2026-11-26"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["documents_queued"] >= 6  # as the counter would: every case's documents
    assert app.main(["--data-dir", data, "cases", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 6
    for row in rows:
        assert set(row) >= {"number", "matter", "department", "hall", "state", "opened_by"}
        assert row["opened_by"] == "ZH-DEMO-01"
        assert row["routed"] is False
    state = rows[0]["state"]
    assert app.main(["--data-dir", data, "cases", "--state", state, "--json"]) == 0
    filtered = json.loads(capsys.readouterr().out)
    assert filtered
    assert {r["state"] for r in filtered} == {state}


def test_an_unknown_state_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["--data-dir", str(tmp_path), "cases", "--state", "done"]) == 2
    assert "未知状态“done”" in capsys.readouterr().err
