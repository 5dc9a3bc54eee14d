"""Every card is shown, recorded and printed as the card it is (issue 19): a 外国人永久居留身份证
or a 港澳台居民居住证 keeps its type, English name, nationality and 通行证号码."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from zhanhe_counter.composition import Station
from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.applicant import CardType
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.ui.intake.intake_view import IntakeDone
from zhanhe_counter.ui.main_window import MainWindow

from .conftest import card

FOREIGN = replace(
    card("安娜", "932682198001010010"),
    card_type=CardType.FOREIGN_2023,
    name_en="ANNA SMITH",
    nationality="CAN",
    nation="",
    address="",
    birth_date=date(1980, 1, 1),
)
GAT = replace(
    card("陈大文", "810000199001011230"),
    card_type=CardType.GAT_RESIDENCE,
    pass_number="H01234567",
    nation="",
    birth_date=date(1990, 1, 1),
)


def _accept_on_spot(qtbot: QtBot, window: MainWindow) -> IntakeDone:
    qtbot.keyClicks(window.intake.search, "cxjmjbylbx")  # 城乡居民基本养老保险参保登记
    qtbot.keyClick(window.intake.search, Qt.Key.Key_Return)
    for number in (1, 2, 3):
        qtbot.keyClick(window.intake.checklist.table, str(number))
    with qtbot.waitSignal(window.intake.done, timeout=20_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    done = blocker.args[0]
    assert isinstance(done, IntakeDone)
    return done


def test_a_foreign_card_is_shown_recorded_and_printed_as_itself(
    qtbot: QtBot, window: MainWindow, station: Station
) -> None:
    window.on_card(FOREIGN)
    panel = window.intake.applicant
    assert panel.person.selected_card_type() is CardType.FOREIGN_2023
    assert panel.person.card_type.currentText() == "外国人永久居留身份证（2023版）"
    assert "外国人永久居留身份证（2023版）" in panel.card_line.text()
    assert panel.person.card_fields.text() == "英文姓名：ANNA SMITH　国籍：CAN"
    assert panel.problems() == []

    done = _accept_on_spot(qtbot, window)
    received = next(e for e in done.committed.events if e.kind is EventKind.RECEIVED)
    person = p.Received.from_payload(received.payload).applicant.person
    assert (person.card_type, person.name_en, person.nationality) == (
        CardType.FOREIGN_2023,
        "ANNA SMITH",
        "CAN",
    )
    notice = next(
        r
        for r in station.dispatcher.requests_for(done.committed, "张敏")
        if r.kind is DocumentKind.ACCEPTANCE_NOTICE
    )
    assert notice.values["applicant_id_type"] == "外国人永久居留身份证"


def test_a_residence_permit_keeps_its_pass_number(qtbot: QtBot, window: MainWindow) -> None:
    window.on_card(GAT)
    panel = window.intake.applicant
    assert panel.person.selected_card_type() is CardType.GAT_RESIDENCE
    assert panel.person.card_fields.text() == "通行证号码：H01234567"
    assert panel.applicant().person.pass_number == "H01234567"
    # Once the number is no longer the card's, nothing read from the card is kept with it.
    panel.person.id_number.set_value("410411199001011237")
    assert panel.applicant().person.pass_number is None


def test_a_typed_number_of_another_card_type_selects_that_type(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.intake.new_intake()
    fields = window.intake.applicant.person
    assert fields.selected_card_type() is CardType.RESIDENT
    fields.name.setText("安娜")  # Chinese text is typed through an input method, not keys
    fields.name.setFocus()
    qtbot.keyClick(fields.name, Qt.Key.Key_Tab)
    assert fields.id_number.hasFocus()  # the type above the name costs no keystroke
    qtbot.keyClicks(fields.id_number, "932682198001010010")
    qtbot.keyClick(fields.id_number, Qt.Key.Key_Tab)
    assert fields.selected_card_type() is CardType.FOREIGN_2023
    assert window.intake.applicant.problems() == []
    assert window.intake.applicant.applicant().person.card_type is CardType.FOREIGN_2023
