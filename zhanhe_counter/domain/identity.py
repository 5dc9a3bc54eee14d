"""Identity numbers (证件号码): resident ID, HK/Macau/Taiwan residence permit, foreign permanent
residence ID and the 统一社会信用代码 of organisations.

Every check lists all the problems it finds as short Chinese sentences for the clerk; nothing here
raises on bad input. Problems never quote the number itself, so they are safe to log.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

# Anything longer than this is not a number somebody typed or a reader produced; refusing it
# before normalising keeps a pasted 10 MB blob from costing more than a length check.
MAX_INPUT_CHARS = 100

PROVINCES: Mapping[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}
"""First two digits of a GB/T 2260 division code (省级行政区). Deliberately no county table:
county codes change by vintage and an abolished code stays valid on old numbers."""

_MAINLAND_PROVINCES = frozenset(code for code in PROVINCES if code < "70")
_GAT_REGIONS: Mapping[str, str] = {"810000": "香港", "820000": "澳门", "830000": "台湾"}

_DIGITS = frozenset("0123456789")
_UPPER_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

# GB 11643 / ISO 7064 MOD 11-2: weight of position i is 2^(17-i) mod 11.
_MOD11_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MOD11_CHECK_CHARS = "10X98765432"

# GB 32100: 31 characters (no I, O, S, V, Z), weight of position i is 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 32100 appendix: registration authority (登记管理部门) -> the organisation types (机构类别)
# it may issue.
USCC_AUTHORITIES: Mapping[str, tuple[str, str]] = {
    "1": ("机构编制", "1239"),
    "2": ("外交", "19"),
    "3": ("司法行政", "123459"),
    "4": ("文化", "19"),
    "5": ("民政", "1239"),
    "6": ("旅游", "129"),
    "7": ("宗教", "129"),
    "8": ("工会", "19"),
    "9": ("工商", "123"),
    "A": ("中央军委改革和编制办公室", "19"),
    "N": ("农业", "1239"),
    "Y": ("其他", "1"),
}
_USCC_CENTRAL_REGION = "10"  # central-level registrations use division code 100000

# 2017 foreign permanent residence number: check digit over 14 characters, weights 7-3-1.
_FOREIGN_2017_WEIGHTS = ((7, 3, 1) * 5)[:14]


class IdKind(StrEnum):
    """证件号码类别."""

    RESIDENT = "resident"  # 居民身份证
    GAT_RESIDENCE = "gat_residence"  # 港澳台居民居住证
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留身份证
    USCC = "uscc"  # 统一社会信用代码

    @property
    def label(self) -> str:
        """The Chinese name of the document the number belongs to."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    IdKind.RESIDENT: "居民身份证",
    IdKind.GAT_RESIDENCE: "港澳台居民居住证",
    IdKind.FOREIGN_PERMANENT: "外国人永久居留身份证",
    IdKind.USCC: "统一社会信用代码",
}

PERSON_KINDS = frozenset({IdKind.RESIDENT, IdKind.GAT_RESIDENCE, IdKind.FOREIGN_PERMANENT})


@dataclass(frozen=True, slots=True)
class IdCheck:
    """证件号码校验结果.

    ``problems`` make the number invalid; ``warnings`` are doubts the clerk may overrule (rules
    that public sources disagree on). ``number`` is the normalised number (full-width digits and
    spaces removed, upper case); it is left out of ``repr`` so a logged result never shows it.
    """

    valid: bool
    kind: IdKind | None
    problems: tuple[str, ...]
    birth_date: date | None = None
    sex: str | None = None
    region_code: str | None = None
    warnings: tuple[str, ...] = ()
    number: str = field(default="", repr=False)


