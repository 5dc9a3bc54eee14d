"""The supervisor desk's scopes (本机/本厅/全区) under Qt offscreen, against a real PostgreSQL.

Stations registered and synced through ``zhanhe-admin`` as an administrator would; the hall and
district figures on the desk are compared with ``zhanhe-admin tally --scope central
--as-station`` run from the same supervisor's data folder.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from tests import pg
from tests.adapters.sync import helpers
from tests.adapters.tally import scenario
from tests.adapters.tally.helpers import FixedClock
from zhanhe_counter.adapters.secrets import KeyringSecretStore
from zhanhe_counter.adapters.storage.database_key import open_station_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.sync.station_config import central_login
from zhanhe_counter.adapters.tally import sqlite_source
from zhanhe_counter.adapters.tally.centre_desk import StationCentreTallies
from zhanhe_counter.cli import app
from zhanhe_counter.services.ports.tally import Figure, Grouping, Scope
from zhanhe_counter.services.supervision import SupervisorDesk, ViewScope
from zhanhe_counter.services.tally import TallyService
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.supervisor.supervisor_view import SupervisorView

pg_cluster = pg.pg_cluster
empty_central_url = pg.empty_central_url
memory_keyring = helpers.memory_keyring

STATIONS = (  # station, role, hall, prefix of the case numbers it takes in (None: takes none)
    ("QZX-W03", "counter", "QZX", "A"),
    ("CHJ-W01", "counter", "CHJ", "B"),
    ("QZX-DEMO", "counter", "QZX", "T"),  # a training station: never counted
    ("QZX-SUP", "supervisor=QZX", "QZX", None),
    ("DIST-SUP", "supervisor=district", "QZX", None),
)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = app.main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.fixture
def hall(
    empty_central_url: str,
    tmp_path: Path,
    memory_keyring: helpers.MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, Path]:
    """Three counters of two halls (one a training station) synced, and two supervisor desks."""
    _cli(capsys, "central", "init", "--url", empty_central_url)
    folders = {}
    for station, role, hall_id, _ in STATIONS:
        folders[station] = tmp_path / station
        _cli(
            capsys,
            *("--data-dir", str(folders[station]), "station", "register", station),
            *("--url", empty_central_url, "--role", role, "--hall", hall_id),
        )
    with psycopg.connect(empty_central_url, autocommit=True) as conn:
        conn.execute("UPDATE station SET training = true WHERE station_id = 'QZX-DEMO'")
    for station, _, _, prefix in STATIONS:
        if prefix is not None:
            engine = open_station_database(folders[station])
            scenario.record_day(SqliteEventStore(engine), station, prefix)
            engine.dispose()
        _cli(capsys, "--data-dir", str(folders[station]), "sync", "--once")
    return folders


def _desk(folder: Path, login: str | None = None) -> tuple[SupervisorDesk, sa.Engine]:
    engine = open_station_database(folder)

    def url() -> str:
        return login or central_login(engine, KeyringSecretStore()).sqlalchemy_url()

    local = TallyService(sqlite_source(engine), FixedClock())
    return SupervisorDesk(local, FixedClock(), None, StationCentreTallies(url)), engine


OpenView = Callable[..., SupervisorView]


@pytest.fixture
def open_view(qtbot: QtBot) -> Iterator[OpenView]:
    opened: list[tuple[SupervisorDesk, sa.Engine]] = []

    def make(folder: Path, login: str | None = None) -> SupervisorView:
        desk, engine = _desk(folder, login)
        opened.append((desk, engine))
        view = SupervisorView(
            desk.service(ViewScope.STATION), scenario.DAY, StorageRunner(), desk=desk
        )
        qtbot.addWidget(view)
        view.show()
        qtbot.waitExposed(view)
        view.opened()
        return view

    yield make
    for desk, engine in opened:
        desk.close()
        engine.dispose()


def _cli_totals(
    capsys: pytest.CaptureFixture[str], folder: Path, out: Path
) -> tuple[int, dict[str, str]]:
    """``tally --as-station`` from ``folder``: its received count and its CSV's 合计 row."""
    result = _cli(
        capsys,
        *("--data-dir", str(folder), "tally", "--as-station", "--scope", "central"),
        *("--date", scenario.DAY.isoformat(), "--format", "csv", "--out", str(out)),
    )
    with out.open(encoding="utf-8-sig", newline="") as handle:
        header, *_rows, total = list(csv.reader(handle))
    return int(json.loads(result)["received"]), dict(zip(header, total, strict=True))


