"""管理 (F12): staff and publishing at a real centre (PostgreSQL via ``tests/pg.py``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests import pg
from tests.governance.support import catalogue_text
from tests.ui.conftest import CLERK, NOW, MemoryTextSizes
from zhanhe_counter.adapters.centre import governance
from zhanhe_counter.composition import Station
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.ui.admin.admin_view import AdminView
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.main_window import MainWindow

pg_cluster = pg.pg_cluster
central_url = pg.central_url


def _idle(qtbot: QtBot, runner: StorageRunner) -> None:
    qtbot.waitUntil(lambda: not runner.busy, timeout=20_000)


def test_the_administrator_creates_disables_and_publishes(
    qtbot: QtBot, station: Station, central_url: str, tmp_path: Path
) -> None:
    runner = StorageRunner()
    view = AdminView(station, "admin01", date(2026, 11, 26), runner)
    qtbot.addWidget(view)
    assert not view.create_button.isEnabled()  # nothing to do before connecting

    view.url.setText(central_url)
    qtbot.keyClick(view.password, Qt.Key.Key_Return)  # keyboard first: Enter connects
    _idle(qtbot, runner)
    assert view.message.text() == "已连接中心。"
    assert view.create_button.isEnabled()

    qtbot.keyClicks(view.new_id, "sunli")
    view.new_name.setText("孙莉")  # typed through an input method, not key by key
    qtbot.keyClicks(view.new_password, "s3cret-1")
    view.create_button.click()
    _idle(qtbot, runner)
    assert view.table.rowCount() == 1
    cells = [view.table.item(0, c).text() for c in range(5)]
    assert cells == ["sunli", "孙莉", "window", "在用", "是"]

    view.table.selectRow(0)
    view.toggle_button.click()
    _idle(qtbot, runner)
    assert view.table.item(0, 3).text() == "已停用"

    new = tmp_path / "catalogue.yaml"
    new.write_text(catalogue_text(add=True), encoding="utf-8")
    view.file.setText(str(new))
    view.version.setText("2027-01")
    view.effective.setText("2026-11-01")
    view.check_button.click()
    _idle(qtbot, runner)
    assert "新增事项 1 项：ZH-099" in view.difference.toPlainText()
    view.publish_button.click()
    _idle(qtbot, runner)
    assert view.message.text().startswith("已发布版本 2027-01")
    published = governance.versions(central_url, "catalogue")
    assert [(v.version, v.published_by) for v in published] == [("2027-01", "admin01")]

    broken = tmp_path / "broken.yaml"
    broken.write_text(catalogue_text().replace("schema_version: 1", "schema_version: x", 1))
    view.file.setText(str(broken))
    view.check_button.click()
    _idle(qtbot, runner)
    assert f"{broken}:" in view.difference.toPlainText()
    runner.wait_idle(5_000)


def test_f12_is_the_administrators_key_only(
    qtbot: QtBot, window: MainWindow, context: CounterContext, text_sizes: MemoryTextSizes
) -> None:
    assert "F12" not in window.key_actions  # a clerk's tool bar has no 管理 key
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert window.admin is None

    session = LoginSession(staff=CLERK, roles=("window", "admin"), started_at=NOW)
    admin = MainWindow(context, session, ask_unlock=lambda _w: True, text_sizes=text_sizes)
    qtbot.addWidget(admin)
    admin.show()
    qtbot.waitExposed(admin)
    admin.activateWindow()
    qtbot.waitUntil(admin.isActiveWindow, timeout=5_000)
    assert admin.key_actions["F12"].text() == "F12 管理"
    qtbot.keyClick(admin, Qt.Key.Key_F12)
    assert admin.pages.currentWidget() is admin.admin
    assert admin.admin is not None
    assert admin.admin.password.hasFocus()  # keyboard first: type the password, Enter
    admin.close()