def normalize_id_text(value: str) -> str:
    """Fold what people type into the canonical form: NFKC (full-width digits and letters become
    ASCII), all whitespace removed, upper case (a typed ``x`` is the check character ``X``)."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(folded.split()).upper()


def mod11_2_check_char(body: str) -> str:
    """GB 11643 check character for the first 17 digits (``X`` stands for 10)."""
    total = sum(int(char) * weight for char, weight in zip(body, _MOD11_WEIGHTS, strict=True))
    return _MOD11_CHECK_CHARS[total % 11]


def uscc_check_char(body: str) -> str:
    """GB 32100 check character for the first 17 characters of a 统一社会信用代码."""
    total = sum(
        _USCC_VALUES[char] * weight for char, weight in zip(body, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[-total % 31]


def foreign_2017_check_digit(body: str) -> str:
    """Check digit of a 2017 foreign permanent residence number (first 14 characters)."""
    total = sum(
        int(char, 36) * weight for char, weight in zip(body, _FOREIGN_2017_WEIGHTS, strict=True)
    )  # int(char, 36) reads letters as A=10 ... Z=35
    return str(total % 10)


def province_name(code: str) -> str | None:
    """The province (省级行政区) named by the first two digits of a division code, if known."""
    return PROVINCES.get(code[:2])


# ------------------------------------------------------------------ entry points


def check_id(
    value: str, *, today: date | None = None, kinds: Collection[IdKind] | None = None
) -> IdCheck:
    """Check any identity number, recognising its kind.

    ``kinds`` limits what the value may be: a field for a person passes ``PERSON_KINDS`` so a
    mistyped ID number can never pass as a company's code. An 18-digit value can be read as
    more than one kind (a 统一社会信用代码 may be all digits); the first reading that is valid
    wins, otherwise the one with the fewest problems, so the clerk sees the likely mistakes.
    A value shaped like a person's number (province, a real birth date, digits) is never a
    valid 统一社会信用代码: one mistyped digit of an ID number passes the code's check once in 31
    tries, and a person's number must not pass for a company's.
    """
    allowed = frozenset(IdKind) if kinds is None else frozenset(kinds)
    number, early = _prepare(value)
    if early is not None:
        return early
    candidates: list[Callable[[str, date | None], IdCheck]] = []
    resident_allowed = bool(allowed & {IdKind.RESIDENT, IdKind.GAT_RESIDENCE})
    foreign_allowed = IdKind.FOREIGN_PERMANENT in allowed
    if len(number) == 18:
        person: list[Callable[[str, date | None], IdCheck]] = []
        if foreign_allowed and (number[0] == "9" or not resident_allowed):
            person.append(_check_foreign_2023)
        elif resident_allowed:
            person.append(_check_gb11643)
        company: list[Callable[[str, date | None], IdCheck]] = []
        if IdKind.USCC in allowed:
            company.append(_check_uscc_normalized)
        person_first = _all_digits(number[:17])
        candidates = person + company if person_first else company + person
    elif len(number) == 15:
        if number[0] in _UPPER_LETTERS:
            if foreign_allowed:
                candidates.append(_check_foreign_2017)
        elif resident_allowed:
            candidates.append(_check_old_resident)
    if not candidates:
        return _invalid(None, number, _length_problem(number, allowed))
    results = [_only_allowed(check(number, today), allowed) for check in candidates]
    for result in results:
        if result.valid:
            return result
    return min(results, key=lambda result: len(result.problems))


def check_resident_id(value: str, *, today: date | None = None) -> IdCheck:
    """Check a GB 11643 number: 居民身份证, or 港澳台居民居住证 (address 810000/820000/830000)."""
    number, early = _prepare(value)
    if early is not None:
        return early
    if len(number) == 15 and number[0] not in _UPPER_LETTERS:
        return _check_old_resident(number, today)
    if len(number) != 18:
        problem = f"身份证号码应为18位，现为{len(number)}位"
        return _invalid(_gb11643_kind(number), number, (problem,))
    return _check_gb11643(number, today)


def check_foreign_permanent_id(value: str, *, today: date | None = None) -> IdCheck:
    """Check a 外国人永久居留身份证 number: 18 digits from 9 (2023) or 15 characters (2017)."""
    number, early = _prepare(value)
    if early is not None:
        return early
    if len(number) == 18:
        return _check_foreign_2023(number, today)
    if len(number) == 15:
        return _check_foreign_2017(number, today)
    problem = f"永久居留身份证号码应为18位（2023版）或15位（2017版），现为{len(number)}位"
    return _invalid(IdKind.FOREIGN_PERMANENT, number, (problem,))


def check_uscc(value: str) -> IdCheck:
    """Check a 统一社会信用代码 (GB 32100)."""
    number, early = _prepare(value)
    if early is not None:
        return early
    if len(number) != 18:
        problem = f"统一社会信用代码应为18位，现为{len(number)}位"
        return _invalid(IdKind.USCC, number, (problem,))
    return _check_uscc_normalized(number, None)


#: Longest name accepted (people and organisations): a 身份证 holds at most 15 characters, a
#: registered organisation name rarely 60; anything longer is a paste accident.
MAX_NAME_CHARS = 100


def clean_name(value: str) -> str:
    """A typed or read name without control and invisible format characters (BEL, bidi
    overrides, zero-width): they cannot be seen on screen and would corrupt the paper, so they
    are dropped rather than refused, and the applicant still leaves with a receipt."""
    return "".join(c for c in value if unicodedata.category(c) not in ("Cc", "Cf")).strip()


def name_problems(value: str) -> tuple[str, ...]:
    """Why a name (a person's or an organisation's) cannot be stored and printed as typed.

    A lone surrogate (half of a character, left by a broken copy-paste or a reader's garbled
    UCS-2) cannot be written as UTF-8; control characters would corrupt printed documents.
    """
    text = value.strip()
    if not text:
        return ("未输入姓名或名称",)
    problems = []
    if len(text) > MAX_NAME_CHARS:
        problems.append(f"姓名或名称过长（超过{MAX_NAME_CHARS}个字符）")
    categories = {unicodedata.category(char) for char in text}
    if "Cs" in categories:
        problems.append("含有无法识别的残缺字符（可能是复制粘贴或读卡出错），请重新输入")
    if "Cc" in categories:
        problems.append("含有控制字符，请重新输入")
    return tuple(problems)


# ------------------------------------------------------------------ per-kind checks


def _prepare(value: str) -> tuple[str, IdCheck | None]:
    """Normalise, or return the final answer for input that is empty or far too long."""
    if len(value) > MAX_INPUT_CHARS:
        return "", _invalid(None, "", (f"输入过长（超过{MAX_INPUT_CHARS}个字符），不是证件号码",))
    number = normalize_id_text(value)
    if not number:
        return "", _invalid(None, "", ("未输入号码",))
    return number, None


_PERSON_NOT_USCC = "这个号码是居民身份证号码的格式（省份、出生日期），不是统一社会信用代码"


def _person_shaped(number: str) -> bool:
    """18 characters laid out as a GB 11643 number: province, a real birth date, digits."""
    if not _all_digits(number[:17]) or (number[17] not in _DIGITS and number[17] != "X"):
        return False
    if number[:2] not in PROVINCES:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return born.year >= 1900


def _gb11643_kind(number: str) -> IdKind:
    return IdKind.GAT_RESIDENCE if number[:2] in {"81", "82", "83"} else IdKind.RESIDENT


def _check_gb11643(number: str, today: date | None) -> IdCheck:
    kind = _gb11643_kind(number)
    problems = _mod11_shape_problems(number)
    region_code = number[:6] if _all_digits(number[:6]) else None
    if region_code is not None:
        if kind is IdKind.GAT_RESIDENCE:
            if region_code not in _GAT_REGIONS:
                problems.append("港澳台居民居住证号码的前6位应为810000、820000或830000")
        elif region_code[:2] not in PROVINCES:
            problems.append(f"前两位（{region_code[:2]}）不是有效的省级行政区代码")
    birth = _birth_date(number[6:14], today, problems)
    problems += _mod11_check_problems(number)
    return _result(kind, number, problems, birth=birth, sex=_sex(number[16]), region=region_code)


def _check_old_resident(number: str, today: date | None) -> IdCheck:
    """15-digit first-generation numbers: no longer issued, so never valid, but still read."""
    problems = ["这是15位旧身份证号码，已停止使用，请提供18位号码"]
    if not _all_digits(number):
        problems.append("15位旧身份证号码应全部为数字")
        return _invalid(IdKind.RESIDENT, number, tuple(problems))
    birth = _birth_date("19" + number[6:12], today, problems)
    region_code = number[:6]
    if region_code[:2] not in PROVINCES:
        problems.append(f"前两位（{region_code[:2]}）不是有效的省级行政区代码")
    return _result(
        IdKind.RESIDENT, number, problems, birth=birth, sex=_sex(number[14]), region=region_code
    )


def _check_foreign_2023(number: str, today: date | None) -> IdCheck:
    """Layout: 9 + province (2) + numeric nationality (3) + birth (8) + sequence (3) + check."""
    problems = _mod11_shape_problems(number)
    if number[0] != "9":
        problems.append("2023版永久居留身份证号码应以9开头")
    province = number[1:3]
    if _all_digits(province) and province not in _MAINLAND_PROVINCES:
        problems.append(f"第2–3位受理地省份代码（{province}）无效")
    if number[3:6] == "000":
        problems.append("第4–6位国籍代码不能为000")
    birth = _birth_date(number[6:14], today, problems)
    problems += _mod11_check_problems(number)
    return _result(IdKind.FOREIGN_PERMANENT, number, problems, birth=birth, sex=_sex(number[16]))


def _check_foreign_2017(number: str, today: date | None) -> IdCheck:
    """Layout: nationality letters (3) + city (4) + YYMMDD + sequence (1) + check (1).

    Only the letters-then-digits shape is published by the issuer; the city code and the 7-3-1
    check digit come from public implementations that not all agree, so they only warn.
    """
    problems: list[str] = []
    warnings: list[str] = []
    if not all(char in _UPPER_LETTERS for char in number[:3]):
        problems.append("2017版永久居留身份证号码前3位应为国籍字母代码")
    if not _all_digits(number[3:]):
        problems.append("2017版永久居留身份证号码第4–15位应为数字")
    if problems:
        return _invalid(IdKind.FOREIGN_PERMANENT, number, tuple(problems))
    if number[3:5] not in _MAINLAND_PROVINCES:
        warnings.append(f"第4–5位受理地省份代码（{number[3:5]}）不常见，请核对")
    birth = _short_birth_date(number[7:13], today, problems)
    if foreign_2017_check_digit(number[:14]) != number[14]:
        warnings.append("最后一位校验位与常见算法不符，请核对证件")
    return _result(IdKind.FOREIGN_PERMANENT, number, problems, birth=birth, warnings=warnings)


def _check_uscc_normalized(number: str, _today: date | None) -> IdCheck:
    problems: list[str] = []
    bad = [str(i + 1) for i, char in enumerate(number) if char not in _USCC_VALUES]
    if bad:
        problems.append(
            f"第{'、'.join(bad)}位含有统一社会信用代码不使用的字符（不含I、O、S、V、Z）"
        )
    authority = USCC_AUTHORITIES.get(number[0])
    if authority is None:
        if number[0] in _USCC_VALUES:
            problems.append(f"第1位登记管理部门代码（{number[0]}）无效")
    elif number[1] not in authority[1] and number[1] in _USCC_VALUES:
        problems.append(f"第2位机构类别代码（{number[1]}）与登记管理部门（{authority[0]}）不符")
    region_code = number[2:8] if _all_digits(number[2:8]) else None
    if region_code is None:
        problems.append("第3–8位登记管理机关行政区划码应为6位数字")
    elif region_code[:2] not in PROVINCES and region_code[:2] != _USCC_CENTRAL_REGION:
        problems.append(f"第3–4位（{region_code[:2]}）不是有效的省级行政区代码")
    if not bad and uscc_check_char(number[:17]) != number[17]:
        problems.append(_CHECK_MISMATCH)
    if _person_shaped(number):
        problems.append(_PERSON_NOT_USCC)
    return _result(IdKind.USCC, number, problems, region=region_code)


# ------------------------------------------------------------------ shared pieces

# The expected check character is deliberately not shown: a mistyped number is fixed by finding
# the wrong digit, not by overwriting the check character so that it "passes".
_CHECK_MISMATCH = "校验码不符，号码可能输错，请逐位核对"


def _mod11_shape_problems(number: str) -> list[str]:
    problems = []
    bad = [str(i + 1) for i, char in enumerate(number[:17]) if char not in _DIGITS]
    if bad:
        problems.append(f"第{'、'.join(bad)}位应为数字")
    if number[17] not in _DIGITS and number[17] != "X":
        problems.append("第18位校验码应为数字或X")
    return problems


def _mod11_check_problems(number: str) -> list[str]:
    if not _all_digits(number[:17]) or (number[17] not in _DIGITS and number[17] != "X"):
        return []  # the shape problem is already reported; a checksum over junk means nothing
    if mod11_2_check_char(number[:17]) != number[17]:
        return [_CHECK_MISMATCH]
    return []


def _birth_date(digits: str, today: date | None, problems: list[str]) -> date | None:
    """Parse ``YYYYMMDD``; record why it is unusable and return None in that case."""
    if not _all_digits(digits):
        return None  # already reported as a non-digit
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        problems.append(f"出生日期（{digits[:4]}-{digits[4:6]}-{digits[6:]}）不是有效日期")
        return None
    return _plausible_birth(born, today, problems)


def _short_birth_date(digits: str, today: date | None, problems: list[str]) -> date | None:
    """Parse ``YYMMDD``. The century is the latest one not after ``today``; without ``today``
    the century cannot be told, so the date is only checked to exist, and None is returned."""
    year, month, day = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    readings = []
    for century in (2000, 1900):
        try:
            readings.append(date(century + year, month, day))
        except ValueError:
            continue
    if not readings:
        problems.append(f"出生日期（{digits[:2]}年{digits[2:4]}月{digits[4:]}日）不是有效日期")
        return None
    if today is None:
        return None
    for born in readings:
        if born <= today:
            return born
    problems.append("出生日期晚于今天")
    return None


def _plausible_birth(born: date, today: date | None, problems: list[str]) -> date | None:
    if born.year < 1900:
        problems.append("出生日期早于1900年")
        return None
    if today is not None and born > today:
        problems.append("出生日期晚于今天")
        return None
    return born


def _sex(digit: str) -> str | None:
    if digit not in _DIGITS:
        return None
    return "男" if int(digit) % 2 else "女"


def _all_digits(text: str) -> bool:
    return all(char in _DIGITS for char in text)


def _length_problem(number: str, allowed: frozenset[IdKind]) -> tuple[str, ...]:
    if allowed == {IdKind.USCC}:
        return (f"统一社会信用代码应为18位，现为{len(number)}位",)
    return (f"号码位数不对：证件号码一般为18位，现为{len(number)}位",)


def _only_allowed(result: IdCheck, allowed: frozenset[IdKind]) -> IdCheck:
    """A reading of a kind the caller does not accept is reported, not silently dropped."""
    if result.kind is None or result.kind in allowed:
        return result
    problem = f"这是{result.kind.label}号码，此处不适用"
    return IdCheck(
        valid=False,
        kind=result.kind,
        problems=(*result.problems, problem),
        birth_date=result.birth_date,
        sex=result.sex,
        region_code=result.region_code,
        warnings=result.warnings,
        number=result.number,
    )


def _invalid(kind: IdKind | None, number: str, problems: tuple[str, ...]) -> IdCheck:
    return IdCheck(valid=False, kind=kind, problems=problems, number=number)


def _result(
    kind: IdKind,
    number: str,
    problems: list[str],
    *,
    birth: date | None = None,
    sex: str | None = None,
    region: str | None = None,
    warnings: list[str] | None = None,
) -> IdCheck:
    return IdCheck(
        valid=not problems,
        kind=kind,
        problems=tuple(problems),
        birth_date=birth,
        sex=sex,
        region_code=region,
        warnings=tuple(warnings or ()),
        number=number,
    )
