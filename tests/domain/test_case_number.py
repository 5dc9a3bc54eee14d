"""Case numbers made offline: layout, check character, parsing what a clerk types."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhanhe_counter.domain.case_number import (
    CASE_NUMBER_LENGTH,
    CaseNumber,
    CaseNumberKind,
    format_case_number,
    is_valid_case_number,
    make_case_number,
    parse_case_number,
    validate_station_code,
)
from zhanhe_counter.domain.errors import DomainError

# A loaded CI machine must not turn slowness into a failure: no per-example deadline.
relaxed = settings(deadline=None)

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mod37_2_checksum(text: str) -> int:
    """ISO 7064 MOD 37-2 as the standard states it: sum of value x 2^(position from the right,
    the check character at position 0) modulo 37; a number is valid when this is 1."""
    symbols = ALPHABET + "*"
    return sum(symbols.index(c) * pow(2, i, 37) for i, c in enumerate(reversed(text))) % 37


def mod37_2_char(body: str) -> str:
    symbols = ALPHABET + "*"
    return next(c for c in symbols if mod37_2_checksum(body + c) == 1)


def reference(body: str) -> str:
    return body + mod37_2_char(body)


def test_reference_helper_is_self_consistent() -> None:
    assert mod37_2_checksum(reference("41041101S202611260007")) == 1


def test_example_number() -> None:
    number = make_case_number("41041101", CaseNumberKind.RECEIPT, date(2026, 11, 26), 7)
    assert number == reference("41041101S202611260007")
    assert len(number) == CASE_NUMBER_LENGTH


def test_kind_may_be_given_as_its_letter() -> None:
    assert make_case_number("41041101", "L", date(2026, 11, 26), 1).startswith("41041101L")


def test_parse_returns_the_parts() -> None:
    number = make_case_number("410411A2", CaseNumberKind.HANDOVER, date(2026, 2, 28), 9999)
    parsed = parse_case_number(number)
    assert parsed == CaseNumber(
        division_code="410411",
        terminal_code="A2",
        kind=CaseNumberKind.HANDOVER,
        day=date(2026, 2, 28),
        seq=9999,
        check=number[-1],
    )
    assert parsed.station_code == "410411A2"
    assert parsed.text == number
    assert str(parsed) == number


def test_parse_tolerates_spaces_hyphens_case_and_full_width() -> None:
    number = make_case_number("410411a2", CaseNumberKind.CONSULTATION, date(2026, 11, 26), 12)
    spaced = format_case_number(number)
    assert spaced.split(" ")[0] == "410411"
    assert len(spaced.split(" ")) == 6
    assert parse_case_number(spaced).text == number
    assert parse_case_number(format_case_number(number, "-").lower()).text == number
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert parse_case_number(f"\u3000{full_width} ").text == number


def test_stations_never_collide() -> None:
    day = date(2026, 11, 26)
    a = make_case_number("41041101", CaseNumberKind.RECEIPT, day, 1)
    b = make_case_number("41041102", CaseNumberKind.RECEIPT, day, 1)
    c = make_case_number("41040201", CaseNumberKind.RECEIPT, day, 1)
    assert len({a, b, c}) == 3


@pytest.mark.parametrize("station", ["4104110", "410411011", "41041!01", "ABCDEF01", ""])
def test_malformed_station_code(station: str) -> None:
    with pytest.raises(DomainError) as caught:
        make_case_number(station, CaseNumberKind.RECEIPT, date(2026, 11, 26), 1)
    assert "工作站代码应为6位" in caught.value.user_message


def test_station_code_needs_a_province() -> None:
    with pytest.raises(DomainError) as caught:
        validate_station_code("99041101")
    assert caught.value.user_message == "工作站代码的前两位不是有效的省级行政区代码"
    assert validate_station_code(" 410411 0a ") == "4104110A"


def test_unknown_kind_and_sequence_out_of_range() -> None:
    day = date(2026, 11, 26)
    with pytest.raises(DomainError, match="unknown case number kind") as kind_error:
        make_case_number("41041101", "Q", day, 1)
    assert "编号类别无效" in kind_error.value.user_message
    for seq in (0, 10_000, -1):
        with pytest.raises(DomainError) as seq_error:
            make_case_number("41041101", CaseNumberKind.RECEIPT, day, seq)
        assert "9999" in seq_error.value.user_message


def test_wrong_check_character_is_caught() -> None:
    number = make_case_number("41041101", CaseNumberKind.ACCEPTANCE, date(2026, 11, 26), 7)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(DomainError) as caught:
        parse_case_number(wrong)
    assert caught.value.user_message == "编号校验位不符，可能输错了，请逐位核对"
    assert not is_valid_case_number(wrong)
    assert is_valid_case_number(number)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("41041101S20261126000", "编号应为22位，现为20位，请核对"),
        ("", "编号应为22位，现为0位，请核对"),
        ("41041101S2026112A00076", "编号格式不正确，请核对"),
        ("4104110!S2026112600076", "编号格式不正确，请核对"),
        ("4" * 10_000_000, "编号过长，请核对"),
    ],
)
def test_malformed_text(text: str, message: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_case_number(text)
    assert caught.value.user_message == message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("41041101Q202611260007", "编号中的类别或日期无效，不是本系统的编号"),
        ("41041101S202613260007", "编号中的类别或日期无效，不是本系统的编号"),
        ("99041101S202611260007", "编号中的地区代码或序号无效，不是本系统的编号"),
        ("41041101S202611260000", "编号中的地区代码或序号无效，不是本系统的编号"),
    ],
)
def test_impossible_parts_with_a_correct_check_character(body: str, message: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_case_number(reference(body))
    assert caught.value.user_message == message


def test_kind_labels() -> None:
    assert [kind.value for kind in CaseNumberKind] == ["S", "L", "B", "N", "J", "Z"]
    assert CaseNumberKind.RECEIPT.label == "收件"
    assert CaseNumberKind.REFUSAL.label == "不予受理"


# ------------------------------------------------------------------ properties

stations = st.builds(
    lambda province, rest, terminal: f"{province}{rest:04d}{terminal}",
    st.sampled_from(["11", "41", "65", "82"]),
    st.integers(0, 9999),
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
)
kinds = st.sampled_from(list(CaseNumberKind))
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
seqs = st.integers(1, 9999)


@relaxed
@given(stations, kinds, days, seqs)
def test_round_trip_and_reference_check(
    station: str, kind: CaseNumberKind, day: date, seq: int
) -> None:
    number = make_case_number(station, kind, day, seq)
    assert mod37_2_checksum(number) == 1
    parsed = parse_case_number(number)
    assert (parsed.station_code, parsed.kind, parsed.day, parsed.seq) == (station, kind, day, seq)


case_numbers = st.builds(make_case_number, stations, kinds, days, seqs)


@relaxed
@given(case_numbers, st.integers(0, CASE_NUMBER_LENGTH - 1), st.sampled_from(ALPHABET))
def test_any_single_wrong_character_is_caught(number: str, position: int, replacement: str) -> None:
    if number[position] == replacement:
        return
    assert not is_valid_case_number(number[:position] + replacement + number[position + 1 :])


@relaxed
@given(case_numbers, st.integers(0, CASE_NUMBER_LENGTH - 2))
def test_any_swap_of_neighbours_is_caught(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    assert not is_valid_case_number(swapped)
