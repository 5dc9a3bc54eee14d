"""First-run setup of this PC (本机初始设置): station code, window, kind and matters."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.windows import WindowKind
from zhanhe_counter.services.setup import SetupService, StationSetup


class SetupDialog(QDialog):
    """本机设置: pick the window from the hall directory, check its matters, give the code."""

    def __init__(self, service: SetupService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.saved: StationSetup | None = None
        self.setWindowTitle("本机初始设置")
        self.window_choice = QComboBox()
        for window in service.directory.windows:
            self.window_choice.addItem(f"{window.display_name}（{window.kind.value}）", window.id)
        self.station_code = QLineEdit()
        self.station_code.setPlaceholderText("区划代码6位 + 终端2位，如 41041101")
        self.kind = QComboBox()
        for kind in WindowKind:
            self.kind.addItem(kind.value, kind)
        self.matters = QListWidget()
        self.error = QLabel("")
        self.error.setObjectName("problem")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("窗口", self.window_choice)
        form.addRow("站点编码", self.station_code)
        form.addRow("窗口类型", self.kind)
        form.addRow("办理事项", self.matters)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.window_choice.currentIndexChanged.connect(self._window_changed)
        self._window_changed()

    def _window_changed(self) -> None:
        window_id = str(self.window_choice.currentData())
        proposal = self.service.proposal_for(window_id, station_code="")
        self.kind.setCurrentIndex(list(WindowKind).index(proposal.kind))
        chosen = set(proposal.matter_ids)
        window = self.service.directory.window(window_id)
        self.matters.clear()
        for matter in self.service.catalogue:
            item = QListWidgetItem(f"{matter.id} {matter.name}")
            item.setData(Qt.ItemDataRole.UserRole, matter.id)
            ticked = matter.id in chosen or window.handles(matter)
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            self.matters.addItem(item)

    def setup(self) -> StationSetup:
        window_id = str(self.window_choice.currentData())
        window = self.service.directory.window(window_id)
        matter_ids = tuple(
            str(self.matters.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.matters.count())
            if self.matters.item(i).checkState() is Qt.CheckState.Checked
        )
        return StationSetup(
            station_id=f"{window.hall.id}-{window.id}",
            station_code=self.station_code.text().strip(),
            window_id=window.id,
            window_name=window.name,
            hall_id=window.hall.id,
            kind=WindowKind(self.kind.currentData()),
            matter_ids=matter_ids,
            departments=window.departments,
        )

    def save(self) -> None:
        try:
            self.service.save(self.setup())
        except DomainError as error:
            self.error.setText(error.user_message)
            return
        self.saved = self.service.current()
        self.accept()
