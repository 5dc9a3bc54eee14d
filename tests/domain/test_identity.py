"""Identity numbers: resident ID, residence permits, foreign permanent residence, USCC.

Sample numbers are built here with check characters computed by an independent implementation
of each standard's formula, never copied from the code under test.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhanhe_counter.domain.identity import (
    MAX_INPUT_CHARS,
    PERSON_KINDS,
    PROVINCES,
    IdKind,
    check_foreign_permanent_id,
    check_id,
    check_resident_id,
    check_uscc,
    normalize_id_text,
    province_name,
)

# A loaded CI machine must not turn slowness into a failure: no per-example deadline.
relaxed = settings(deadline=None)

TODAY = date(2026, 11, 26)
CHECK_MISMATCH = "校验码不符，号码可能输错，请逐位核对"

# ------------------------------------------------------------------ independent reference helpers


def gb11643_check(body: str) -> str:
    """GB 11643: weights 2^(17-i) mod 11, check value (12 - S mod 11) mod 11, 10 -> X."""
    assert len(body) == 17
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def gb11643(body: str) -> str:
    return body + gb11643_check(body)


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check(body: str) -> str:
    """GB 32100: weights 3^i mod 31, check value 31 - S mod 31 (31 -> 0)."""
    assert len(body) == 17
    total = sum(USCC_CHARS.index(c) * (3**i % 31) for i, c in enumerate(body))
    value = 31 - total % 31
    return USCC_CHARS[0 if value == 31 else value]


def uscc(body: str) -> str:
    return body + uscc_check(body)


def foreign_2017(body: str) -> str:
    """2017 permanent residence: 7-3-1 weights over 14 characters, letters A=10.., mod 10."""
    values = [ord(c) - ord("A") + 10 if c.isalpha() else int(c) for c in body]
    total = sum(v * (7, 3, 1)[i % 3] for i, v in enumerate(values))
    return body + str(total % 10)


def resident(region: str, born: date, seq: int) -> str:
    return gb11643(f"{region}{born:%Y%m%d}{seq:03d}")


def with_x_check(prefix: str) -> str:
    """A valid number whose check character is X (found by trying sequences)."""
    for seq in range(1000):
        body = f"{prefix}{seq:03d}"
        if gb11643_check(body) == "X":
            return body + "X"
    raise AssertionError("no sequence gives X")  # pragma: no cover


def test_reference_helper_agrees_with_published_examples() -> None:
    assert gb11643("11010519491231002") == "11010519491231002X"
    assert gb11643("41041119900101123") == "410411199001011237"
    assert gb11643("91184019900101123") == "91184019900101123X"
    assert foreign_2017("USA11019001013") == "USA110190010137"


# ------------------------------------------------------------------ resident ID


def test_standard_example_is_valid_with_its_parts() -> None:
    result = check_id("11010519491231002X", today=TODAY)
    assert result.valid
    assert result.kind is IdKind.RESIDENT
    assert result.problems == ()
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "女"
    assert result.region_code == "110105"
    assert result.number == "11010519491231002X"


def test_zhanhe_number_is_male() -> None:
    result = check_resident_id("410411199001011237", today=TODAY)
    assert result.valid
    assert result.sex == "男"
    assert result.region_code == "410411"


def test_lower_case_x_is_accepted_and_normalised() -> None:
    number = with_x_check("41041120000229")
    result = check_id(number.lower(), today=TODAY)
    assert result.valid
    assert result.number == number
    assert result.number.endswith("X")


def test_full_width_digits_and_spaces_are_tolerated() -> None:
    number = "410411199001011237"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    spaced = f" {full_width[:6]}\u3000{full_width[6:14]} {full_width[14:]}\n"
    result = check_id(spaced, today=TODAY)
    assert result.valid
    assert result.number == number


def test_wrong_check_character_is_reported_without_the_expected_one() -> None:
    result = check_id("410411199001011238", today=TODAY)
    assert not result.valid
    assert result.kind is IdKind.RESIDENT
    assert result.problems == (CHECK_MISMATCH,)
    assert "7" not in result.problems[0]
    assert "410411" not in " ".join(result.problems)


def test_every_problem_is_listed() -> None:
    number = gb11643("00000019900230123")[:-1] + "Y"  # bad province, 30 Feb, bad check char
    result = check_resident_id(number, today=TODAY)
    assert not result.valid
    assert len(result.problems) == 3
    assert any("省级行政区代码" in p for p in result.problems)
    assert any("不是有效日期" in p for p in result.problems)
    assert any("第18位" in p for p in result.problems)
    assert result.birth_date is None


def test_non_digit_positions_are_named_and_checksum_is_skipped() -> None:
    result = check_resident_id("4104A1199001B11237", today=TODAY)
    assert not result.valid
    assert result.problems == ("第5、13位应为数字",)
    no_sex = check_resident_id("4104111990010112A7", today=TODAY)
    assert no_sex.problems == ("第17位应为数字",)
    assert no_sex.sex is None


def test_letter_in_date_skips_date_check() -> None:
    result = check_resident_id("4104111990O1011237", today=TODAY)
    assert result.problems == ("第11位应为数字",)
    assert result.birth_date is None
    assert result.region_code == "410411"


def test_birth_in_future_only_when_today_given() -> None:
    number = resident("410411", date(2030, 1, 1), 123)
    assert check_resident_id(number).valid
    late = check_resident_id(number, today=TODAY)
    assert late.problems == ("出生日期晚于今天",)
    assert late.birth_date is None


def test_birth_before_1900_is_rejected() -> None:
    result = check_resident_id(resident("410411", date(1899, 12, 31), 1), today=TODAY)
    assert result.problems == ("出生日期早于1900年",)


def test_unknown_province_is_rejected_but_county_is_not_looked_up() -> None:
    assert check_resident_id(resident("419999", date(1990, 1, 1), 5)).valid
    result = check_resident_id(resident("999999", date(1990, 1, 1), 5))
    assert result.problems == ("前两位（99）不是有效的省级行政区代码",)


def test_wrong_length_for_resident_check() -> None:
    result = check_resident_id("4104111990010112")
    assert not result.valid
    assert result.kind is IdKind.RESIDENT
    assert result.problems == ("身份证号码应为18位，现为16位",)


def test_old_15_digit_number_is_read_but_not_valid() -> None:
    result = check_id("410411900101123", today=TODAY)
    assert not result.valid
    assert result.kind is IdKind.RESIDENT
    assert "15位旧身份证号码" in result.problems[0]
    assert len(result.problems) == 1
    assert result.birth_date == date(1990, 1, 1)
    assert result.sex == "男"
    assert result.region_code == "410411"
    assert check_resident_id("410411900101123").birth_date == date(1990, 1, 1)


def test_old_15_digit_number_with_more_problems() -> None:
    assert len(check_resident_id("41041190010A123").problems) == 2
    bad = check_resident_id("990411901301124")
    assert len(bad.problems) == 3  # old, bad month, bad province
    assert bad.sex == "女"


@pytest.mark.parametrize(
    ("region", "label"), [("810000", "香港"), ("820000", "澳门"), ("830000", "台湾")]
)
def test_residence_permits(region: str, label: str) -> None:
    result = check_id(resident(region, date(1990, 1, 1), 124), today=TODAY)
    assert result.valid, label
    assert result.kind is IdKind.GAT_RESIDENCE
    assert result.sex == "女"
    assert result.region_code == region


def test_residence_permit_needs_the_exact_region() -> None:
    result = check_id(resident("811000", date(1990, 1, 1), 124), today=TODAY)
    assert not result.valid
    assert result.kind is IdKind.GAT_RESIDENCE
    assert result.problems == ("港澳台居民居住证号码的前6位应为810000、820000或830000",)


# ------------------------------------------------------------------ foreign permanent residence


def test_foreign_2023_example() -> None:
    result = check_id("91184019900101123X", today=TODAY)
    assert result.valid
    assert result.kind is IdKind.FOREIGN_PERMANENT
    assert result.birth_date == date(1990, 1, 1)
    assert result.sex == "男"
    assert result.region_code is None


def test_foreign_2023_problems() -> None:
    assert check_foreign_permanent_id(gb11643("41184019900101123")).problems == (
        "2023版永久居留身份证号码应以9开头",
    )
    assert check_foreign_permanent_id(gb11643("97184019900101123")).problems == (
        "第2–3位受理地省份代码（71）无效",
    )
    assert check_foreign_permanent_id(gb11643("91100019900101123")).problems == (
        "第4–6位国籍代码不能为000",
    )
    shape = check_foreign_permanent_id("9A184019900101123X")
    assert shape.problems == ("第2位应为数字",)


def test_foreign_2017_example() -> None:
    result = check_id("USA110190010137", today=TODAY)
    assert result.valid
    assert result.kind is IdKind.FOREIGN_PERMANENT
    assert result.birth_date == date(1990, 1, 1)
    assert result.sex is None
    assert result.warnings == ()


def test_foreign_2017_century_needs_today() -> None:
    assert check_foreign_permanent_id("USA110190010137").birth_date is None
    recent = foreign_2017("CAN11011005014")
    assert check_foreign_permanent_id(recent, today=TODAY).birth_date == date(2010, 5, 1)
    # A child born in 2000 on 29 February: only the 2000 reading exists.
    leap = foreign_2017("CAN11010002291")
    assert check_foreign_permanent_id(leap, today=TODAY).birth_date == date(2000, 2, 29)
    # Both readings in the future relative to "today".
    early = check_foreign_permanent_id(foreign_2017("CAN11016001011"), today=date(1950, 1, 1))
    assert early.problems == ("出生日期晚于今天",)


def test_foreign_2017_check_digit_and_city_only_warn() -> None:
    result = check_foreign_permanent_id("USA110190010138", today=TODAY)
    assert result.valid
    assert result.warnings == ("最后一位校验位与常见算法不符，请核对证件",)
    city = check_foreign_permanent_id(foreign_2017("USA99019001013"))
    assert city.valid
    assert city.warnings == ("第4–5位受理地省份代码（99）不常见，请核对",)


def test_foreign_2017_shape_and_date_problems() -> None:
    assert check_foreign_permanent_id("US1110190010137").problems == (
        "2017版永久居留身份证号码前3位应为国籍字母代码",
    )
    both = check_foreign_permanent_id("U2A1101900A0137")
    assert len(both.problems) == 2
    month = check_foreign_permanent_id(foreign_2017("USA11019013013"))
    assert month.problems == ("出生日期（90年13月01日）不是有效日期",)
    # 29 February 2001 and 1901 do not exist.
    assert not check_foreign_permanent_id(foreign_2017("USA11010102291")).valid


def test_foreign_wrong_length() -> None:
    result = check_foreign_permanent_id("9118401990010112")
    assert result.kind is IdKind.FOREIGN_PERMANENT
    assert "现为16位" in result.problems[0]


# ------------------------------------------------------------------ 统一社会信用代码


def test_uscc_valid_with_region() -> None:
    code = uscc("91410411MA44ABCD1")
    result = check_uscc(code)
    assert result.valid
    assert result.kind is IdKind.USCC
    assert result.region_code == "410411"
    assert check_id(code.lower()).valid


def test_uscc_central_registration_is_valid() -> None:
    assert check_uscc(uscc("11100000000013127")).valid


def test_uscc_lists_all_problems() -> None:
    code = uscc("94991234MA44ABCD1")  # 工商 has no type 4, province 99
    result = check_uscc(code)
    assert set(result.problems) == {
        "第2位机构类别代码（4）与登记管理部门（工商）不符",
        "第3–4位（99）不是有效的省级行政区代码",
    }


def test_uscc_bad_characters_named_and_check_skipped() -> None:
    result = check_uscc("91410411MA44OBCDIX")
    assert result.problems == ("第13、17位含有统一社会信用代码不使用的字符（不含I、O、S、V、Z）",)


def test_uscc_bad_authority_and_region() -> None:
    result = check_uscc(uscc("0141A411MA44ABCD1"))
    assert set(result.problems) == {
        "第1位登记管理部门代码（0）无效",
        "第3–8位登记管理机关行政区划码应为6位数字",
    }
    assert result.region_code is None
    # An invalid character as authority or type is reported once, as a bad character.
    assert check_uscc("I1410411MA44ABCD1X").problems[0].startswith("第1位含有")
    assert check_uscc("9O410411MA44ABCD1X").problems[0].startswith("第2位含有")


def test_uscc_check_mismatch_and_length() -> None:
    code = uscc("91410411MA44ABCD1")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert check_uscc(wrong).problems == (CHECK_MISMATCH,)
    assert check_uscc(code[:-1]).problems == ("统一社会信用代码应为18位，现为17位",)


# ------------------------------------------------------------------ recognising the kind


def all_digit_uscc() -> str:
    for n in range(10_000):
        code = uscc(f"12410400{n:09d}")
        if code[-1].isdigit() and not check_resident_id(code).valid:
            return code
    raise AssertionError("no all-digit code found")  # pragma: no cover


def test_all_digit_uscc_is_recognised_and_person_fields_refuse_it() -> None:
    code = all_digit_uscc()
    assert check_id(code, today=TODAY).kind is IdKind.USCC
    assert check_id(code, today=TODAY).valid
    as_person = check_id(code, today=TODAY, kinds=PERSON_KINDS)
    assert not as_person.valid
    assert as_person.kind is IdKind.RESIDENT


def test_reading_of_a_kind_not_accepted_says_so() -> None:
    permit = resident("810000", date(1990, 1, 1), 124)
    result = check_id(permit, kinds={IdKind.RESIDENT})
    assert not result.valid
    assert result.kind is IdKind.GAT_RESIDENCE
    assert result.problems == ("这是港澳台居民居住证号码，此处不适用",)


def test_restricted_kinds_pick_the_matching_checker() -> None:
    only_resident = check_id("91184019900101123X", kinds={IdKind.RESIDENT})
    assert only_resident.kind is IdKind.RESIDENT
    assert "前两位（91）" in only_resident.problems[0]
    only_foreign = check_id("410411199001011237", kinds={IdKind.FOREIGN_PERMANENT})
    assert only_foreign.kind is IdKind.FOREIGN_PERMANENT
    assert "2023版永久居留身份证号码应以9开头" in only_foreign.problems
    assert check_id("USA110190010137", kinds={IdKind.RESIDENT}).kind is None
    assert check_id("410411900101123", kinds={IdKind.USCC}).problems == (
        "统一社会信用代码应为18位，现为15位",
    )


def test_typo_in_person_number_is_read_as_person() -> None:
    result = check_id("4104111990O1011237")
    assert result.kind is IdKind.RESIDENT


def test_letters_make_uscc_the_first_reading() -> None:
    result = check_id("91410411MA44ABCD1Q")
    assert result.kind is IdKind.USCC


def test_empty_wrong_length_and_huge_input() -> None:
    assert check_id("  \u3000 ").problems == ("未输入号码",)
    assert check_id("12345").problems == ("号码位数不对：证件号码一般为18位，现为5位",)
    assert check_id("12345").kind is None
    huge = "4" * 10_000_000
    for check in (check_id, check_resident_id, check_foreign_permanent_id, check_uscc):
        result = check(huge)
        assert not result.valid
        assert result.kind is None
        assert str(MAX_INPUT_CHARS) in result.problems[0]


def test_repr_never_shows_the_number() -> None:
    result = check_id("410411199001011237")
    assert "410411199001011237" not in repr(result)


def test_labels_and_helpers() -> None:
    assert IdKind.RESIDENT.label == "居民身份证"
    assert IdKind.USCC.label == "统一社会信用代码"
    assert province_name("410411") == "河南省"
    assert province_name("990000") is None
    assert normalize_id_text(" ４１ｘ ") == "41X"
    assert len(PROVINCES) == 34


# ------------------------------------------------------------------ properties

person_regions = st.sampled_from(sorted(c for c in PROVINCES if c not in {"81", "82"})).flatmap(
    lambda p: st.integers(0, 9999).map(lambda n: f"{p}{n:04d}")
)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999)


@st.composite
def resident_numbers(draw: st.DrawFn) -> str:
    return resident(draw(person_regions), draw(births), draw(sequences))


@st.composite
def person_numbers(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["resident", "gat", "foreign"]))
    born, seq = draw(births), draw(sequences)
    if kind == "resident":
        return resident(draw(person_regions), born, seq)
    if kind == "gat":
        return resident(draw(st.sampled_from(["810000", "820000", "830000"])), born, seq)
    province = draw(st.sampled_from(sorted(c for c in PROVINCES if c < "70")))
    nationality = draw(st.integers(1, 999))
    return gb11643(f"9{province}{nationality:03d}{born:%Y%m%d}{seq:03d}")


AUTHORITY_TYPES = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}


@st.composite
def uscc_codes(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(sorted(AUTHORITY_TYPES)))
    org_type = draw(st.sampled_from(AUTHORITY_TYPES[authority]))
    region = draw(person_regions)
    subject = draw(st.text(alphabet=USCC_CHARS, min_size=9, max_size=9))
    return uscc(f"{authority}{org_type}{region}{subject}")


@relaxed
@given(resident_numbers())
def test_generated_resident_number_validates(number: str) -> None:
    result = check_resident_id(number, today=TODAY)
    assert result.valid, result.problems
    assert result.kind is IdKind.RESIDENT
    assert result.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert result.sex == ("男" if int(number[16]) % 2 else "女")


@relaxed
@given(person_numbers())
def test_generated_person_number_validates_automatically(number: str) -> None:
    assert check_id(number, today=TODAY, kinds=PERSON_KINDS).valid


@relaxed
@given(uscc_codes())
def test_generated_uscc_validates(code: str) -> None:
    assert check_uscc(code).valid
    assert check_id(code, kinds={IdKind.USCC}).valid


@relaxed
@given(person_numbers(), st.integers(0, 17), st.sampled_from("0123456789XABCDEFGHJKLMNPQRTUWY"))
def test_one_changed_character_in_person_number_is_detected(
    number: str, position: int, replacement: str
) -> None:
    if number[position] == replacement:
        return
    changed = number[:position] + replacement + number[position + 1 :]
    result = check_id(changed, today=TODAY, kinds=PERSON_KINDS)
    assert not result.valid
    assert not check_resident_id(changed, today=TODAY).valid


@relaxed
@given(uscc_codes(), st.integers(0, 17), st.sampled_from(USCC_CHARS + "IOSVZ"))
def test_one_changed_character_in_uscc_is_detected(
    code: str, position: int, replacement: str
) -> None:
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    assert not check_uscc(changed).valid


@relaxed
@given(st.text(max_size=40))
def test_arbitrary_text_never_raises(text: str) -> None:
    result = check_id(text, today=TODAY)
    assert result.valid == (not result.problems)


def test_a_name_loses_its_control_and_invisible_characters() -> None:
    from zhanhe_counter.domain.identity import clean_name

    assert clean_name(" 王\x07小\u202e明\u200b ") == "王小明"
    assert clean_name("刘䶮") == "刘䶮"
