"""签署承诺书: the applicant signs the printed pledge on the pen tablet (签字板).

Opened with Ctrl+G after an intake that printed a 容缺受理承诺书 or 告知承诺书; Enter accepts,
Esc cancels (the paper copy is then signed by hand, as before).
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from zhanhe_counter.ui.signature_pad import SignaturePad


class SignDialog(QDialog):
    def __init__(self, titles: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("申请人签名")
        prompt = QLabel(f"请申请人在签字板上签名，签署：{'、'.join(titles)}")
        prompt.setWordWrap(True)
        self.pad = SignaturePad()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Reset
            | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确认签名")
        buttons.button(QDialogButtonBox.StandardButton.Reset).setText("重签")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Reset).clicked.connect(self.pad.clear)
        self.note = QLabel("")
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.pad)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(560, 260)

    def _accept(self) -> None:
        if self.pad.is_empty():
            self.note.setText("尚未签名。")
            return
        self.accept()


def ask_signature(parent: QWidget, titles: list[str]) -> bytes | None:
    dialog = SignDialog(titles, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.pad.to_png()
