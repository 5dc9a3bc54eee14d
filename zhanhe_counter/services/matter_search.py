"""Matter search (事项搜索): Chinese name, full pinyin, pinyin initials or code.

``spjy`` finds 食品经营许可, ``shipin`` too, ``ZH-001`` by its id, and the official catalogue
and implementation codes work as well. The index is built once (pypinyin is slow compared with a
keystroke), so a search is a scan over short strings: thousands of matters stay well under a
frame. Matters this window handles come first; the others still show, saying where they are
handled, because the clerk must tell the applicant where to go (首问负责). Text that matches
nothing returns the closest matters, marked as such.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import IntEnum

from pypinyin import Style, lazy_pinyin

from zhanhe_counter.domain.matters import Catalogue, Matter
from zhanhe_counter.domain.windows import HallDirectory, WindowConfig

DEFAULT_LIMIT = 20
_CLOSEST_LIMIT = 5
_CLOSEST_CUTOFF = 0.3
_NOT_ALNUM = re.compile(r"[^0-9a-z]")


class MatchKind(IntEnum):
    """How a matter matched; lower ranks first."""

    CODE = 0
    PREFIX = 1
    CONTAINS = 2
    CLOSEST = 3


@dataclass(frozen=True, slots=True)
class MatterHit:
    """One search result (搜索结果)."""

    matter: Matter
    handled_here: bool
    match: MatchKind
    where: str | None = None  # for a matter this window does not handle: where to go

    @property
    def flow_label(self) -> str:
        return self.matter.window_flow.value


@dataclass(frozen=True, slots=True)
class _Entry:
    matter: Matter
    name: str
    pinyin: str
    initials: str
    codes: tuple[str, ...]


def _letters(syllables: list[str]) -> list[str]:
    return [_NOT_ALNUM.sub("", s.lower()) for s in syllables]


def _index_entry(matter: Matter) -> _Entry:
    # Only the Chinese part of the name gives pinyin; Latin letters and digits stay as written.
    syllables = [s for s in _letters(lazy_pinyin(matter.name)) if s]
    initials = [s for s in _letters(lazy_pinyin(matter.name, style=Style.FIRST_LETTER)) if s]
    codes = tuple(c.upper() for c in (matter.id, matter.catalog_code, matter.impl_code) if c)
    return _Entry(matter, matter.name, "".join(syllables), "".join(initials), codes)


class MatterSearch:
    """Searches the catalogue the way the clerk types (see the module docstring)."""

    def __init__(
        self, catalogue: Catalogue, window: WindowConfig, directory: HallDirectory | None = None
    ) -> None:
        self.window = window
        self.directory = directory
        self._entries = [_index_entry(m) for m in catalogue]

    def search(self, text: str, *, limit: int = DEFAULT_LIMIT) -> list[MatterHit]:
        needle = text.strip()
        if not needle:
            return [self._hit(e.matter, MatchKind.PREFIX) for e in self._own_first(self._entries)][
                :limit
            ]
        found: list[tuple[MatchKind, _Entry]] = []
        for entry in self._entries:
            kind = _match(entry, needle)
            if kind is not None:
                found.append((kind, entry))
        if not found:
            return self._closest(needle, limit)
        found.sort(
            key=lambda pair: (
                not self.window.handles(pair[1].matter),
                pair[0],
                len(pair[1].name),
                pair[1].matter.id,
            )
        )
        return [self._hit(entry.matter, kind) for kind, entry in found[:limit]]

    def handled(self) -> list[Matter]:
        """The matters this window handles, in catalogue order."""
        return [e.matter for e in self._entries if self.window.handles(e.matter)]

    def _own_first(self, entries: list[_Entry]) -> list[_Entry]:
        return sorted(entries, key=lambda e: not self.window.handles(e.matter))

    def _closest(self, needle: str, limit: int) -> list[MatterHit]:
        lowered = _NOT_ALNUM.sub("", needle.lower())
        scored: list[tuple[float, _Entry]] = []
        for entry in self._entries:
            ratio = max(
                difflib.SequenceMatcher(None, needle, entry.name).ratio(),
                difflib.SequenceMatcher(None, lowered, entry.pinyin).ratio() if lowered else 0.0,
                difflib.SequenceMatcher(None, lowered, entry.initials).ratio() if lowered else 0.0,
            )
            if ratio >= _CLOSEST_CUTOFF:
                scored.append((ratio, entry))
        scored.sort(key=lambda pair: (-pair[0], not self.window.handles(pair[1].matter)))
        return [
            self._hit(e.matter, MatchKind.CLOSEST) for _, e in scored[: min(limit, _CLOSEST_LIMIT)]
        ]

    def _hit(self, matter: Matter, kind: MatchKind) -> MatterHit:
        here = self.window.handles(matter)
        where = None
        if not here:
            where = (
                self.directory.where_handled(matter, near=self.window)
                if self.directory is not None
                else f"请咨询{matter.department}"
            )
        return MatterHit(matter=matter, handled_here=here, match=kind, where=where)


def _match(entry: _Entry, needle: str) -> MatchKind | None:
    upper = needle.upper()
    if upper in entry.codes:
        return MatchKind.CODE
    if entry.name.startswith(needle):
        return MatchKind.PREFIX
    lowered = _NOT_ALNUM.sub("", needle.lower())
    if lowered and (entry.initials.startswith(lowered) or entry.pinyin.startswith(lowered)):
        return MatchKind.PREFIX
    if needle in entry.name:
        return MatchKind.CONTAINS
    if lowered and (lowered in entry.initials or lowered in entry.pinyin):
        return MatchKind.CONTAINS
    if any(upper in code for code in entry.codes):
        return MatchKind.CONTAINS
    return None
