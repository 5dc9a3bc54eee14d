"""The ID card reader port: what the reader service and the UI need from a card reader.

Adapters in ``zhanhe_counter.adapters.idcard`` implement :class:`CardReader` (serial SAM, PC/SC,
simulator) and :class:`PhotoDecoder`; the record they produce is :class:`IdCardRecord`.
Every error a reader can raise is an :class:`IdCardError` with a Chinese message for the clerk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

# The card types are the domain's (they travel into the case); readers name them from here too.
from zhanhe_counter.domain.applicant import CardType as CardType  # noqa: PLC0414 (re-export)
from zhanhe_counter.domain.applicant import Person
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.masking import mask_id_number

LONG_TERM = "长期"


class PhotoStatus(StrEnum):
    """照片状态: why the form shows the photo or a placeholder."""

    DECODED = "decoded"
    NO_DECODER = "no_decoder"  # the default: no vendor decoder configured
    DECODE_FAILED = "decode_failed"
    ABSENT = "absent"  # the read carried no photo


@dataclass(frozen=True)
class IdCardRecord:
    """身份证读卡记录: one card as read, with findings shown to the clerk as warnings.

    Fields a layout does not carry are empty strings / ``None``. ``raw_text`` keeps the 256 bytes so
    a layout fix needs no re-read. The repr masks the number and hides address, photo and raw data,
    so a record that ends up in a log line leaks nothing.
    """

    card_type: CardType
    name: str
    sex: str  # 男 / 女, or "" for an unknown code
    sex_code: str
    birth_date: date | None
    id_number: str
    address: str = ""
    nation_code: str = ""
    nation: str = ""  # the short name printed on the card, e.g. 汉; 未知(nn) for unknown codes
    issuer: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    long_term: bool = False
    name_en: str = ""
    pass_number: str = ""
    issue_count: str = ""
    renewal_count: str = ""
    nationality: str = ""
    card_version: str = ""
    authority_code: str = ""
    old_number_link: str = ""
    appended_address: str = ""
    warnings: tuple[str, ...] = ()
    raw_text: bytes = field(default=b"", repr=False)
    photo_wlt: bytes | None = field(default=None, repr=False)
    photo_bmp: bytes | None = field(default=None, repr=False)
    photo_status: PhotoStatus = PhotoStatus.ABSENT
    fingerprint: bytes | None = field(default=None, repr=False)
    chip_serial: str | None = None
    source: str = ""  # serial / pcsc / sim / file

    @property
    def has_photo(self) -> bool:
        return bool(self.photo_wlt)

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""

    @property
    def full_address(self) -> str:
        """住址 with the 追加住址 the chip holds after a move, as the card's back would show it."""
        return self.address + (self.appended_address and f"（{self.appended_address}）")

    def person(self, *, phone: str | None = None) -> Person:
        """The card holder as the case records them: the card type and the fields its layout
        has (English name and nationality of a foreign card, 通行证号码 of a residence permit).
        A foreign card without a Chinese name goes by its English one."""
        return Person(
            name=self.name.strip() or self.name_en.strip(),
            id_number=self.id_number,
            card_type=self.card_type,
            phone=phone,
            address=self.full_address or None,
            name_en=self.name_en.strip() or None,
            nationality=self.nationality.strip() or None,
            pass_number=self.pass_number.strip() or None,
        )

    @property
    def valid_until_text(self) -> str:
        """YYYY-MM-DD, 长期, or "" when the field was unreadable."""
        if self.long_term:
            return LONG_TERM
        return self.valid_until.isoformat() if self.valid_until else ""

    def same_card_as(self, other: IdCardRecord | None) -> bool:
        """True when ``other`` is the same card read again (same chip text and address)."""
        return (
            other is not None
            and self.raw_text == other.raw_text
            and self.appended_address == other.appended_address
            and self.id_number == other.id_number
        )

    def __repr__(self) -> str:
        return (
            f"IdCardRecord(card_type={self.card_type.value!r}, id={self.masked_id!r}, "
            f"source={self.source!r}, photo={self.photo_status.value!r}, "
            f"warnings={len(self.warnings)})"
        )

    __str__ = __repr__


# ---------------------------------------------------------------- errors


class IdCardError(DomainError):
    """读卡错误: anything that stops a card from being read."""


class NoCardError(IdCardError):
    """No card in the reader's field (寻找证/卡失败)."""

    def __init__(self, message: str = "no card in the field") -> None:
        super().__init__(message, "未检测到证件，请将证件放到阅读器上")


class CardReadError(IdCardError):
    """The card is there but this read failed; moving the card or retrying usually helps."""


class CardDataError(CardReadError):
    """The bytes read do not form a valid record (bad frame, unknown layout, truncated data)."""


class ReaderUnavailableError(IdCardError):
    """The reader is missing, unplugged, not answering, or its security module is unusable."""


class ReaderNotSupportedError(IdCardError):
    """The reader works but cannot read identity data (e.g. a PC/SC reader without a SAM)."""


# ---------------------------------------------------------------- ports


class CardReader(Protocol):
    """身份证阅读器: one reader, polled by the reader service on its worker thread."""

    @property
    def description(self) -> str:
        """A short human description, e.g. ``串口 /dev/ttyUSB0``."""
        ...

    def open(self) -> None:
        """Connect to the reader; raises :class:`ReaderUnavailableError`."""
        ...

    def close(self) -> None:
        """Release the reader; safe to call twice."""
        ...

    def card_present(self) -> bool:
        """One find-card poll: True when a card answers. Raises ReaderUnavailableError."""
        ...

    def read_card(self) -> IdCardRecord:
        """Select and read the card found by the last poll. Raises an :class:`IdCardError`."""
        ...


class PhotoDecoder(Protocol):
    """照片解码: turns the 1024-byte WLT blob into a BMP file, or None when it cannot."""

    @property
    def available(self) -> bool:
        """False for the default decoder that has no vendor library."""
        ...

    def decode(self, wlt: bytes) -> bytes | None:
        """The decoded photo as BMP file bytes, or None; never raises for bad data."""
        ...
