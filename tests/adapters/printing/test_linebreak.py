"""Chinese line breaking: no line may start with closing punctuation."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from zhanhe_counter.adapters.printing.linebreak import CLOSING, OPENING, break_lines


def width(ch: str) -> float:
    return 1.0 if ch.isascii() else 2.0


def test_comma_that_would_start_a_line_moves_down_with_its_character() -> None:
    # 10 units wide: "一二三四五" fills the line exactly, so "，" would start line two.
    lines = break_lines("一二三四五，六七八", 10, width)
    assert lines == ["一二三四", "五，六七八"]


def test_opening_bracket_never_ends_a_line() -> None:
    lines = break_lines("一二三四（五六）", 10, width)
    assert lines == ["一二三四", "（五六）"]


def test_ascii_words_and_case_numbers_stay_whole() -> None:
    lines = break_lines("编号ZH01-20261120-0008M已受理", 20, width)
    assert "ZH01-20261120-0008M" in "".join(lines)
    assert any(line.startswith("ZH01-20261120-0008M") for line in lines)


def test_hard_breaks_and_indent() -> None:
    lines = break_lines("一二三四五\n六七", 10, width, indent=4)
    assert lines == ["一二三", "四五", "六七"]


def test_too_long_word_is_cut_rather_than_overflowing() -> None:
    lines = break_lines("A" * 25, 10, width)
    assert lines == ["A" * 10, "A" * 10, "A" * 5]


CJK_TEXT = st.text(
    alphabet=st.sampled_from(
        list("受理通知书申请人材料齐全") + list("，。；：！？、）》”（《“ AB12")
    ),
    min_size=1,
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(text=CJK_TEXT, max_width=st.integers(min_value=4, max_value=40))
def test_property_no_line_starts_with_closing_mark_and_nothing_is_lost(
    text: str, max_width: int
) -> None:
    lines = break_lines(text, max_width, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    first_real = next((i for i, line in enumerate(lines) if line), len(lines))
    for i, line in enumerate(lines):
        if i > first_real and line:
            assert line[0] not in CLOSING, lines
        if line and i < len(lines) - 1:
            assert line[-1] not in OPENING or set(line) <= OPENING, lines
        if line and not any(ch in CLOSING for ch in line):
            # Only a closing mark may overhang the width; everything else fits.
            assert (
                sum(width(ch) for ch in line) <= max_width or len(line) == 1 or not line.isascii()
            )


def test_an_opening_mark_before_a_space_stays_with_what_follows() -> None:
    # Found by hypothesis in a clean-clone run: the space was a break point after “.
    lines = break_lines("““书“ 1", 5, width)
    assert all(not line or line[-1] not in OPENING or set(line) <= OPENING for line in lines[:-1])
    assert "".join(lines).replace(" ", "") == "““书“1"
