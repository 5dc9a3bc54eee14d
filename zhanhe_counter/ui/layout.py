"""Layout helpers for small screens (小屏幕布局): what scrolls when a counter screen is short.

Counter PCs run 1366×768, or 1440×900 and 1920×1080 at 125–150 % scaling, which leaves as
little as 960×600 logical pixels. A pane whose content is taller than that scrolls instead of
forcing the window past the screen's edge; the page's primary buttons stay outside the scrolling
part so they are always in view.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


def scrolling(content: QWidget, *, horizontal: bool = False) -> QScrollArea:
    """``content`` in a frameless scroll area that scrolls vertically (and maybe sideways)."""
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if not horizontal:
        # Never narrower than the content needs, with room for the vertical scroll bar.
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = area.verticalScrollBar().sizeHint().width()
        area.setMinimumWidth(content.minimumSizeHint().width() + bar)
    return area
