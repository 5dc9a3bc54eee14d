"""The applicant (申请人) as a domain value, from the card read to the printed document.

A person is identified by one of four ID cards, each with its own 256-byte text layout and
its own fields: the 居民身份证; the 港澳台居民居住证 with its 通行证号码; the 外国人永久居留身份证
in its 2017 and 2023 layouts, with English name and nationality. The card type travels with
the person into the case record and onto the documents, so a foreign applicant is never
printed as holding a 居民身份证.
How the applicant is stored in an event is ``domain.payloads``' business, not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from zhanhe_counter.domain.identity import IdKind

#: What a 统一社会信用代码 is called on the documents, where a person's card type would stand.
USCC_LABEL = IdKind.USCC.label


class CardType(StrEnum):
    """证件类型: which card (and which of its text layouts) identifies a person.

    Values are stored and synced."""

    RESIDENT = "resident"  # 居民身份证
    GAT_RESIDENCE = "gat_residence"  # 港澳台居民居住证 (layout flag J)
    FOREIGN_2017 = "foreign_2017"  # 外国人永久居留身份证, 2017 layout (flag I)
    FOREIGN_2023 = "foreign_2023"  # 外国人永久居留身份证, 2023 layout (flag Y)

    @property
    def label(self) -> str:
        """The card's name as printed on documents (both foreign layouts are one card type)."""
        return self.id_kind.label

    @property
    def layout_label(self) -> str:
        """The card's name with its layout, for the clerk's screen."""
        return _LAYOUT_LABELS.get(self, self.label)

    @property
    def id_kind(self) -> IdKind:
        """The kind of number the card carries, for ``identity.check_id``."""
        return _ID_KINDS[self]

    @property
    def is_foreign(self) -> bool:
        return self in (CardType.FOREIGN_2017, CardType.FOREIGN_2023)


_ID_KINDS = {
    CardType.RESIDENT: IdKind.RESIDENT,
    CardType.GAT_RESIDENCE: IdKind.GAT_RESIDENCE,
    CardType.FOREIGN_2017: IdKind.FOREIGN_PERMANENT,
    CardType.FOREIGN_2023: IdKind.FOREIGN_PERMANENT,
}

_LAYOUT_LABELS = {
    CardType.FOREIGN_2017: "外国人永久居留身份证（2017版）",
    CardType.FOREIGN_2023: "外国人永久居留身份证（2023版）",
}


@dataclass(frozen=True, slots=True)
class Person:
    """A natural person's identity as checked at the counter (自然人身份).

    ``name`` is the Chinese name (a foreign card may carry none: then the English one). Fields a
    card layout does not have stay None: ``name_en`` and ``nationality`` (ISO 3166 alpha-3, as the
    card stores it) belong to the foreign cards, ``pass_number`` (港澳台居民来往内地通行证号码)
    to the residence permit.
    """

    name: str
    id_number: str = ""
    card_type: CardType = CardType.RESIDENT
    phone: str | None = None
    address: str | None = None
    name_en: str | None = None
    nationality: str | None = None
    pass_number: str | None = None

    @property
    def id_type(self) -> str:
        """证件类型 as printed."""
        return self.card_type.label


@dataclass(frozen=True, slots=True)
class Applicant:
    """申请人: a natural person, or an organisation with its 统一社会信用代码; maybe an agent.

    For an organisation ``person`` is the one who came to the window for it (法定代表人 or staff).
    """

    person: Person
    organisation: str | None = None
    uscc: str | None = None
    agent: Person | None = None  # 委托代理人

    @property
    def is_organisation(self) -> bool:
        return self.organisation is not None

    @property
    def display_name(self) -> str:
        """The name the case goes by: the organisation's, else the person's."""
        return self.organisation or self.person.name

    @property
    def id_type(self) -> str:
        """The applicant's document as printed: 统一社会信用代码 or the person's card type."""
        return USCC_LABEL if self.is_organisation else self.person.id_type

    @property
    def id_number(self) -> str:
        """The applicant's number: the organisation's code, else the person's card number."""
        return (self.uscc or "") if self.is_organisation else self.person.id_number

    @property
    def present(self) -> Person:
        """Who stands at the window for the applicant and signs: the agent, if there is one."""
        return self.agent or self.person
