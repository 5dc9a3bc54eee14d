"""QR and Code128 patterns: what scanners need, and a clear Chinese refusal for what cannot be
encoded."""

from __future__ import annotations

import itertools

import pytest

from zhanhe_counter.adapters.printing.codes import CodeError, code128_bars, qr_matrix


def test_a_qr_symbol_is_square_and_grows_with_its_content() -> None:
    small = qr_matrix("41041101S20261126001")
    assert small.size == len(small.rows[0])
    assert small.size >= 21  # version 1 is 21×21 modules
    # The three finder patterns: a dark 7-module run along the top-left corner.
    assert all(small.rows[0][:7])
    assert qr_matrix("湛河区" * 40).size > small.size  # UTF-8 bytes, not Latin-1


def test_qr_refusals() -> None:
    with pytest.raises(CodeError) as empty:
        qr_matrix("")
    assert empty.value.user_message == "二维码内容为空"
    with pytest.raises(CodeError) as too_long:
        qr_matrix("x" * 4000, level="H")
    assert "过长" in too_long.value.user_message


def test_code128_runs_alternate_and_end_with_the_stop_pattern() -> None:
    bars = code128_bars("ZH20261126001")
    assert bars[0][0]  # starts with a bar
    assert all(a[0] != b[0] for a, b in itertools.pairwise(bars))  # bar, space, bar…
    assert all(1 <= width <= 4 for _, width in bars)
    # Every symbol character is 11 modules; the stop pattern is 13.
    assert (sum(width for _, width in bars) - 13) % 11 == 0


@pytest.mark.parametrize("value", ["", "案件号", "tab\there"])
def test_code128_takes_printable_ascii_only(value: str) -> None:
    with pytest.raises(CodeError) as refused:
        code128_bars(value)
    assert refused.value.user_message == "条形码内容只能是字母、数字和符号"
