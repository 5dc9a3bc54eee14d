"""The centre assigns station codes, refuses a colliding one, retires a replaced PC's code, and
flags a case number it already holds (issue 17, Deliver 5). Real PostgreSQL (``tests/pg.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from tests.adapters.storage.factories import received_draft
from tests.adapters.sync.helpers import make_station
from zhanhe_counter.adapters.centre.governance import number_collisions
from zhanhe_counter.adapters.centre.schema import register_station
from zhanhe_counter.adapters.centre.station_codes import StationCodeTaken
from zhanhe_counter.cli.app import main


def _codes(url: str) -> dict[str, tuple[str | None, bool]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT station_id, station_code, active FROM station").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_the_centre_hands_out_unique_codes_and_refuses_a_taken_one(central_url: str) -> None:
    a = register_station(central_url, "QZX-A")
    b = register_station(central_url, "QZX-B")
    assert (a.station_code, b.station_code) == ("41041101", "41041102")
    # Registering again (a new password) keeps the code: the day's numbering goes on.
    assert register_station(central_url, "QZX-A").station_code == "41041101"

    with pytest.raises(StationCodeTaken) as refused:
        register_station(central_url, "QZX-C", station_code="41041101")
    assert "QZX-A" in refused.value.user_message
    assert "QZX-C" not in _codes(central_url)  # refused whole: no station, no login left
    with psycopg.connect(central_url) as conn:
        # Roles are the cluster's: look for this one by name.
        refused_role = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'zh_st_qzx_c'")
        assert refused_role.fetchone() is None


def test_a_replacement_pc_gets_a_new_code_and_the_old_one_is_retired(central_url: str) -> None:
    register_station(central_url, "QZX-A")
    new = register_station(central_url, "QZX-A2", replaces="QZX-A")
    codes = _codes(central_url)
    assert codes["QZX-A"] == (None, False)  # stopped, its code gone with it
    assert new.station_code == "41041102"  # never 01 again: its cases' numbers stay unique
    with pytest.raises(StationCodeTaken, match="retired"):
        register_station(central_url, "QZX-D", station_code="41041101")


def test_a_colliding_case_number_is_flagged_to_the_administrator(
    central_url: str, tmp_path: Path, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    one = make_station(central_url, tmp_path, "QZX-P1")
    two = make_station(central_url, tmp_path, "QZX-P2")
    number = "41041101-S-20261126-0001"
    first = received_draft(station=one.station_id, number=number)
    second = received_draft(station=two.station_id, number=number)
    one.store.append_many([first])
    two.store.append_many([second, received_draft(station=two.station_id, number="other")])
    assert not one.run().errors
    assert not two.run().errors

    clashes = number_collisions(central_url)
    assert [(c.case_number, c.case_id, c.first_case_id) for c in clashes] == [
        (number, second.case_id, first.case_id)
    ]
    assert main(["central", "collisions", "--url", central_url, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [row["station_id"] for row in listed] == ["QZX-P2"]
    with psycopg.connect(central_url) as conn:
        held = conn.execute("SELECT count(*) FROM case_number").fetchone()
    assert held == (2,)  # every number the centre received, once
    one.dispose()
    two.dispose()


def test_station_register_stores_the_centres_code(
    central_url: str, tmp_path: Path, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from zhanhe_counter.adapters.storage.database_key import open_station_database
    from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore

    folder = tmp_path / "pc"
    open_station_database(folder, demo=True).dispose()  # a demo folder: no keyring key needed
    argv = ["--data-dir", str(folder), "station", "register", "QZX-R1", "--url", central_url]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["station_code"] == "41041101"
    engine = open_station_database(folder, demo=True)
    try:
        assert SqliteReferenceStore(engine).get_setting("station_code") == "41041101"
    finally:
        engine.dispose()
    assert main([*argv[:4], "QZX-R2", "--url", central_url, "--code", "41041101"]) == 2
    assert "已由站点 QZX-R1 使用" in capsys.readouterr().err
