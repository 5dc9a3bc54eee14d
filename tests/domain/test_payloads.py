"""Typed event records (事件内容): each kind's record writes and reads its own JSON.

Reading malformed payloads is covered kind by kind in ``test_case.py`` and
``test_audit_events.py``; here: a record refuses to be built breaking its kind's rules (so a
service cannot write what no station could read), the applicant's card type round-trips, and the
older spellings of the applicant still read.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.applicant import Applicant, CardType, Person
from zhanhe_counter.domain.events import EventKind

GAT = Person(
    "陈大文",
    id_number="810000199001011230",
    card_type=CardType.GAT_RESIDENCE,
    phone="13800001111",
    address="湛河区曹镇乡",
    pass_number="H01234567",
)
FOREIGN_2017 = Person(
    "安娜",
    id_number="CAN410480010113",
    card_type=CardType.FOREIGN_2017,
    name_en="SMITH, ANNA",
    nationality="CAN",
)


def received(applicant: Applicant, **extra: Any) -> p.Received:
    return p.Received("A0001", "M-001", applicant, **extra)


def round_trip(record: p.EventRecord) -> p.EventRecord:
    return p.read_payload(record.kind, json.loads(json.dumps(record.to_payload())))


def test_every_kind_has_one_record() -> None:
    assert set(p.RECORD_TYPES) == set(EventKind)
    assert all(record.kind is kind for kind, record in p.RECORD_TYPES.items())


@pytest.mark.parametrize(
    "applicant",
    [
        Applicant(GAT),
        Applicant(FOREIGN_2017, agent=GAT),
        Applicant(GAT, organisation="港资某某公司", uscc="91410411MA9XXXXXX0", agent=FOREIGN_2017),
    ],
    ids=["gat", "foreign-with-agent", "organisation"],
)
def test_the_applicant_keeps_its_card_type_and_layout_fields(applicant: Applicant) -> None:
    record = received(applicant)
    assert round_trip(record) == record


def test_the_stored_applicant_keeps_the_keys_older_stations_read() -> None:
    stored = received(Applicant(FOREIGN_2017, agent=GAT)).to_payload()["applicant"]
    assert isinstance(stored, dict)
    assert stored["name"] == stored["person_name"] == "安娜"
    assert stored["id_type"] == stored["person_id_type"] == "外国人永久居留身份证"
    assert stored["id_number"] == stored["person_id_number"] == "CAN410480010113"
    assert stored["person_card_type"] == "foreign_2017"
    assert stored["person_name_en"] == "SMITH, ANNA"
    assert stored["person_nationality"] == "CAN"
    assert stored["agent_name"] == "陈大文"
    assert stored["agent_id_type"] == "港澳台居民居住证"
    assert stored["agent_pass_number"] == "H01234567"


def _old_applicant(**fields: str | None) -> Applicant:
    payload = received(Applicant(Person("张三"))).to_payload()
    payload["applicant"] = {"name": "张三", **fields}
    return p.Received.from_payload(payload).applicant


@pytest.mark.parametrize(
    ("id_type", "number", "card"),
    [
        (None, "410411199001011234", CardType.RESIDENT),
        ("居民身份证", "410411199001011234", CardType.RESIDENT),
        ("resident", "410411199001011234", CardType.RESIDENT),
        ("港澳台居民居住证", "810000199001011230", CardType.GAT_RESIDENCE),
        ("外国人永久居留身份证", "CAN410480010113", CardType.FOREIGN_2017),
        ("外国人永久居留身份证", "932682198001010010", CardType.FOREIGN_2023),
        ("foreign_permanent", "932682198001010010", CardType.FOREIGN_2023),
    ],
)
def test_a_card_type_written_only_as_a_name_is_read_from_it(
    id_type: str | None, number: str, card: CardType
) -> None:
    applicant = _old_applicant(id_type=id_type, id_number=number)
    assert applicant.person.card_type is card
    assert applicant.person.id_number == number


def test_an_unknown_card_name_is_malformed() -> None:
    with pytest.raises(p.InvalidPayload) as info:
        _old_applicant(id_type="护照", id_number="E12345678")
    assert info.value.field == "applicant.person_id_type"
    with pytest.raises(p.InvalidPayload) as info:
        _old_applicant(person_card_type="passport")
    assert info.value.field == "applicant.person_card_type"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: received(Applicant(Person(" "))), "applicant.name"),
        (
            lambda: received(
                Applicant(Person("张三")),
                materials=(p.MaterialItem("1", "申请书"), p.MaterialItem("1", "申请书")),
            ),
            "materials",
        ),
        (lambda: p.RongquePledged((), date(2026, 3, 9)), "items"),
        (lambda: p.NotifiedOnce(()), "items"),
        (lambda: p.Refused(()), "reasons"),
        (lambda: p.SupplementReceived(()), "material_ids"),
        (lambda: p.SupplementReceived(("1", "1")), "material_ids"),
        (lambda: p.Inspected(p.InspectionKind.SIMPLE, "  "), "findings"),
        (lambda: p.Decided(False, relief="可申请行政复议"), "reasons"),
        (lambda: p.Decided(False, ("不符合条件",)), "relief"),
        (lambda: p.Delivered(p.DeliveryMode.PICKUP), "signer"),
        (lambda: p.Delivered(p.DeliveryMode.EXPRESS, carrier="EMS", waybill=" "), "waybill"),
        (lambda: p.Rated(6), "level"),
        (lambda: p.Rated(1), "reasons"),
        (lambda: p.RatingFollowedUp(p.FollowupAction.CONTACTED, " "), "note"),
        (lambda: p.RatingFollowedUp(p.FollowupAction.CONTACTED, "长" * 501), "note"),
        (lambda: p.CaseViewed("410411199001011234"), "screen"),
        (lambda: p.DocumentPrinted("receipt", "A4", copies=0), "copies"),
        (lambda: p.DocumentReprinted("receipt", "A4", "410411199001011234"), "original_job_id"),
        (lambda: p.CaseExported("410411199001011234", "csv"), "export"),
    ],
)
def test_a_record_breaking_its_rules_cannot_be_built(build: Any, field: str) -> None:
    with pytest.raises(p.InvalidPayload) as info:
        build()
    assert info.value.field == field


def test_a_follow_up_note_is_stored_trimmed() -> None:
    assert p.RatingFollowedUp(p.FollowupAction.CLOSED, "  已整改  ").note == "已整改"


def test_record_of_reads_an_event_by_its_kind() -> None:
    from datetime import UTC, datetime
    from uuid import uuid4

    from zhanhe_counter.domain.events import CaseEvent

    event = CaseEvent(
        uuid4(),
        uuid4(),
        EventKind.RATED,
        "ST01",
        1,
        "applicant@W01",
        datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
        p.Rated(2, ("等候时间长",), staff_id="c01").to_payload(),
    )
    rated = p.record_of(event)
    assert isinstance(rated, p.Rated)
    assert rated.is_bad
    assert rated.staff_id == "c01"


def test_receiver_roles_are_named_for_the_receipt() -> None:
    assert [r.label for r in p.ReceiverRole] == ["本人", "代理人", "受托人"]


def test_a_case_keeps_the_catalogue_version_it_was_taken_under() -> None:
    applicant = Applicant(GAT)
    taken = received(applicant, catalogue_version="2027-01", sms_consent=True)
    assert taken.to_payload()["catalogue_version"] == "2027-01"
    assert taken.to_payload()["sms_consent"] is True
    assert round_trip(taken) == taken
    # A case taken under this PC's own file says nothing, exactly as older events.
    local = received(applicant)
    assert "catalogue_version" not in local.to_payload()
    assert round_trip(local) == local
