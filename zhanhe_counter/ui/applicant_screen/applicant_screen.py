"""群众端屏幕: the monitor facing the applicant (or a window on the only monitor).

Large type (≥ 28 px), high contrast, nothing clerk-only: the matter, what was received, what is
still missing and by when, the promised date, and the case number as a QR code to photograph.
After service, five large rating buttons; the two lowest ask why with a few large choices. The
rating goes straight to ``RatingService`` from here; the clerk's window only receives
``rated(RatingReceipt)``, which carries no level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.case import CaseState
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.services.rating import RatingInvitation, RatingService
from zhanhe_counter.services.rating_scale import BAD_RATING_REASONS, RATING_LABELS, is_bad

BASE_PX = 30  # docs/ui.md, Sizes: at least 28 px
_COLOURS = {5: "#1b5e20", 4: "#2e7d32", 3: "#546e7a", 2: "#b26a00", 1: "#c62828"}
_STYLE = f"""
QWidget#applicantScreen {{ background: #ffffff; }}
QLabel {{ color: #000000; font-size: {BASE_PX}px; }}
QLabel#big {{ font-size: {BASE_PX + 14}px; font-weight: bold; color: #0d3c78; }}
QLabel#missing {{ color: #b00020; font-weight: bold; }}
QPushButton {{ font-size: {BASE_PX}px; min-height: 96px; padding: 8px 18px; color: white;
              border-radius: 10px; }}
QPushButton#reason {{ background: #eceff1; color: black; min-height: 72px; }}
QPushButton#reason:checked {{ background: #0d3c78; color: white; }}
QPushButton#submit {{ background: #0d3c78; }}
QPushButton:disabled {{ background: #b0bec5; }}
QPushButton#level:checked {{ border: 8px solid #ffd600; font-weight: bold; }}
QLabel#counter {{ font-size: {BASE_PX + 4}px; color: #37474f; }}
"""


@dataclass(frozen=True, slots=True)
class ApplicantView:
    """What the applicant may see of the case (群众可见信息)."""

    case_number: str
    matter_name: str
    received: tuple[str, ...]
    missing: tuple[str, ...]
    missing_due: date | None
    promised_due: date | None


def applicant_view(state: CaseState, catalogue: Catalogue) -> ApplicantView:
    """The applicant's view of ``state``: no clerk names, no ID numbers."""
    matter = catalogue.matters.get(state.matter_id or "")
    missing = (*state.outstanding_rongque, *state.outstanding_notice)
    due = state.rongque_due if state.outstanding_rongque else state.notice_due
    return ApplicantView(
        case_number=state.case_number or "",
        matter_name=matter.name if matter else (state.matter_id or ""),
        received=tuple(i.name for i in state.received_materials),
        missing=tuple(i.name for i in missing),
        missing_due=due if missing else None,
        promised_due=state.promised_due,
    )


def qr_pixmap(text: str, size: int = 240) -> QPixmap:
    """A QR code of ``text`` drawn black on white, ``size`` pixels square."""
    import qrcode  # loaded with the first case shown, not at start

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    cells = len(matrix)
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    cell = size / cells
    for y, line in enumerate(matrix):
        for x, dark in enumerate(line):
            if dark:
                painter.fillRect(
                    int(x * cell), int(y * cell), int(cell + 1), int(cell + 1), QColor("black")
                )
    painter.end()
    return QPixmap.fromImage(image)


class ApplicantScreen(QWidget):
    """群众端屏幕. ``ApplicantScreen(rating_service)``, then ``place()``."""

    rated = Signal(object)  # RatingReceipt: the clerk learns that, not how, the applicant rated

    def __init__(self, rating: RatingService, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._rating = rating
        self._invitation: RatingInvitation | None = None
        self.level: int | None = None  # the choice in progress, on this screen only
        self.setObjectName("applicantScreen")
        self.setWindowTitle("湛河区政务服务中心 · 办事群众")
        self.setStyleSheet(_STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.pages = QStackedWidget()
        welcome_page = QWidget()
        self.counter_name = QLabel("")
        self.counter_name.setObjectName("counter")
        self.counter_name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.counter_name.setWordWrap(True)
        self.welcome = QLabel("欢迎办事\n请将身份证放在读卡器上")
        self.welcome.setObjectName("big")
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        welcome_layout = QVBoxLayout(welcome_page)
        welcome_layout.addStretch(1)
        welcome_layout.addWidget(self.counter_name)
        welcome_layout.addWidget(self.welcome)
        welcome_layout.addStretch(2)
        self.pages.addWidget(welcome_page)
        self.pages.addWidget(self._case_page())
        self.pages.addWidget(self._rating_page())
        self.thanks = QLabel("感谢您的评价！")
        self.thanks.setObjectName("big")
        self.thanks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self.thanks)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.resize(1280, 800)

    # ------------------------------------------------------------------ placement

    def set_counter(self, name: str) -> None:
        """The window's name and number on the welcome screen (3号综合窗口 …)."""
        self.counter_name.setText(name)

    def place_at_login(self) -> None:
        """Up from login on a second monitor, with the welcome; with one monitor it waits for
        the first case or rating, so it does not cover the clerk's window."""
        if len(QGuiApplication.screens()) > 1:
            self.show_welcome()
            self.place()

    def place(self) -> None:
        """Full screen on the second monitor if there is one; a window on the only one."""
        screens = QGuiApplication.screens()
        if len(screens) > 1:
            self.setGeometry(screens[1].geometry())
            self.showFullScreen()
        else:
            self.show()

    # ------------------------------------------------------------------ the case

    def _case_page(self) -> QWidget:
        page = QWidget()
        self.matter = QLabel("")
        self.matter.setObjectName("big")
        self.matter.setWordWrap(True)
        self.received = QLabel("")
        self.received.setWordWrap(True)
        self.missing = QLabel("")
        self.missing.setObjectName("missing")
        self.missing.setWordWrap(True)
        self.promised = QLabel("")
        self.number = QLabel("")
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QVBoxLayout()
        for label in (self.matter, self.received, self.missing, self.promised, self.number):
            text.addWidget(label)
        text.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.qr)
        hint = QLabel("扫码查询办理进度")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right.addWidget(hint)
        right.addStretch(1)
        row = QHBoxLayout(page)
        row.addLayout(text, 3)
        row.addLayout(right, 1)
        return page

    def show_case(self, view: ApplicantView, progress_url: str | None = None) -> None:
        self.matter.setText(view.matter_name)
        received = "、".join(view.received) if view.received else "无"
        self.received.setText(f"已收材料：{received}")
        if view.missing:
            due = f"，请于 {view.missing_due:%Y年%m月%d日} 前补齐" if view.missing_due else ""
            self.missing.setText(f"还需补交：{'、'.join(view.missing)}{due}")
            self.missing.show()
        else:
            self.missing.hide()
        if view.promised_due:
            self.promised.setText(f"承诺办结日期：{view.promised_due:%Y年%m月%d日}")
        else:
            self.promised.setText("")
        self.number.setText(f"办件编号：{view.case_number}")
        self.qr.setPixmap(qr_pixmap(progress_url or view.case_number))
        self.pages.setCurrentIndex(1)

    def show_welcome(self) -> None:
        self.pages.setCurrentIndex(0)

    # ------------------------------------------------------------------ rating

    def _rating_page(self) -> QWidget:
        page = QWidget()
        title = QLabel("请您对本次服务进行评价")
        title.setObjectName("big")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.level_buttons: dict[int, QPushButton] = {}
        levels = QHBoxLayout()
        for level, label in RATING_LABELS.items():
            button = QPushButton(label)
            button.setObjectName("level")
            button.setCheckable(True)  # the chosen level stays highlighted
            button.setAutoExclusive(True)
            button.setStyleSheet(f"background: {_COLOURS[level]};")
            button.clicked.connect(lambda _=False, lv=level: self.choose(lv))
            self.level_buttons[level] = button
            levels.addWidget(button)
        self.reason_title = QLabel("请告诉我们哪里做得不好（可多选）：")
        self.reason_buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for index, reason in enumerate(BAD_RATING_REASONS):
            button = QPushButton(reason)
            button.setObjectName("reason")
            button.setCheckable(True)
            self.reason_buttons[reason] = button
            grid.addWidget(button, index // 4, index % 4)
        self.submit_button = QPushButton("提交评价")
        self.submit_button.setObjectName("submit")
        self.submit_button.clicked.connect(self.submit)
        self.rating_error = QLabel("")
        self.rating_error.setObjectName("missing")
        self.reasons_box = QWidget()
        box = QVBoxLayout(self.reasons_box)
        box.addWidget(self.reason_title)
        box.addLayout(grid)
        box.addWidget(self.submit_button)
        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addLayout(levels)
        layout.addWidget(self.reasons_box)
        layout.addWidget(self.rating_error)
        layout.addStretch(1)
        return page

    def ask_rating(self, invitation: RatingInvitation) -> None:
        """Show the five buttons for ``invitation`` (the clerk presses 邀请评价)."""
        self._invitation = invitation
        self.level = None
        for button in self.reason_buttons.values():
            button.setChecked(False)
        self.reasons_box.hide()
        self.rating_error.clear()
        for button in self.level_buttons.values():  # no level is chosen yet
            button.setAutoExclusive(False)
            button.setChecked(False)
            button.setAutoExclusive(True)
        self.pages.setCurrentIndex(2)

    def choose(self, level: int) -> None:
        """A level button: good levels submit at once; the two lowest ask why first."""
        self.level = level
        self.level_buttons[level].setChecked(True)
        if is_bad(level):
            self.reasons_box.show()
            return
        self.submit()

    def chosen_reasons(self) -> list[str]:
        return [r for r, b in self.reason_buttons.items() if b.isChecked()]

    def submit(self) -> None:
        invitation, level = self._invitation, self.level
        if invitation is None or level is None:
            return
        reasons: Sequence[str] = self.chosen_reasons() if is_bad(level) else ()
        try:
            receipt = self._rating.submit(invitation, level, reasons)
        except DomainError as error:
            self.rating_error.setText(error.user_message)
            return
        self._invitation = None
        self.level = None
        self.thanks.setText(f"感谢您的评价！\n您的评价：{RATING_LABELS[level]}")
        self.pages.setCurrentIndex(3)
        self.rated.emit(receipt)
