"""A sortable table over service rows (列表模型), with the coloured countdown column.

Every follow-through list (queues, supplements, follow-ups) is a list of frozen service
dataclasses; a ``Column`` says how one column reads a row, and ``urgency_of`` colours the
countdown the same way everywhere (green in time, amber due soon, red overdue: ``ui.theme``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from zhanhe_counter.services.urgency import Urgency
from zhanhe_counter.ui import theme

Row = TypeVar("Row")

URGENCY_COLOURS = {
    Urgency.OK: theme.OK,
    Urgency.DUE_SOON: theme.WARN,
    Urgency.OVERDUE: theme.BAD,
}


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column: its header, how to read a row, and whether it is the countdown."""

    header: str
    text: Callable[[Row], str]
    countdown: bool = False
    sort_key: Callable[[Row], Any] | None = None


class RowsModel(QAbstractTableModel, Generic[Row]):
    """行列表模型."""

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        urgency_of: Callable[[Row], Urgency] | None = None,
    ) -> None:
        super().__init__()
        self._columns = list(columns)
        self._urgency_of = urgency_of
        self._rows: list[Row] = []

    @property
    def rows(self) -> list[Row]:
        return list(self._rows)

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.UserRole:
            return column.sort_key(row) if column.sort_key else column.text(row)
        if column.countdown and self._urgency_of is not None:
            colour = URGENCY_COLOURS.get(self._urgency_of(row))
            if colour is None:
                return None
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(colour))
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        spec = self._columns[column]
        key = spec.sort_key or spec.text
        self.layoutAboutToBeChanged.emit()
        self._rows.sort(key=key, reverse=order is Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()
