"""The applicant's screen: the case in large type with its QR code, then each rating level."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.services.followthrough_support import (
    APPLICANT_ID,
    CLERK,
    Followthrough,
    build_followthrough,
)
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.rating_scale import RATING_LABELS
from zhanhe_counter.ui.applicant_screen.applicant_screen import (
    BASE_PX,
    ApplicantScreen,
    applicant_view,
    qr_pixmap,
)


@pytest.fixture
def ft(tmp_path: Path) -> Iterator[Followthrough]:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


@pytest.fixture
def screen(qtbot: QtBot, ft: Followthrough) -> ApplicantScreen:
    widget = ApplicantScreen(ft.rating)
    qtbot.addWidget(widget)
    return widget


def test_case_shows_missing_items_promised_date_and_qr(
    ft: Followthrough, screen: ApplicantScreen
) -> None:
    case = ft.open_case("ZH-005", missing=[3])
    view = applicant_view(case, ft.station.catalogue)
    screen.show_case(view, ft.station.office.url_for(view.case_number))
    assert screen.matter.text() == "高龄津贴申请"
    assert (
        screen.missing.text() == "还需补交：本人银行卡（指定发放银行），请于 2026年12月24日 前补齐"
    )
    assert screen.promised.text().startswith("承诺办结日期：")
    assert screen.number.text() == f"办件编号：{case.case_number}"
    assert not screen.qr.pixmap().isNull()
    shown = " ".join(
        w.text() for w in (screen.matter, screen.received, screen.missing, screen.promised)
    )
    assert APPLICANT_ID not in shown
    assert CLERK.name not in shown
    assert BASE_PX >= 28
    assert f"font-size: {BASE_PX}px" in screen.styleSheet()


def test_qr_pixmap_is_square_black_on_white() -> None:
    pixmap = qr_pixmap("41041101S202611260001I", 200)
    image = pixmap.toImage()
    assert (image.width(), image.height()) == (200, 200)
    assert image.pixelColor(1, 1).name() == "#ffffff"
    colours = {image.pixelColor(x, 100).name() for x in range(200)}
    assert colours == {"#ffffff", "#000000"}


@pytest.mark.parametrize("level", [5, 4, 3])
def test_good_levels_submit_at_once(
    qtbot: QtBot, ft: Followthrough, screen: ApplicantScreen, level: int
) -> None:
    case = ft.open_case("ZH-004")
    screen.ask_rating(ft.rating.invite(case.case_id, CLERK.staff_id))
    with qtbot.waitSignal(screen.rated) as rated:
        qtbot.mouseClick(screen.level_buttons[level], Qt.MouseButton.LeftButton)
    receipt = rated.args[0]
    assert not hasattr(receipt, "level")
    assert screen.pages.currentWidget() is screen.thanks
    event = ft.station.store.events_for_case(case.case_id)[-1]
    assert (event.kind, event.payload["level"]) == (EventKind.RATED, level)
    assert screen.level_buttons[level].text() == RATING_LABELS[level]


@pytest.mark.parametrize("level", [2, 1])
def test_two_lowest_levels_ask_why_and_land_in_follow_up(
    qtbot: QtBot, ft: Followthrough, screen: ApplicantScreen, level: int
) -> None:
    case = ft.open_case("ZH-004")
    screen.ask_rating(ft.rating.invite(case.case_id, CLERK.staff_id))
    qtbot.mouseClick(screen.level_buttons[level], Qt.MouseButton.LeftButton)
    assert screen.pages.currentIndex() == 2
    assert not screen.reasons_box.isHidden()
    qtbot.mouseClick(screen.submit_button, Qt.MouseButton.LeftButton)
    assert screen.rating_error.text() == "请选择不满意的原因（可多选）"
    qtbot.mouseClick(screen.reason_buttons["等候时间长"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(screen.rated):
        qtbot.mouseClick(screen.submit_button, Qt.MouseButton.LeftButton)
    [row] = ft.followups.rows()
    assert row.case_id == case.case_id
    assert row.level == level
    assert row.reasons == ("等候时间长",)
    assert row.staff_id == CLERK.staff_id
