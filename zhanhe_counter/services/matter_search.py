"""Matter search (事项搜索): Chinese name, full pinyin, pinyin initials or code.

``spjy`` finds 食品经营许可, ``shipin`` too, ``ZH-001`` by its id, and the official catalogue
and implementation codes work as well. Matters this window handles come first; the others still
show, saying where they are handled, because the clerk must tell the applicant where to go
(首问负责). Text that matches nothing returns the closest matters, marked as such.

Every keystroke searches, so with thousands of matters the per-matter Python work must go: the
index joins each field of every matter into one string (:class:`_Column`), a substring search is
``str.find`` over it, and the closest matters come from rapidfuzz's C scorer (the Indel ratio,
the same ``2·matches / total length`` that ``difflib`` approximates). pypinyin is imported and run
only when the index is built.
"""

from __future__ import annotations

import heapq
import re
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from enum import IntEnum

from zhanhe_counter.domain.matters import Catalogue, Matter
from zhanhe_counter.domain.windows import HallDirectory, WindowConfig

DEFAULT_LIMIT = 20
_CLOSEST_LIMIT = 5
_CLOSEST_CUTOFF = 30.0  # rapidfuzz scores are percentages
_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_SEPARATOR = "\x00"  # between the entries of a column; no typed text contains it


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


class _Column:
    """One field of every entry joined into one string, for C-speed substring search.

    Values are in entry order; ``owners[k]`` is the entry the k-th value belongs to (a matter
    has up to three codes), so a scan meets the entries in rank order and can stop early.
    """

    def __init__(self, values: list[tuple[int, str]]) -> None:
        self.owners = [owner for owner, _ in values]
        self.starts: list[int] = []
        offset = 1
        for _, value in values:
            self.starts.append(offset)
            offset += len(value) + 1
        self.text = _SEPARATOR + _SEPARATOR.join(value for _, value in values) + _SEPARATOR

    def containing(
        self, needle: str, entries: range, limit: int, *, prefix: bool = False
    ) -> list[int]:
        """The first ``limit`` entries in ``entries`` with a value containing (or, with
        ``prefix``, starting with) ``needle``, in entry order."""
        shift = 1 if prefix else 0  # a prefix is searched with the separator before it
        pattern = _SEPARATOR * shift + needle
        owners, starts, find = self.owners, self.starts, self.text.find
        first = bisect_left(owners, entries.start)
        if first >= len(starts):
            return []
        end = starts[bisect_left(owners, entries.stop)] if entries.stop <= owners[-1] else None
        found: list[int] = []
        pos = find(pattern, starts[first] - shift, end)
        while pos >= 0 and len(found) < limit:
            k = bisect_right(starts, pos + shift) - 1
            if not found or found[-1] != owners[k]:
                found.append(owners[k])
            if k + 1 >= len(starts):
                break
            pos = find(pattern, starts[k + 1] - shift, end)
        return found


class _Index:
    """The searchable form of the catalogue, built once (pypinyin is slow next to a keystroke).

    Entries are in rank order: this window's matters first, then shorter names, then by id, so
    the first matches a scan meets are the ones shown.
    """

    def __init__(self, matters: list[Matter], window: WindowConfig) -> None:
        from pypinyin import Style, lazy_pinyin

        ranked = sorted(matters, key=lambda m: (not window.handles(m), len(m.name), m.id))
        self.matters = ranked
        self.handled = [window.handles(m) for m in ranked]
        handled_count = sum(self.handled)
        self.groups = (range(0, handled_count), range(handled_count, len(ranked)))
        self.names = [m.name for m in ranked]
        # Only the Chinese part of a name gives pinyin; Latin letters and digits stay as written.
        self.pinyin = ["".join(_letters(lazy_pinyin(name))) for name in self.names]
        self.initials = [
            "".join(_letters(lazy_pinyin(name, style=Style.FIRST_LETTER))) for name in self.names
        ]
        codes = [
            (i, c.upper())
            for i, m in enumerate(ranked)
            for c in (m.id, m.catalog_code, m.impl_code)
            if c
        ]
        self.code_owners: dict[str, list[int]] = {}
        for owner, code in codes:
            self.code_owners.setdefault(code, []).append(owner)
        self.name_column = _Column(list(enumerate(self.names)))
        self.pinyin_column = _Column(list(enumerate(self.pinyin)))
        self.initials_column = _Column(list(enumerate(self.initials)))
        self.code_column = _Column(codes)


def _letters(syllables: list[str]) -> list[str]:
    return [letters for s in syllables if (letters := _NOT_ALNUM.sub("", s.lower()))]


