"""Middle pane: what (材料清单). One row per material, driven by the keyboard.

Keys while the list has focus:
  1–9, 0 (=10)  toggle that row between 未收 and 已收 as required (a greyed conditional row is
                switched on first: the applicant brought it because its condition applies)
  ↑ ↓           move        Enter  mark the current row as required and go to the next
  Space         original inspected (核验原件) on/off         + / -  one copy more / less
  S             obtained by data sharing (共享免交)            G      replaced by 告知承诺
  N             not conforming (不符合要求)                     Delete switch a condition off
  R             applicant declines 容缺 (then 一次性告知)       P      online pre-review passed
  C             capture the row's pages (高拍仪 or scanner, docs/materials.md)
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.checklist import (
    ApplicantSituation,
    MaterialRecord,
    RecordState,
    applicable_materials,
)
from zhanhe_counter.domain.matters import Material, Matter, OriginalHandling
from zhanhe_counter.ui import theme

HINT = (
    "数字键 切换材料 · 空格 已核原件 · +/- 份数 · S 共享免交 · G 告知承诺 · N 不符合 · "
    "R 不同意容缺 · P 网上预审 · C 拍照/扫描 · Ctrl+Enter 确认并打印"
)
_COLUMNS = ("号", "状态", "材料", "窗口操作", "说明")


def record_text(material: Material, record: MaterialRecord | None) -> tuple[str, str]:
    """The status cell: its text and its colour."""
    if record is None or record.state is RecordState.MISSING:
        return "☐ 未收", theme.MUTED
    if record.state is RecordState.SHARED_EXEMPT:
        return "☑ 共享免交", theme.OK
    if record.state is RecordState.GAOZHI_CHENGNUO:
        return "☑ 告知承诺", theme.OK
    if record.state is RecordState.NOT_CONFORMING:
        return "✗ 不符合要求", theme.BAD
    parts: list[str] = []
    short = False
    if material.needs_original:
        if material.original_handling is OriginalHandling.INSPECT_AND_RETURN:
            parts.append("已核原件" if record.original_checked else "未核原件")
            short = short or not record.original_checked
        else:
            parts.append(f"原件{record.originals}份")
            short = short or record.originals < material.original_count
    if material.needs_copies:
        parts.append(f"复印件{record.copies}份")
        short = short or record.copies < material.copy_count
    return ("⚠ " if short else "☑ ") + " ".join(
        parts or ["已收"]
    ), theme.WARN if short else theme.OK


def _notes(material: Material) -> str:
    notes: list[str] = []
    if material.rongque_allowed:
        notes.append("可容缺")
    if material.shared_exempt:
        notes.append("可共享免交")
    if material.gaozhi_chengnuo:
        notes.append("可告知承诺")
    return " ".join(notes)


class ChecklistPanel(QFrame):
    """材料清单 of one matter, with the applicant's situation (情形) toggles."""

    changed = Signal()
    problem = Signal(str)  # a key that cannot apply to the row, said in Chinese
    capture_requested = Signal(str, str)  # material id (its catalogue number), name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.matter: Matter | None = None
        self.records: dict[str, MaterialRecord] = {}
        self.conditions: set[str] = set()
        self.is_agent = False
        self.page_counts: dict[str, int] = {}  # material id -> pages captured (材料影像)
        self.title = QLabel("事项：未选择（按 / 搜索）")
        self.title.setObjectName("sectionTitle")
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(4, 110)
        self.table.installEventFilter(self)
        self.rongque_declined = QCheckBox("申请人不同意容缺（R）")
        self.pre_reviewed = QCheckBox("网上预审已通过（P）")
        self.rongque_declined.toggled.connect(self._emit_changed)
        self.pre_reviewed.toggled.connect(self._emit_changed)
        hint = QLabel(HINT)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        toggles = QHBoxLayout()
        toggles.addWidget(self.pre_reviewed)
        toggles.addWidget(self.rongque_declined)
        toggles.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(toggles)
        layout.addWidget(hint)

    def _emit_changed(self) -> None:
        self.changed.emit()

    # ------------------------------------------------------------------ state

    def set_matter(self, matter: Matter | None) -> None:
        self.matter = matter
        self.records = {}
        self.conditions = set()
        self.page_counts = {}
        self.rongque_declined.setChecked(False)
        self.pre_reviewed.setChecked(False)
        if matter is None:
            self.title.setText("事项：未选择（按 / 搜索）")
        else:
            limit = matter.promised_limit
            promise = f" · 承诺{limit.value}{limit.unit.value}" if limit and limit.value else ""
            self.title.setText(
                f"事项：{matter.name}  {matter.window_flow.value}{promise} · {matter.department}"
            )
        self._rebuild()
        if matter is not None and matter.materials:
            self.table.selectRow(0)
        self.changed.emit()

    def set_agent(self, on: bool) -> None:
        self.is_agent = on
        self._rebuild()
        self.changed.emit()

    def situation(self) -> ApplicantSituation:
        return ApplicantSituation(
            conditions=frozenset(self.conditions),
            is_agent=self.is_agent,
            pre_reviewed_online=self.pre_reviewed.isChecked(),
            accepts_rongque=not self.rongque_declined.isChecked(),
        )

    def applicable(self) -> tuple[Material, ...]:
        if self.matter is None:
            return ()
        gaozhi = any(r.state is RecordState.GAOZHI_CHENGNUO for r in self.records.values())
        return applicable_materials(self.matter, self.situation(), gaozhi_used=gaozhi)

    def current_records(self) -> dict[str, MaterialRecord]:
        names = {m.name for m in self.applicable()}
        return {name: r for name, r in self.records.items() if name in names}

    def current_row(self) -> int:
        return max(self.table.currentRow(), 0)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only

    # ------------------------------------------------------------------ actions (also for tests)

    def toggle(self, number: int) -> None:
        """The number key: 未收 ↔ 已收 as required (switching a greyed condition on first)."""
        material = self._material(number)
        if material is None:
            return
        self.table.selectRow(number - 1)
        if material not in self.applicable() and material.conditional_on:
            self.conditions.add(material.conditional_on)
            self.records[material.name] = MaterialRecord.as_required(material)
        elif self._is_in(material):
            self.records.pop(material.name, None)
        else:
            self.records[material.name] = MaterialRecord.as_required(material)
        self._refresh()

    def mark_and_next(self) -> None:
        row = self.current_row()
        material = self._material(row + 1)
        if material is None:
            return
        if material in self.applicable():
            self.records[material.name] = MaterialRecord.as_required(material)
        if row + 1 < self.table.rowCount():
            self.table.selectRow(row + 1)
        self._refresh()

    def toggle_original(self) -> None:
        material = self._material(self.current_row() + 1)
        if material is None:
            return
        if not material.needs_original:
            self.problem.emit(f"“{material.name}”不需要原件。")
            return
        record = self._provided(material)
        if material.original_handling is OriginalHandling.INSPECT_AND_RETURN:
            record = replace(record, original_checked=not record.original_checked)
        else:
            full = record.originals >= material.original_count
            record = replace(record, originals=0 if full else material.original_count)
        self.records[material.name] = record
        self._refresh()

    def change_copies(self, delta: int) -> None:
        material = self._material(self.current_row() + 1)
        if material is None:
            return
        record = self._provided(material)
        if material.needs_copies:
            record = replace(record, copies=max(0, record.copies + delta))
        elif material.original_handling is OriginalHandling.COLLECT:
            record = replace(record, originals=max(0, record.originals + delta))
        else:
            self.problem.emit(f"“{material.name}”不收取复印件。")
            return
        self.records[material.name] = record
        self._refresh()

    def set_state(self, state: RecordState) -> None:
        material = self._material(self.current_row() + 1)
        if material is None:
            return
        allowed = {
            RecordState.SHARED_EXEMPT: (material.shared_exempt, "不能通过数据共享免交"),
            RecordState.GAOZHI_CHENGNUO: (material.gaozhi_chengnuo, "不适用告知承诺"),
            RecordState.NOT_CONFORMING: (True, ""),
        }
        ok, why = allowed.get(state, (True, ""))
        if not ok:
            self.problem.emit(f"“{material.name}”{why}。")
            return
        current = self.records.get(material.name)
        if current is not None and current.state is state:
            self.records.pop(material.name)
        elif state is RecordState.NOT_CONFORMING:
            self.records[material.name] = MaterialRecord.not_conforming("")
        else:
            self.records[material.name] = MaterialRecord(state)
        self._refresh()

    def request_capture(self) -> None:
        material = self._material(self.current_row() + 1)
        if material is not None:
            self.capture_requested.emit(str(self.current_row() + 1), material.name)

    def show_pages(self, material_id: str, count: int) -> None:
        self.page_counts[material_id] = count
        self._refresh()

    def drop_condition(self) -> None:
        material = self._material(self.current_row() + 1)
        if material is None or not material.conditional_on:
            return
        self.conditions.discard(material.conditional_on)
        self.records.pop(material.name, None)
        self._refresh()

    # ------------------------------------------------------------------ keyboard

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if self._key(event):
                return True
        return super().eventFilter(watched, event)

    def _key(self, event: QKeyEvent) -> bool:
        if getattr(self, "_read_only", False) or self.matter is None:
            return False
        if event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            return False
        key = event.key()
        text = event.text()
        if text.isdigit() and len(text) == 1:
            self.toggle(10 if text == "0" else int(text))
            return True
        actions = {
            Qt.Key.Key_Space: self.toggle_original,
            Qt.Key.Key_Return: self.mark_and_next,
            Qt.Key.Key_Enter: self.mark_and_next,
            Qt.Key.Key_Delete: self.drop_condition,
        }
        if key in actions:
            actions[Qt.Key(key)]()
            return True
        if text in ("+", "="):
            self.change_copies(+1)
            return True
        if text == "-":
            self.change_copies(-1)
            return True
        letters = {
            "s": lambda: self.set_state(RecordState.SHARED_EXEMPT),
            "g": lambda: self.set_state(RecordState.GAOZHI_CHENGNUO),
            "n": lambda: self.set_state(RecordState.NOT_CONFORMING),
            "r": self.rongque_declined.toggle,
            "p": self.pre_reviewed.toggle,
            "c": self.request_capture,
        }
        action = letters.get(text.lower())
        if action is not None:
            action()
            return True
        return False

    # ------------------------------------------------------------------ drawing

    def _material(self, number: int) -> Material | None:
        if self.matter is None or not 1 <= number <= len(self.matter.materials):
            return None
        return self.matter.materials[number - 1]

    def _is_in(self, material: Material) -> bool:
        record = self.records.get(material.name)
        return record is not None and record.state is not RecordState.MISSING

    def _provided(self, material: Material) -> MaterialRecord:
        record = self.records.get(material.name)
        if record is None or record.state is not RecordState.PROVIDED:
            return MaterialRecord.provided()
        return record

    def _refresh(self) -> None:
        row = self.table.currentRow()
        self._rebuild()
        if row >= 0:
            self.table.selectRow(row)
        self.changed.emit()

    def _rebuild(self) -> None:
        matter = self.matter
        materials = matter.materials if matter else ()
        applicable = set(self.applicable())
        self.table.setRowCount(len(materials))
        grey = QBrush(QColor("#b0b0b0"))
        for index, material in enumerate(materials):
            active = material in applicable
            record = self.records.get(material.name) if active else None
            status, colour = record_text(material, record) if active else ("— 不适用", "#b0b0b0")
            if pages := self.page_counts.get(str(index + 1)):
                status += f"\n影像{pages}页"
            cells = (
                str(index + 1),
                status,
                material.name
                + ("" if material.necessity.value == "必要" else "（非必要）")
                + (f"\n（{material.conditional_on}）" if material.conditional_on else ""),
                material.clerk_action,
                _notes(material),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not active:
                    item.setForeground(grey)
                elif column == 1:
                    item.setForeground(QBrush(QColor(colour)))
                self.table.setItem(index, column, item)
        self.table.resizeRowsToContents()
