"""The look (外观): one calm accent colour; status colours that mean the same everywhere."""

from __future__ import annotations

#: docs/ui.md, Sizes: a readable base size (>= 14 px) for clerks who read small text badly.
BASE_FONT_PX = 15
#: The larger-text switch (字号): percentages of the base size, remembered per clerk.
TEXT_SIZES = (100, 125, 150)

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


def stylesheet(scale: float = 1.0) -> str:
    """The window's style sheet, its type sizes times ``scale`` (the larger-text switch)."""

    def px(size: int) -> str:
        return f"{round(size * scale)}px"

    return f"""
QWidget {{ font-size: {px(BASE_FONT_PX)}; }}
QMainWindow, QDialog {{ background: white; }}
QLabel#header {{ font-size: {px(17)}; font-weight: bold; color: {ACCENT}; }}
QLabel#outcome {{ font-size: {px(24)}; font-weight: bold; }}
QLabel#sectionTitle {{ font-weight: bold; color: {ACCENT}; }}
QLabel#hint {{ color: {MUTED}; }}
QLabel#problem {{ color: {BAD}; }}
QLabel#countdown {{ font-size: {px(22)}; font-weight: bold; color: {WARN}; }}
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


STYLESHEET = stylesheet()


def dot(colour: str) -> str:
    """A coloured status dot as rich text."""
    return f'<span style="color:{colour}">●</span>'
