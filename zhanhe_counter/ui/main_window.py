"""The counter's main window (主窗口). A frame for now: header, status bar, the intake area."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QStatusBar, QVBoxLayout, QWidget


@dataclass(frozen=True, slots=True)
class StationInfo:
    """Where this PC sits and who is working (本机信息)."""

    hall: str
    window: str
    clerk: str
    demo: bool


class MainWindow(QMainWindow):
    """主窗口."""

    def __init__(self, station: StationInfo) -> None:
        super().__init__()
        demo = "（演示模式）" if station.demo else ""
        self.setWindowTitle(f"{station.hall} · {station.window} · {station.clerk}{demo}")
        self.header = QLabel(f"{station.hall} · {station.window} · {station.clerk}{demo}")
        self.header.setObjectName("header")
        self.prompt = QLabel("按 F2 开始新办件，或直接刷身份证。")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.header)
        layout.addWidget(self.prompt, 1)
        self.setCentralWidget(body)
        status = QStatusBar()
        self.device_status = QLabel("读卡器：模拟  打印机：模拟" if station.demo else "")
        status.addPermanentWidget(self.device_status)
        self.setStatusBar(status)
        self.resize(1280, 800)
