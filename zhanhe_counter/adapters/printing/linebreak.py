"""Chinese line breaking (中文断行): greedy fill with the rules of 标点禁则.

Used by both the A4 renderer and the thermal ticket, so the two never disagree on where a
line may end. It knows nothing about fonts: the caller passes a function giving each
character's advance width.
"""

from __future__ import annotations

from collections.abc import Callable

# A line may not start with these (closing brackets and quotes, pause and stop marks).
CLOSING = frozenset("，。；：！？、）》”’】〕」』〉〗…—·％,.;:!?)]}%")
# A line may not end with these (opening brackets and quotes, currency prefixes).
OPENING = frozenset("（《“‘【〔「『〈〖([{￥$")

Measure = Callable[[str], float]


def _is_word_char(ch: str) -> bool:
    """Latin letters and digits that should stay together (case numbers, URLs, amounts)."""
    # ASCII punctuation inside the run stays in it, so "2026-11-20", "A&B" and URLs never break.
    return ch.isascii() and not ch.isspace() and ch not in "()[]{}"


def _units(text: str) -> list[str]:
    """Split one hard line into unbreakable units.

    A unit is a CJK character, an ASCII word, or a space. Closing punctuation sticks to the
    unit before it and opening punctuation to the unit after it, so a break can never fall
    between them: that is how "no line starts with ，" is guaranteed rather than hoped for.
    """
    units: list[str] = []
    pending_open = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in OPENING or (pending_open and ch.isspace()):
            # A space after an opening mark must not become a break point: the mark would end
            # the line ("书“ | 1"), so it travels with the next real unit.
            pending_open += ch
            i += 1
            continue
        if ch in CLOSING and units and not pending_open:
            units[-1] += ch
            i += 1
            continue
        if _is_word_char(ch):
            j = i
            while j < len(text) and _is_word_char(text[j]):
                j += 1
            unit, i = text[i:j], j
        else:
            unit, i = ch, i + 1
        units.append(pending_open + unit)
        pending_open = ""
    if pending_open:
        units.append(pending_open)
    return units


def _split_wide(unit: str, max_width: float, measure: Measure) -> list[str]:
    """Cut a unit wider than the line (a very long number or URL) character by character."""
    pieces: list[str] = []
    current, width = "", 0.0
    for ch in unit:
        w = measure(ch)
        # A closing mark may overhang rather than start the next piece.
        if current and width + w > max_width and ch not in CLOSING:
            pieces.append(current)
            current, width = "", 0.0
        current += ch
        width += w
    if current:
        pieces.append(current)
    return pieces


def break_lines(text: str, max_width: float, measure: Measure, indent: float = 0) -> list[str]:
    """Lines of ``text`` no wider than ``max_width``; ``\\n`` forces a break.

    No returned line starts with a character of ``CLOSING`` (unless the source line itself
    does) and none ends with one of ``OPENING``. Spaces at a line start are dropped. The first
    line of each hard line is ``indent`` narrower (首行缩进).
    """
    if max_width <= 0 or indent >= max_width:
        raise ValueError("max_width must be positive and wider than the indent")
    lines: list[str] = []
    for hard_line in text.split("\n"):
        # Seed the first line with the indent so the greedy fill needs no special case.
        current, width = "", indent
        for unit in _units(hard_line):
            unit_width = sum(measure(ch) for ch in unit)
            if unit.isspace() and not current:
                continue
            if width + unit_width <= max_width:
                current += unit
                width += unit_width
                continue
            if current or width:
                lines.append(current.rstrip())
                current, width = "", 0.0
                if unit.isspace():
                    continue
            if unit_width <= max_width:
                current, width = unit, unit_width
                continue
            pieces = _split_wide(unit, max_width, measure)
            lines.extend(pieces[:-1])
            current = pieces[-1]
            width = sum(measure(ch) for ch in current)
        lines.append(current.rstrip())
    return lines
