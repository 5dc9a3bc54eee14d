"""Case numbers (收件编号/受理编号 …) made offline at each station.

Layout, 22 characters::

    410411 01 S 20261126 0007 K
    │      │  │ │        │    └ check character (ISO 7064 MOD 37-2: 0-9, A-Z or *)
    │      │  │ │        └ sequence per station, per day, per kind (the store allocates it)
    │      │  │ └ day
    │      │  └ kind letter (CaseNumberKind)
    │      └ terminal code, unique within the division
    └ division code (GB/T 2260) of the hall

The station code (division + terminal) makes numbers from different stations distinct without
asking a server; the day and the kind keep each series short.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.identity import PROVINCES

CASE_NUMBER_LENGTH = 22
MAX_SEQUENCE = 9999

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CHECK_ALPHABET = _ALPHABET + "*"  # MOD 37-2 needs a 37th symbol
_VALUES = {char: value for value, char in enumerate(_CHECK_ALPHABET)}
_MODULUS = 37  # prime: every single substitution and every neighbour swap changes the sum

_STATION = re.compile(r"(\d{6})([0-9A-Z]{2})")
_CASE_NUMBER = re.compile(r"(\d{6})([0-9A-Z]{2})([A-Z])(\d{8})(\d{4})([0-9A-Z*])")

# Longer input is certainly not a case number; refuse it before normalising.
_MAX_INPUT_CHARS = 64


class CaseNumberKind(StrEnum):
    """编号类别. The value is the letter printed in the number."""

    RECEIPT = "S"  # 收件
    ACCEPTANCE = "L"  # 受理
    SUPPLEMENT_NOTICE = "B"  # 补正告知
    REFUSAL = "N"  # 不予受理
    HANDOVER = "J"  # 交接
    CONSULTATION = "Z"  # 咨询

    @property
    def label(self) -> str:
        """The Chinese name of the series."""
        return _LABELS[self]


_LABELS = {
    CaseNumberKind.RECEIPT: "收件",
    CaseNumberKind.ACCEPTANCE: "受理",
    CaseNumberKind.SUPPLEMENT_NOTICE: "补正告知",
    CaseNumberKind.REFUSAL: "不予受理",
    CaseNumberKind.HANDOVER: "交接",
    CaseNumberKind.CONSULTATION: "咨询",
}


@dataclass(frozen=True, slots=True)
class CaseNumber:
    """办件编号, taken apart."""

    division_code: str
    terminal_code: str
    kind: CaseNumberKind
    day: date
    seq: int
    check: str

    @property
    def station_code(self) -> str:
        """Division code + terminal code, e.g. ``41041101``."""
        return self.division_code + self.terminal_code

    @property
    def text(self) -> str:
        """The number as printed, without separators."""
        return (
            f"{self.station_code}{self.kind.value}{_day_text(self.day)}{self.seq:04d}{self.check}"
        )

    def __str__(self) -> str:
        return self.text


def check_character(body: str) -> str:
    """ISO 7064 MOD 37-2 check character over digits and upper-case letters.

    Why MOD 37-2: a clerk copying a number at the delivery window mistypes one character or
    swaps two neighbours. In this pure system the weights are powers of 2 modulo the prime 37,
    so both errors always change the weighted sum and are always caught (the hybrid MOD 37,36,
    tried first, misses some swaps: 20491121 <-> 20491211 gave the same check). The price is a
    37th symbol, ``*``, for one number in 37; it scans in QR and Code128 and types on any keyboard.
    """
    total = 0
    for char in body:
        total = (total + _VALUES[char]) * 2 % _MODULUS
    return _CHECK_ALPHABET[(1 - total) % _MODULUS]


def validate_station_code(station_code: str) -> str:
    """Return the normalised station code (division 6 digits + terminal 2 letters/digits) or
    raise DomainError if it cannot identify a station."""
    code = _normalize(station_code)
    match = _STATION.fullmatch(code)
    if match is None:
        raise DomainError(
            "station code must be 6 digits and 2 letters or digits",
            "工作站代码应为6位行政区划代码加2位终端代码（字母或数字），例如41041101",
        )
    if match.group(1)[:2] not in PROVINCES:
        raise DomainError(
            "station code does not start with a province code",
            "工作站代码的前两位不是有效的省级行政区代码",
        )
    return code


def make_case_number(station_code: str, kind: CaseNumberKind | str, day: date, seq: int) -> str:
    """Build the number; ``seq`` (1–9999) comes from the station's store."""
    station = validate_station_code(station_code)
    try:
        kind = CaseNumberKind(kind)
    except ValueError:
        raise DomainError(
            f"unknown case number kind {kind!r}",
            "编号类别无效，应为S、L、B、N、J或Z",
        ) from None
    if not 1 <= seq <= MAX_SEQUENCE:
        raise DomainError(
            f"sequence {seq} outside 1..{MAX_SEQUENCE}",
            f"当天该类编号已用完（每天最多{MAX_SEQUENCE}个），请联系管理员",
        )
    body = f"{station}{kind.value}{_day_text(day)}{seq:04d}"
    return body + check_character(body)


def parse_case_number(text: str) -> CaseNumber:
    """Take a typed or scanned number apart. Spaces, hyphens, full-width characters and lower
    case are tolerated; anything else wrong raises DomainError with a Chinese message."""
    if len(text) > _MAX_INPUT_CHARS:
        raise DomainError("case number input too long", "编号过长，请核对")
    number = _normalize(text)
    if len(number) != CASE_NUMBER_LENGTH:
        raise DomainError(
            f"case number has {len(number)} characters",
            f"编号应为{CASE_NUMBER_LENGTH}位，现为{len(number)}位，请核对",
        )
    match = _CASE_NUMBER.fullmatch(number)
    if match is None:
        raise DomainError("case number malformed", "编号格式不正确，请核对")
    division, terminal, letter, day_digits, seq_digits, check = match.groups()
    if check_character(number[:-1]) != check:
        raise DomainError(
            "case number check character mismatch",
            "编号校验位不符，可能输错了，请逐位核对",
        )
    # A number with a correct check character but impossible parts was never issued by us.
    try:
        kind = CaseNumberKind(letter)
        day = date(int(day_digits[:4]), int(day_digits[4:6]), int(day_digits[6:]))
    except ValueError:
        raise DomainError(
            "case number parts invalid", "编号中的类别或日期无效，不是本系统的编号"
        ) from None
    if division[:2] not in PROVINCES or seq_digits == "0000":
        raise DomainError(
            "case number parts invalid", "编号中的地区代码或序号无效，不是本系统的编号"
        )
    return CaseNumber(division, terminal, kind, day, int(seq_digits), check)


def is_valid_case_number(text: str) -> bool:
    """True when ``text`` parses as a case number with a correct check character."""
    try:
        parse_case_number(text)
    except DomainError:
        return False
    return True


def format_case_number(text: str, separator: str = " ") -> str:
    """Group a number for print and reading aloud: ``410411 01 S 20261126 0007 K``."""
    number = parse_case_number(text)
    parts = (
        number.division_code,
        number.terminal_code,
        number.kind.value,
        _day_text(number.day),
        f"{number.seq:04d}",
        number.check,
    )
    return separator.join(parts)


def _normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).replace("-", "").upper()


def _day_text(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"
