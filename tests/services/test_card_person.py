"""From the card read to the applicant: the card type and each layout's own fields."""

from __future__ import annotations

from datetime import date

from zhanhe_counter.domain.applicant import CardType, Person
from zhanhe_counter.services.ports.idcard import IdCardRecord


def record(card_type: CardType, **fields: str) -> IdCardRecord:
    base: dict[str, str] = {"name": "", "sex": "女", "sex_code": "2", "id_number": ""}
    return IdCardRecord(card_type=card_type, birth_date=date(1980, 1, 1), **(base | fields))


def test_a_resident_card_gives_name_number_and_the_address_with_its_appendix() -> None:
    card = record(
        CardType.RESIDENT,
        name="张三",
        id_number="410411199001011237",
        address="湛河区演示路1号",
        appended_address="迁至新华区",
    )
    assert card.person(phone="13800001234") == Person(
        "张三",
        id_number="410411199001011237",
        phone="13800001234",
        address="湛河区演示路1号（迁至新华区）",
    )


def test_a_residence_permit_keeps_its_pass_number() -> None:
    card = record(
        CardType.GAT_RESIDENCE,
        name="陈大文",
        id_number="810000199001011230",
        pass_number="H01234567",
        issue_count="01",
    )
    person = card.person()
    assert person.card_type is CardType.GAT_RESIDENCE
    assert person.pass_number == "H01234567"
    assert (person.name_en, person.nationality, person.address) == (None, None, None)


def test_a_foreign_card_keeps_english_name_and_nationality() -> None:
    card = record(
        CardType.FOREIGN_2017,
        name_en="SMITH, ANNA ",
        nationality="CAN",
        id_number="CAN410480010113",
    )
    person = card.person()
    assert person.card_type is CardType.FOREIGN_2017
    assert person.name == "SMITH, ANNA"  # no Chinese name on the card: the English one
    assert (person.name_en, person.nationality) == ("SMITH, ANNA", "CAN")
    assert person.id_type == "外国人永久居留身份证"
