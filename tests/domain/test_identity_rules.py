"""Person numbers never pass as organisation codes; names that cannot be stored (issue 18)."""

from __future__ import annotations

import pytest

from zhanhe_counter.domain.identity import (
    MAX_NAME_CHARS,
    IdKind,
    check_id,
    check_uscc,
    name_problems,
    uscc_check_char,
)

MISTYPED_ID = "211011197611070905"


def test_a_mistyped_resident_id_is_not_a_valid_uscc_on_any_path() -> None:
    assert uscc_check_char(MISTYPED_ID[:17]) == MISTYPED_ID[17]  # the trap: it does check out
    generic = check_id(MISTYPED_ID)
    assert not generic.valid
    assert generic.kind is IdKind.RESIDENT
    for result in (check_uscc(MISTYPED_ID), check_id(MISTYPED_ID, kinds={IdKind.USCC})):
        assert not result.valid
        assert any("不是统一社会信用代码" in p for p in result.problems)


@pytest.mark.parametrize(
    "code",
    [
        "91410411MA45XXXX1X",  # letters: not a person's layout
        "911101080000000000",  # digits, but no birth date inside
        "991101190000000000",  # province 99 does not exist
        "111101191302300000",  # 1913-02-30 is no date
        "111101189001010000",  # born before 1900
        "11110119900101000Y",  # a last character no ID number has
    ],
)
def test_real_codes_are_not_mistaken_for_person_numbers(code: str) -> None:
    body = code[:17]
    if all(c in "0123456789ABCDEFGHJKLMNPQRTUWXY" for c in body):
        code = body + uscc_check_char(body)
    assert not any("不是统一社会信用代码" in p for p in check_uscc(code).problems)


def test_full_width_and_spaced_numbers_fold() -> None:
    result = check_id("４１０４１１ １９５００１０１ １２３９")
    assert result.valid
    assert result.number == "410411195001011239"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "未输入"),
        ("  ", "未输入"),
        ("张\udc80三", "残缺字符"),
        ("张\x07三", "控制字符"),
        ("张" * (MAX_NAME_CHARS + 1), "过长"),
    ],
)
def test_names_that_cannot_be_stored_or_printed(name: str, problem: str) -> None:
    problems = name_problems(name)
    assert problems
    assert problem in problems[0]


def test_ordinary_names_pass() -> None:
    for name in ("刘䶮", "欧阳娜娜", "Maria José", "阿卜杜拉·买买提"):
        assert name_problems(name) == ()