class MatterSearch:
    """Searches the catalogue the way the clerk types (see the module docstring)."""

    def __init__(
        self, catalogue: Catalogue, window: WindowConfig, directory: HallDirectory | None = None
    ) -> None:
        self.window = window
        self.directory = directory
        self._matters = list(catalogue)
        self._catalogue_order = {m.id: n for n, m in enumerate(self._matters)}
        self._built: _Index | None = None
        self._building = threading.Lock()
        # Shown before anything is typed: own matters first, in catalogue order (no index).
        self._own_first = sorted(self._matters, key=lambda m: not window.handles(m))

    @property
    def _index(self) -> _Index:
        with self._building:  # the warm-up thread may be building it when the clerk types
            if self._built is None:
                self._built = _Index(self._matters, self.window)
            return self._built

    def warm(self) -> None:
        """Build the index now (in the background after the window shows: pypinyin takes a
        moment to load, and the first keystroke should not wait for it)."""
        _ = self._index
        self._closest("", 1)  # loads rapidfuzz

    def search(self, text: str, *, limit: int = DEFAULT_LIMIT) -> list[MatterHit]:
        needle = text.strip().replace(_SEPARATOR, "")
        if not needle:
            return [self._hit(m, MatchKind.PREFIX) for m in self._own_first[:limit]]
        index = self._index
        found = _first_matches(index, needle, limit)
        if not found:
            return self._closest(needle, limit)
        return [self._hit(index.matters[i], kind) for i, kind in found]

    def handled(self) -> list[Matter]:
        """The matters this window handles, in catalogue order."""
        return [m for m in self._matters if self.window.handles(m)]

    def _closest(self, needle: str, limit: int) -> list[MatterHit]:
        from rapidfuzz import fuzz, process  # loaded by the warm-up, not at start

        index = self._index
        count = min(limit, _CLOSEST_LIMIT)
        lowered = _NOT_ALNUM.sub("", needle.lower())
        fields = [(needle, index.names)]
        if lowered:
            fields += [(lowered, index.pinyin), (lowered, index.initials)]
        scores: dict[int, float] = {}
        for query, choices in fields:
            ranked = process.extract(
                query, choices, scorer=fuzz.ratio, score_cutoff=_CLOSEST_CUTOFF, limit=None
            )
            # The best ``count`` overall are among each field's best ``count`` and their ties,
            # so the long tail of weak scores is never looked at.
            floor = ranked[count - 1][1] if len(ranked) >= count else _CLOSEST_CUTOFF
            for _choice, score, i in ranked:
                if score < floor:
                    break
                scores[i] = max(score, scores.get(i, 0.0))
        order = self._catalogue_order
        top = heapq.nsmallest(
            count,
            scores,
            key=lambda i: (-scores[i], not index.handled[i], order[index.matters[i].id]),
        )
        return [self._hit(index.matters[i], MatchKind.CLOSEST) for i in top]

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


def _first_matches(index: _Index, needle: str, limit: int) -> list[tuple[int, MatchKind]]:
    """The first ``limit`` matching entries with their kind of match, in the order shown:
    this window's matters first, then by kind (code, prefix, contains), then by rank."""
    upper = needle.upper()
    lowered = _NOT_ALNUM.sub("", needle.lower())
    prefix = [(index.name_column, needle)]
    contains = [(index.name_column, needle), (index.code_column, upper)]
    if lowered:
        pinyin = [(index.initials_column, lowered), (index.pinyin_column, lowered)]
        prefix += pinyin
        contains += pinyin
    found: list[tuple[int, MatchKind]] = []
    for group in index.groups:
        taken: set[int] = set()  # found in this group under a better kind
        for kind in (MatchKind.CODE, MatchKind.PREFIX, MatchKind.CONTAINS):
            wanted = limit - len(found)
            if wanted <= 0:
                return found
            if kind is MatchKind.CODE:
                entries = {i for i in index.code_owners.get(upper, ()) if i in group}
            else:
                # Each scan yields entries in rank order, so the first ``wanted`` new ones of
                # their union are among the first ``wanted + len(taken)`` of each scan.
                entries = set().union(
                    *(
                        column.containing(
                            text, group, wanted + len(taken), prefix=kind is MatchKind.PREFIX
                        )
                        for column, text in (prefix if kind is MatchKind.PREFIX else contains)
                    )
                )
            new = sorted(entries - taken)[:wanted]
            found += [(i, kind) for i in new]
            taken.update(new)
    return found
