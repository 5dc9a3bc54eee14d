"""The applicant value (申请人): card types and what each name and number means."""

from __future__ import annotations

import pytest

from zhanhe_counter.domain.applicant import Applicant, CardType, Person
from zhanhe_counter.domain.identity import IdKind, check_id

FOREIGN = Person(
    "安娜",
    id_number="932682198001010010",
    card_type=CardType.FOREIGN_2023,
    name_en="ANNA SMITH",
    nationality="CAN",
)


@pytest.mark.parametrize(
    ("card", "label", "layout", "kind"),
    [
        (CardType.RESIDENT, "居民身份证", "居民身份证", IdKind.RESIDENT),
        (CardType.GAT_RESIDENCE, "港澳台居民居住证", "港澳台居民居住证", IdKind.GAT_RESIDENCE),
        (
            CardType.FOREIGN_2017,
            "外国人永久居留身份证",
            "外国人永久居留身份证（2017版）",
            IdKind.FOREIGN_PERMANENT,
        ),
        (
            CardType.FOREIGN_2023,
            "外国人永久居留身份证",
            "外国人永久居留身份证（2023版）",
            IdKind.FOREIGN_PERMANENT,
        ),
    ],
)
def test_each_card_type_names_its_document_and_number(
    card: CardType, label: str, layout: str, kind: IdKind
) -> None:
    assert card.label == label
    assert card.layout_label == layout
    assert card.id_kind is kind
    assert card.is_foreign == (kind is IdKind.FOREIGN_PERMANENT)


def test_a_person_prints_the_card_type_it_holds() -> None:
    assert Person("张三").id_type == "居民身份证"
    assert FOREIGN.id_type == "外国人永久居留身份证"
    assert check_id(FOREIGN.id_number, kinds={FOREIGN.card_type.id_kind}).kind is (
        IdKind.FOREIGN_PERMANENT
    )


def test_a_natural_person_applies_with_their_own_card() -> None:
    applicant = Applicant(FOREIGN)
    assert not applicant.is_organisation
    assert applicant.display_name == "安娜"
    assert applicant.id_type == "外国人永久居留身份证"
    assert applicant.id_number == FOREIGN.id_number
    assert applicant.present is FOREIGN


def test_an_organisation_applies_with_its_code_and_an_agent_signs() -> None:
    agent = Person("王五", id_number="410411198803150015")
    applicant = Applicant(
        Person("李四"), organisation="某某餐饮店", uscc="91410411MA9XXXXXX0", agent=agent
    )
    assert applicant.is_organisation
    assert applicant.display_name == "某某餐饮店"
    assert applicant.id_type == "统一社会信用代码"
    assert applicant.id_number == "91410411MA9XXXXXX0"
    assert applicant.present is agent
    assert Applicant(Person("李四"), organisation="某某餐饮店").id_number == ""
