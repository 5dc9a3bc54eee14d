"""The check code beside a case number: keyed, printable offline, forgiving to type."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhanhe_counter.domain.case_number import make_case_number
from zhanhe_counter.domain.check_code import (
    CHECK_CODE_ALPHABET,
    CHECK_CODE_LENGTH,
    PROGRESS_QUERY,
    InvalidCheckKey,
    check_code,
    normalize_check_code,
    verify_check_code,
)
from zhanhe_counter.domain.errors import DomainError

KEY = bytes(range(32))
NUMBER = make_case_number("41041101", "S", date(2026, 11, 26), 7)


def independent_code(key: bytes, number: str) -> str:
    """The same rule written another way: the top 30 bits of the HMAC, 5 bits a symbol."""
    digest = hmac.digest(key, number.encode(), "sha256")
    value = int(digest[:4].hex(), 16) >> 2
    return "".join(CHECK_CODE_ALPHABET[(value >> shift) & 0b11111] for shift in range(25, -1, -5))


def test_code_is_six_symbols_of_the_unambiguous_alphabet() -> None:
    code = check_code(KEY, NUMBER)
    assert len(code) == CHECK_CODE_LENGTH
    assert set(code) <= set(CHECK_CODE_ALPHABET)
    assert len(set(CHECK_CODE_ALPHABET)) == 32
    assert not set("01IO") & set(CHECK_CODE_ALPHABET)


def test_code_matches_an_independent_computation() -> None:
    assert check_code(KEY, NUMBER) == independent_code(KEY, NUMBER)


def test_code_depends_on_the_key_and_the_number() -> None:
    other_number = make_case_number("41041101", "S", date(2026, 11, 26), 8)
    assert check_code(KEY, NUMBER) != check_code(bytes(32), NUMBER)
    assert check_code(KEY, NUMBER) != check_code(KEY, other_number)


def test_the_number_is_read_as_a_clerk_or_a_phone_types_it() -> None:
    spaced = f"{NUMBER[:6]} {NUMBER[6:8]}-{NUMBER[8:]}".lower()
    assert check_code(KEY, spaced) == check_code(KEY, NUMBER)


def test_short_key_is_refused_with_a_chinese_message() -> None:
    with pytest.raises(InvalidCheckKey) as caught:
        check_code(b"short", NUMBER)
    assert "密钥" in caught.value.user_message
    with pytest.raises(InvalidCheckKey):
        verify_check_code(b"short", NUMBER, "ABCDEF")


def test_bad_case_number_raises_when_making_and_fails_when_verifying() -> None:
    with pytest.raises(DomainError):
        check_code(KEY, "41041101S202611260007X")
    assert verify_check_code(KEY, "not a number", "ABCDEF") is False


def test_verify_accepts_typed_variants_and_refuses_others() -> None:
    code = check_code(KEY, NUMBER)
    assert verify_check_code(KEY, NUMBER, code)
    assert verify_check_code(KEY, NUMBER, f" {code[:3].lower()}-{code[3:]} ")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert verify_check_code(KEY, NUMBER, full_width)
    wrong = ("2" if code[0] != "2" else "3") + code[1:]
    assert not verify_check_code(KEY, NUMBER, wrong)
    assert not verify_check_code(KEY, NUMBER, "")
    assert not verify_check_code(KEY, NUMBER, code * 10)


def test_overlong_input_normalises_to_nothing() -> None:
    assert normalize_check_code("A" * 33) == ""
    assert normalize_check_code(" ab-c ") == "ABC"


def test_progress_query_names_both_halves() -> None:
    query = PROGRESS_QUERY.format(case_no=NUMBER, check_code="ABCDEF")
    assert query == f"no={NUMBER}&c=ABCDEF"


@settings(deadline=None, max_examples=200)
@given(seq=st.integers(1, 9999), key=st.binary(min_size=16, max_size=64))
def test_every_code_verifies_and_uses_the_alphabet(seq: int, key: bytes) -> None:
    number = make_case_number("41041101", "L", date(2026, 12, 1), seq)
    code = check_code(key, number)
    assert code == independent_code(key, number)
    assert verify_check_code(key, number, code)


def test_codes_spread_over_the_alphabet() -> None:
    # 2 000 numbers: a skewed draw would leave symbols rare; each should appear ~375 times.
    numbers = [make_case_number("41041101", "S", date(2026, 11, 26), s) for s in range(1, 2001)]
    counts = dict.fromkeys(CHECK_CODE_ALPHABET, 0)
    for number in numbers:
        for char in check_code(hashlib.sha256(b"k").digest(), number):
            counts[char] += 1
    assert min(counts.values()) > 250
