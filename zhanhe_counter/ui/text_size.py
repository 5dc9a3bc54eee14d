"""The larger-text switch (字号), remembered per clerk on this PC.

Many clerks read small text badly (docs/ui.md, Sizes). Ctrl+= steps the window's type through
:data:`~zhanhe_counter.ui.theme.TEXT_SIZES` (100 %, 125 %, 150 %); the choice is kept per login
id in the user's Qt settings, so the next login of the same clerk starts at their size. It is a
preference of the desk, not a record of the case, so it does not go into the station database.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QSettings

from zhanhe_counter.ui.theme import TEXT_SIZES


class TextSizes(Protocol):
    """Where each clerk's text size is kept."""

    def load(self, staff_id: str) -> int: ...

    def save(self, staff_id: str, percent: int) -> None: ...


class SettingsTextSizes:
    """In the OS user's Qt settings (the registry on Windows, an ini file on Linux)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings or QSettings("zhanhe", "counter")

    def load(self, staff_id: str) -> int:
        value = self._settings.value(f"text_size/{staff_id}", TEXT_SIZES[0])
        try:
            percent = int(str(value))
        except ValueError:
            return TEXT_SIZES[0]
        return percent if percent in TEXT_SIZES else TEXT_SIZES[0]

    def save(self, staff_id: str, percent: int) -> None:
        self._settings.setValue(f"text_size/{staff_id}", percent)
        self._settings.sync()


def next_size(percent: int) -> int:
    """The size after ``percent`` in the cycle 100 → 125 → 150 → 100."""
    sizes = list(TEXT_SIZES)
    return sizes[(sizes.index(percent) + 1) % len(sizes)] if percent in sizes else sizes[0]
