"""The supervisor view (督查统计) under Qt offscreen, on a real station database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from tests.adapters.tally import scenario
from tests.adapters.tally.helpers import DIRECTORY, FixedClock, scenario_db
from zhanhe_counter.adapters.tally import sqlite_source
from zhanhe_counter.services.ports.tally import Figure, Grouping
from zhanhe_counter.services.tally import TallyService
from zhanhe_counter.ui.jobs import StorageRunner
from zhanhe_counter.ui.supervisor.supervisor_view import SupervisorView


@pytest.fixture
def view(qtbot: QtBot, tmp_path: Path) -> Iterator[SupervisorView]:
    engine: sa.Engine = scenario_db(tmp_path)
    view = SupervisorView(
        TallyService(sqlite_source(engine), FixedClock(), DIRECTORY), scenario.DAY, StorageRunner()
    )
    qtbot.addWidget(view)
    yield view
    engine.dispose()


def test_table_chart_and_drill_down(view: SupervisorView, qtbot: QtBot) -> None:
    view.grouping.setCurrentIndex(view.grouping.findData(Grouping.CLERK))
    view.run_button.click()
    qtbot.waitUntil(lambda: view.report is not None, timeout=10_000)
    model = view.model
    assert model.rowCount() == 3  # two clerks and 合计
    received = 1 + list(Figure).index(Figure.RECEIVED)
    assert model.headerData(received, Qt.Orientation.Horizontal) == "收件"
    assert model.index(2, 0).data() == "合计"
    assert model.index(2, received).data() == "9"
    assert "本机数据（仅限本机）" in view.scope.text()

    view.chart_figure.setCurrentIndex(view.chart_figure.findData(Figure.RECEIVED))
    assert sorted(v for _, v in view.chart.bars) == [4, 5]
    image = QImage(400, 200, QImage.Format.Format_RGB32)
    view.chart.resize(400, 200)
    view.chart.render(image)
    assert any(
        image.pixelColor(x, y).name() == "#2f6f9f"
        for x in range(0, 400, 4)
        for y in range(0, 200, 4)
    )

    lina = next(r for r in range(2) if model.group_key(r) == scenario.LI)
    past = 1 + list(Figure).index(Figure.PAST_PROMISED)
    view.drill(model.index(lina, past))
    qtbot.waitUntil(lambda: view.cases.rowCount() == 1, timeout=10_000)
    first = view.cases.item(0, 0)
    assert first is not None
    assert first.text() == "A0011"
    view.drill(model.index(2, received))  # the totals row drills into every group
    qtbot.waitUntil(lambda: view.cases.rowCount() == 9, timeout=10_000)


def test_a_backwards_period_shows_a_message(view: SupervisorView) -> None:
    view.last.setDate(QDate(2026, 3, 1))
    view.refresh()
    assert "早于" in view.message.text()
    assert view.model.rowCount() == 0


def test_a_listed_case_opens_in_the_detail(qtbot: QtBot, tmp_path: Path) -> None:
    engine: sa.Engine = scenario_db(tmp_path)
    opened: list[object] = []
    view = SupervisorView(
        TallyService(sqlite_source(engine), FixedClock(), DIRECTORY),
        scenario.DAY,
        StorageRunner(),
        open_case=opened.append,
    )
    qtbot.addWidget(view)
    try:
        view.run_button.click()
        qtbot.waitUntil(lambda: view.report is not None, timeout=10_000)
        received = 1 + list(Figure).index(Figure.RECEIVED)
        view.drill(view.model.index(view.model.rowCount() - 1, received))
        qtbot.waitUntil(lambda: view.cases.rowCount() == 9, timeout=10_000)
        item = view.cases.item(3, 0)
        assert item is not None
        view.cases.itemActivated.emit(item)
        assert opened == [view.case_ids[3]]
    finally:
        engine.dispose()
