"""Take the README's screenshots of the main screens, driven by keys like a clerk.

Run under a real X server with a window manager and CJK fonts, at the counter PCs' most common
screen (1366×768), so the pictures look as they do at a counter:

    xvfb-run -a -s "-screen 0 1366x768x24" sh -c \
        'openbox & .venv/bin/python scripts/screenshots.py docs/screenshots'

It builds a demo station in a temporary folder, logs in, opens the window as the client does
(maximised on a screen this small), and walks through the intake outcomes, my cases with a
case's detail, the delivery window, the back-office workbench, the applicant's screen and the
supervisor's tally, saving one PNG each. ``--size WxH`` sizes the window instead (no manager).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.checklist import MaterialRecord
from zhanhe_counter.main import _demo_reader
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.services.intake import IntakeRequest, new_action
from zhanhe_counter.services.ports.idcard import CardType, IdCardRecord
from zhanhe_counter.services.station import Staff
from zhanhe_counter.ui.app import create_application
from zhanhe_counter.ui.applicant_screen.applicant_screen import applicant_view
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.main_window import MainWindow

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=CHINA_TIME)


class _Clock:
    def now(self) -> datetime:
        return NOW


def _wait(until: Callable[[], bool], ms: int = 15_000) -> None:
    loop_ms = 0
    while not until() and loop_ms < ms:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QTest.qWait(50)
        loop_ms += 100


def _settle(ms: int = 400) -> None:
    QTest.qWait(ms)


def _shot(widget: QWidget, folder: Path, name: str) -> None:
    _settle()
    widget.grab().save(str(folder / name))
    print(f"wrote {folder / name}")


def _card(name: str, number: str) -> IdCardRecord:
    return IdCardRecord(
        card_type=CardType.RESIDENT,
        name=name,
        sex="男",
        sex_code="1",
        birth_date=datetime(1950, 1, 1).date(),
        id_number=number,
        address="河南省平顶山市湛河区演示路1号",
        nation="汉",
        issuer="平顶山市公安局湛河分局",
        valid_from=datetime(2016, 3, 1).date(),
        long_term=True,
        source="sim",
    )


def _commit_complete(station: Station, matter_id: str, record: IdCardRecord, staff: Staff) -> None:
    """A case with every material, recorded through the real intake (for the back office)."""
    matter = station.catalogue.matter(matter_id)
    station.intake.commit(
        IntakeRequest(
            action=new_action(),
            matter_id=matter_id,
            applicant=Applicant(Person(name=record.name, id_number=record.id_number)),
            records={m.name: MaterialRecord.as_required(m) for m in matter.materials},
            clerk=staff,
        )
    )


def main(folder: Path, size: tuple[int, int] | None = None) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    app = create_application(sys.argv[:1])
    data = Path(tempfile.mkdtemp(prefix="zhanhe-shots-"))
    station = build_station(data, demo=True, clock=_Clock())
    context = CounterContext.from_station(station, Argon2PasswordHasher(fast=True))
    staff = Staff("zhangmin", "张敏")
    roles = ("window", "backoffice", "supervisor")
    session = LoginSession(staff=staff, roles=roles, started_at=NOW)
    # The demo's simulated reader, as `zhanhe-counter --demo` has: the status bar shows it online.
    reader, _cards = _demo_reader()
    window = MainWindow(context, session, reader=reader, ask_unlock=lambda _w: True)
    reader.start()
    if size is None:
        window.show_fitted()
    else:
        window.resize(*size)
        window.show()
    _settle(1200)
    print(f"window {window.width()}×{window.height()} on {window.screen().size().toTuple()}")

    def _confirm() -> None:
        done: list[object] = []
        window.intake.done.connect(done.append)
        window.intake.confirm()  # what Ctrl+Enter does (no window manager gives focus here)
        _wait(lambda: bool(done))
        window.intake.done.disconnect(done.append)

    def intake(search: str, keys: str, name: str, confirm: bool = True) -> None:
        window.new_intake()
        window.on_card(_card("刘䶮", "410411195001011239"))
        QTest.keyClicks(window.intake.search, search)
        QTest.keyClick(window.intake.search, Qt.Key.Key_Return)
        QTest.keyClicks(window.intake.checklist.table, keys)
        _shot(window, folder, name)
        if confirm:
            _confirm()

    intake("gljt", "124", "intake-rongque.png")
    intake("gljt", "2", "intake-one-time-notice.png", confirm=False)
    QTest.keyClick(window.intake.checklist.table, "r")
    _shot(window, folder, "intake-one-time-notice.png")
    _confirm()
    intake("cxjmjbylbx", "123", "intake-accept-on-spot.png")
    intake("spjy", "", "intake-not-handled.png", confirm=False)

    window.show_my_cases()
    _wait(lambda: window.my_cases.model.rowCount() >= 3)
    _shot(window, folder, "my-cases.png")
    dialog = window.open_case(window.my_cases.model.rows[-1].case_id)
    _wait(lambda: dialog.detail is not None)
    _shot(dialog, folder, "case-detail.png")
    dialog.close()

    window.show_delivery()
    _shot(window, folder, "delivery.png")
    for matter_id, name in (("ZH-005", "王小明"), ("ZH-018", "李芳"), ("ZH-005", "赵六")):
        _commit_complete(station, matter_id, _card(name, "410411195001011239"), staff)
    window.show_workbench()
    window.workbench.refresh()
    window.runner.wait_idle()
    window.workbench.show_tab("acceptance")
    window.workbench.focus_queue()
    _shot(window, folder, "followthrough-workbench.png")
    window.show_supervisor()
    assert window.supervisor is not None
    _wait(lambda: window.supervisor is not None and window.supervisor.report is not None)
    _shot(window, folder, "supervisor-tally.png")

    case = window.my_cases.model.rows[0]
    state = station.store.case_state(case.case_id)
    assert state is not None
    window.applicant_screen.show_case(
        applicant_view(state, station.catalogue), station.progress_url(case.case_number)
    )
    window.applicant_screen.resize(1280, 800)
    window.applicant_screen.show()
    _shot(window.applicant_screen, folder, "followthrough-applicant-case.png")
    window.new_intake()
    window.invite_rating()
    _wait(lambda: window.applicant_screen.pages.currentIndex() == 2)
    window.applicant_screen.resize(1280, 800)
    window.applicant_screen.choose(2)  # 不满意: the chosen level stays lit while reasons are picked
    _shot(window.applicant_screen, folder, "applicant-rating.png")
    window.applicant_screen.close()

    QTimer.singleShot(0, window.close)
    _settle()
    reader.stop()
    station.close()
    app.quit()
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    fixed: tuple[int, int] | None = None
    if "--size" in args:
        at = args.index("--size")
        width, height = args[at + 1].split("x")
        fixed = (int(width), int(height))
        del args[at : at + 2]
    raise SystemExit(main(Path(args[0] if args else "docs/screenshots"), fixed))
