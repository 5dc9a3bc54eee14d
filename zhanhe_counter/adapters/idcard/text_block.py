"""The 256-byte text block (UCS-2 little-endian) in its four layouts, both directions.

The character at bytes 248–249 selects the layout: blank = resident card, ``J`` = HK/Macau/Taiwan
residence permit, ``I`` = foreign permanent residence card 2017, ``Y`` = its 2023 version.
Parsing never raises for odd field contents: what looks wrong becomes a warning for the clerk.
Only a block of the wrong size or an unknown layout flag raises :class:`TextBlockError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from zhanhe_counter.adapters.idcard.codes import SEXES, nation_name
from zhanhe_counter.domain.identity import PERSON_KINDS, check_id
from zhanhe_counter.services.ports.idcard import (
    LONG_TERM,
    CardDataError,
    CardType,
    IdCardRecord,
    PhotoStatus,
)

TEXT_LEN = 256
FLAG_OFFSET = 248


@dataclass(frozen=True)
class Field:
    """One fixed-width field: its name, byte offset and width in UCS-2 characters."""

    name: str
    offset: int
    chars: int


LAYOUTS: dict[CardType, tuple[Field, ...]] = {
    CardType.RESIDENT: (
        Field("name", 0, 15),
        Field("sex", 30, 1),
        Field("nation", 32, 2),
        Field("birth", 36, 8),
        Field("address", 52, 35),
        Field("id_number", 122, 18),
        Field("issuer", 158, 15),
        Field("valid_from", 188, 8),
        Field("valid_until", 204, 8),
    ),
    CardType.GAT_RESIDENCE: (
        Field("name", 0, 15),
        Field("sex", 30, 1),
        Field("birth", 36, 8),
        Field("address", 52, 35),
        Field("id_number", 122, 18),
        Field("issuer", 158, 15),
        Field("valid_from", 188, 8),
        Field("valid_until", 204, 8),
        Field("pass_number", 220, 9),
        Field("issue_count", 238, 2),
    ),
    CardType.FOREIGN_2017: (
        Field("name_en", 0, 60),
        Field("sex", 120, 1),
        Field("id_number", 122, 15),
        Field("nationality", 152, 3),
        Field("name", 158, 15),
        Field("valid_from", 188, 8),
        Field("valid_until", 204, 8),
        Field("birth", 220, 8),
        Field("card_version", 236, 2),
        Field("authority_code", 240, 4),
    ),
    CardType.FOREIGN_2023: (
        Field("name", 0, 15),
        Field("sex", 30, 1),
        Field("renewal_count", 32, 2),
        Field("birth", 36, 8),
        Field("name_en", 52, 35),
        Field("id_number", 122, 18),
        Field("valid_from", 188, 8),
        Field("valid_until", 204, 8),
        Field("name_en_tail", 220, 11),  # English name characters 36–46
        Field("nationality", 242, 3),
        Field("old_number_link", 250, 3),
    ),
}

FLAGS: dict[CardType, str] = {
    CardType.RESIDENT: " ",
    CardType.GAT_RESIDENCE: "J",
    CardType.FOREIGN_2017: "I",
    CardType.FOREIGN_2023: "Y",
}
_BY_FLAG = {"J": CardType.GAT_RESIDENCE, "I": CardType.FOREIGN_2017, "Y": CardType.FOREIGN_2023}
_BLANK_FLAGS = {" ", "\x00"}

# What check_id() should call each layout's number.
_EXPECTED_KIND = {
    CardType.RESIDENT: "resident",
    CardType.GAT_RESIDENCE: "gat_residence",
    CardType.FOREIGN_2017: "foreign_permanent",
    CardType.FOREIGN_2023: "foreign_permanent",
}


class TextBlockError(CardDataError):
    """The text block cannot be parsed at all (wrong size or unknown layout)."""


def _decode(raw: bytes) -> str:
    # Lone surrogates in a corrupt block must not crash the read.
    return raw.decode("utf-16-le", errors="replace")


def detect_layout(text: bytes) -> CardType:
    if len(text) != TEXT_LEN:
        raise TextBlockError(
            f"text block of {len(text)} bytes, expected {TEXT_LEN}",
            f"证件文字信息应为256字节，实际为{len(text)}字节",
        )
    flag = _decode(text[FLAG_OFFSET : FLAG_OFFSET + 2])
    if flag in _BLANK_FLAGS:
        return CardType.RESIDENT
    card_type = _BY_FLAG.get(flag)
    if card_type is None:
        shown = flag if flag.isprintable() else f"0x{text[FLAG_OFFSET]:02X}"
        raise TextBlockError(
            f"unknown layout flag {text[FLAG_OFFSET : FLAG_OFFSET + 2].hex()}",
            f"无法识别的证件类型标识“{shown}”",
        )
    return card_type


def read_fields(text: bytes) -> tuple[CardType, dict[str, str]]:
    """The layout and its fields as stripped strings, exactly as on the card."""
    card_type = detect_layout(text)
    values: dict[str, str] = {}
    for spec in LAYOUTS[card_type]:
        raw = _decode(text[spec.offset : spec.offset + 2 * spec.chars])
        values[spec.name] = raw
    if card_type is CardType.FOREIGN_2023:
        # The English name continues in a second field; join before stripping the padding.
        values["name_en"] = values["name_en"] + values.pop("name_en_tail")
    return card_type, {key: value.rstrip(" \x00") for key, value in values.items()}


def encode_text_block(card_type: CardType, fields: Mapping[str, str]) -> bytes:
    """Build a 256-byte block from field strings (names as in :data:`LAYOUTS`).

    Dates are ``YYYYMMDD`` (or 长期 for ``valid_until``); the 2023 card's ``name_en`` may hold
    up to 46 characters and is split across its two fields. Used by the simulator and tests.
    """
    values = dict(fields)
    if card_type is CardType.FOREIGN_2023:
        name_en = values.pop("name_en", "")
        values["name_en"], values["name_en_tail"] = name_en[:35], name_en[35:]
    block = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
    known = {spec.name for spec in LAYOUTS[card_type]}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"fields not in the {card_type.value} layout: {sorted(unknown)}")
    for spec in LAYOUTS[card_type]:
        value = values.get(spec.name, "")
        if len(value) > spec.chars:
            raise ValueError(f"{spec.name} longer than {spec.chars} characters")
        raw = value.ljust(spec.chars).encode("utf-16-le")
        block[spec.offset : spec.offset + len(raw)] = raw
    block[FLAG_OFFSET : FLAG_OFFSET + 2] = FLAGS[card_type].encode("utf-16-le")
    return bytes(block)


def _parse_date(value: str, label: str, warnings: list[str]) -> date | None:
    if not value:
        warnings.append(f"{label}为空")
        return None
    if len(value) == 8 and value.isascii() and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    warnings.append(f"{label}无法识别")
    return None


def parse_text_block(
    text: bytes,
    *,
    today: date | None = None,
    photo_wlt: bytes | None = None,
    fingerprint: bytes | None = None,
    appended_address: str = "",
    chip_serial: str | None = None,
    source: str = "",
) -> IdCardRecord:
    """A record from the 256 text bytes; number and validity findings become warnings.

    ``today`` enables the expiry checks; without it they are skipped.
    """
    card_type, values = read_fields(text)
    warnings: list[str] = []

    sex_code = values.get("sex", "")
    sex = SEXES.get(sex_code, "")
    if not sex:
        warnings.append(f"性别代码无法识别（{sex_code or '空'}）")

    nation_code = values.get("nation", "")
    nation = ""
    if card_type is CardType.RESIDENT:
        known = nation_name(nation_code)
        nation = known or f"未知({nation_code})"
        if known is None:
            warnings.append(f"民族代码无法识别（{nation_code or '空'}）")

    birth = _parse_date(values.get("birth", ""), "出生日期", warnings)
    valid_from = _parse_date(values.get("valid_from", ""), "有效期起始日期", warnings)
    until_text = values.get("valid_until", "")
    long_term = until_text.startswith(LONG_TERM)
    valid_until = None if long_term else _parse_date(until_text, "有效期截止日期", warnings)

    id_number = values.get("id_number", "")
    warnings.extend(_number_findings(card_type, id_number, birth, sex, today))
    if today is not None:
        if valid_until is not None and valid_until < today:
            warnings.append(f"证件已过有效期（截止{valid_until.isoformat()}）")
        if valid_from is not None and valid_from > today:
            warnings.append(f"证件尚未生效（起始{valid_from.isoformat()}）")

    has_photo = bool(photo_wlt)
    return IdCardRecord(
        card_type=card_type,
        name=values.get("name", ""),
        sex=sex,
        sex_code=sex_code,
        birth_date=birth,
        id_number=id_number,
        address=values.get("address", ""),
        nation_code=nation_code,
        nation=nation,
        issuer=values.get("issuer", ""),
        valid_from=valid_from,
        valid_until=valid_until,
        long_term=long_term,
        name_en=values.get("name_en", ""),
        pass_number=values.get("pass_number", ""),
        issue_count=values.get("issue_count", ""),
        renewal_count=values.get("renewal_count", ""),
        nationality=values.get("nationality", ""),
        card_version=values.get("card_version", ""),
        authority_code=values.get("authority_code", ""),
        old_number_link=values.get("old_number_link", ""),
        appended_address=appended_address,
        warnings=tuple(dict.fromkeys(warnings)),
        raw_text=bytes(text),
        photo_wlt=photo_wlt or None,
        photo_status=PhotoStatus.NO_DECODER if has_photo else PhotoStatus.ABSENT,
        fingerprint=fingerprint,
        chip_serial=chip_serial,
        source=source,
    )


def _number_findings(
    card_type: CardType, id_number: str, birth: date | None, sex: str, today: date | None
) -> list[str]:
    if not id_number:
        return ["证件号码为空"]
    check = check_id(id_number, today=today, kinds=PERSON_KINDS)
    findings = [f"证件号码：{problem}" for problem in (*check.problems, *check.warnings)]
    if check.kind is not None and check.kind != _EXPECTED_KIND[card_type]:
        findings.append("证件号码与证件类型不符")
    if check.birth_date is not None and birth is not None and check.birth_date != birth:
        findings.append("证件号码中的出生日期与证件上的出生日期不一致")
    if check.sex is not None and sex and check.sex != sex:
        findings.append("证件号码中的性别与证件上的性别不一致")
    return findings