def _wait_for_report(qtbot: QtBot, view: SupervisorView, scope: ViewScope) -> None:
    qtbot.waitUntil(lambda: view.scope_picker.findData(scope) >= 0, timeout=20_000)
    view.choose_scope(scope)
    qtbot.waitUntil(
        lambda: view.report is not None and view.view_scope is scope and view.attention is not None,
        timeout=20_000,
    )


def _offered(view: SupervisorView) -> list[ViewScope]:
    return [view.scope_picker.itemData(i) for i in range(view.scope_picker.count())]


def _column(table: QTableWidget, column: int) -> list[str]:
    return [item.text() if (item := table.item(r, column)) else "" for r in range(table.rowCount())]


def _same_as_cli(view: SupervisorView, cli_total: dict[str, str]) -> None:
    assert view.report is not None
    assert view.report.grouping is Grouping.WINDOW  # the CLI's default grouping too
    for figure in Figure:
        assert str(view.report.total[figure]) == cli_total[figure.label], figure


def test_a_hall_supervisor_sees_its_hall_as_the_cli_does(
    hall: dict[str, Path],
    open_view: OpenView,
    qtbot: QtBot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    view = open_view(hall["QZX-SUP"])
    _wait_for_report(qtbot, view, ViewScope.HALL)
    assert _offered(view) == [ViewScope.STATION, ViewScope.HALL]  # no 全区 for a hall's
    received, cli_total = _cli_totals(capsys, hall["QZX-SUP"], tmp_path / "hall.csv")
    _same_as_cli(view, cli_total)
    # Only QZX-W03's cases: CHJ is another hall, QZX-DEMO a training station.
    assert received == scenario.expected_total()[Figure.RECEIVED]
    assert view.report is not None
    assert {row.key for row in view.report.rows} == {"QZX-W03"}
    assert "中心数据（本厅" in view.scope.text()

    # The lists: the 差评 and the overdue case were taken in at QZX-W03, not at this desk.
    bad = view.bad_ratings
    assert bad.rowCount() == 3  # two open, one called back (scenario)
    assert all(number.startswith("A") for number in _column(bad, 0))
    assert set(_column(bad, 1)) == {"差评待回访", "差评已回访"}
    assert set(_column(bad, 2)) == {"QZX-W03"}
    overdue = view.overdue
    assert ("A0011", "超过承诺期限") in set(
        zip(_column(overdue, 0), _column(overdue, 1), strict=True)
    )
    assert "差评回访 3" in view.lists.tabText(1)

    # Keyboard: Alt+3 shows the overdue list with its first case selected.
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=5_000)
    qtbot.keyClick(view.table, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert view.lists.currentWidget() is view.overdue
    assert view.overdue.currentRow() == 0


def test_a_district_supervisor_sees_hall_and_district_as_the_cli_does(
    hall: dict[str, Path],
    open_view: OpenView,
    qtbot: QtBot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    view = open_view(hall["DIST-SUP"])
    _wait_for_report(qtbot, view, ViewScope.DISTRICT)
    assert _offered(view) == [ViewScope.STATION, ViewScope.HALL, ViewScope.DISTRICT]
    received, cli_total = _cli_totals(capsys, hall["DIST-SUP"], tmp_path / "district.csv")
    _same_as_cli(view, cli_total)
    assert received == 2 * scenario.expected_total()[Figure.RECEIVED]  # two halls, no training
    assert view.report is not None
    assert {row.key for row in view.report.rows} == {"QZX-W03", "CHJ-W01"}
    numbers = set(_column(view.overdue, 0))
    assert {"A0011", "B0011"} <= numbers
    assert not any(n.startswith("T") for n in numbers)

    # Its hall (QZX) is exactly what the hall's own supervisor sees from the CLI.
    _wait_for_report(qtbot, view, ViewScope.HALL)
    _, hall_total = _cli_totals(capsys, hall["QZX-SUP"], tmp_path / "hall.csv")
    _same_as_cli(view, hall_total)

    # Back to this PC: its own database.
    _wait_for_report(qtbot, view, ViewScope.STATION)
    assert view.report is not None
    assert view.report.scope is Scope.LOCAL
    assert "本机数据" in view.scope.text()


def test_offline_the_desk_says_so_and_this_pc_still_tallies(
    hall: dict[str, Path], open_view: OpenView, qtbot: QtBot
) -> None:
    unreachable = "postgresql+psycopg://nobody:x@127.0.0.1:9/zhanhe"
    view = open_view(hall["DIST-SUP"], unreachable)
    qtbot.waitUntil(lambda: "连不上中心" in view.message.text(), timeout=20_000)
    assert _offered(view) == [ViewScope.STATION]
    view.refresh()
    qtbot.waitUntil(lambda: view.report is not None, timeout=20_000)
    assert view.view_scope is ViewScope.STATION
