"""The look (外观): one calm accent colour; status colours that mean the same everywhere."""

from __future__ import annotations

ACCENT = "#1f5fa8"
OK = "#2e7d32"  # green: done, working, in time
WARN = "#b26a00"  # amber: due soon, attention
BAD = "#c62828"  # red: overdue, broken, refused
MUTED = "#757575"
PANEL = "#f5f7fa"

OUTCOME_COLOURS = {
    "complete": OK,
    "rongque": WARN,
    "incomplete": BAD,
    "not_handled": BAD,
}

STYLESHEET = f"""
QMainWindow, QDialog {{ background: white; }}
QLabel#header {{ font-size: 17px; font-weight: bold; color: {ACCENT}; }}
QLabel#outcome {{ font-size: 24px; font-weight: bold; }}
QLabel#sectionTitle {{ font-weight: bold; color: {ACCENT}; }}
QLabel#hint {{ color: {MUTED}; }}
QLabel#problem {{ color: {BAD}; }}
QLabel#countdown {{ font-size: 22px; font-weight: bold; color: {WARN}; }}
QFrame#panel {{ background: {PANEL}; border: 1px solid #dde3ea; border-radius: 4px; }}
QFrame#panel QScrollArea, QWidget#panelText {{ background: transparent; border: none; }}
QToolBar#keys {{ spacing: 2px; }}
QToolBar#keys QToolButton {{ padding: 4px 8px; }}
QPushButton {{ padding: 5px 12px; }}
QPushButton#primary {{ background: {ACCENT}; color: white; font-weight: bold; padding: 8px 14px; }}
QPushButton#primary:disabled {{ background: #9fb4cc; }}
QTableView {{ gridline-color: #e3e7ec; selection-background-color: #d6e4f5;
             selection-color: black; }}
"""


def dot(colour: str) -> str:
    """A coloured status dot as rich text."""
    return f'<span style="color:{colour}">●</span>'
