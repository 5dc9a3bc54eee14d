"""Intake through the real services on a demo station: every outcome, stored and numbered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.applicant import Applicant, CardType, Person
from zhanhe_counter.domain.case import CaseStatus
from zhanhe_counter.domain.case_number import parse_case_number
from zhanhe_counter.domain.checklist import ApplicantSituation, MaterialRecord, Outcome
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.domain.notice_service import unserved
from zhanhe_counter.domain.payloads import ServiceMethod
from zhanhe_counter.services.intake import IntakeRefused, IntakeRequest, IntakeService, new_action
from zhanhe_counter.services.ports.storage import CaseQuery
from zhanhe_counter.services.station import Staff

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=CHINA_TIME)
CLERK = Staff("zhangmin", "张敏")
# A valid GB 11643 number (check character computed by the standard's MOD 11-2).
APPLICANT = Applicant(Person(name="刘䶮", id_number="410411195001011239", phone="13800001234"))


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    built = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    yield built
    built.close()


def _request(station: Station, matter_id: str, missing: set[int] = frozenset(), **situation):
    matter = station.catalogue.matter(matter_id)
    records = {}
    for number, material in enumerate(matter.materials, start=1):
        records[material.name] = (
            MaterialRecord.missing() if number in missing else MaterialRecord.as_required(material)
        )
    return IntakeRequest(
        action=new_action(),
        matter_id=matter_id,
        applicant=APPLICANT,
        records=records,
        clerk=CLERK,
        situation=ApplicantSituation(**situation),
    )


def _kinds(committed) -> list[EventKind]:
    return [event.kind for event in committed.events]


def test_receive_on_spot_complete_is_received_and_numbered_s(station: Station) -> None:
    committed = station.intake.commit(_request(station, "ZH-005"))
    assert _kinds(committed) == [EventKind.RECEIVED]
    assert committed.case.status is CaseStatus.RECEIVED
    assert committed.case.first_handler == CLERK.staff_id
    number = parse_case_number(committed.case.case_number or "")
    assert number.kind.value == "S"
    assert set(committed.result.documents) >= {
        DocumentKind.INTAKE_RECEIPT,
        DocumentKind.HANDOVER_SHEET,
    }


def test_rongque_records_pledge_with_deadline(station: Station) -> None:
    committed = station.intake.commit(_request(station, "ZH-005", missing={3}))
    assert committed.result.outcome is Outcome.RONGQUE
    assert _kinds(committed) == [EventKind.RECEIVED, EventKind.RONGQUE_PLEDGED]
    assert committed.case.status is CaseStatus.RONGQUE_RECEIVED
    assert committed.case.rongque_due is not None
    assert committed.case.rongque_due > NOW.date()
    assert DocumentKind.RONGQUE_PLEDGE in committed.result.documents


def test_incomplete_issues_one_time_notice_listing_everything(station: Station) -> None:
    committed = station.intake.commit(_request(station, "ZH-005", missing={1, 3, 4}))
    assert committed.result.outcome is Outcome.INCOMPLETE
    # The notice is handed to the applicant at the window: served in person, in the same batch.
    assert _kinds(committed) == [
        EventKind.RECEIVED,
        EventKind.NOTIFIED_ONCE,
        EventKind.NOTICE_SERVED,
    ]
    (service,) = committed.case.services
    assert (service.document, service.method) == (
        DocumentKind.ONE_TIME_NOTICE,
        ServiceMethod.IN_PERSON,
    )
    assert service.receiver == committed.case.applicant_name
    assert len(committed.case.notice_items) == 3
    assert parse_case_number(committed.case.case_number or "").kind.value == "B"
    assert committed.result.documents == (DocumentKind.ONE_TIME_NOTICE,)


def test_accept_on_spot_at_authorised_window(station: Station) -> None:
    committed = station.intake.commit(_request(station, "ZH-004"))
    assert _kinds(committed) == [EventKind.RECEIVED, EventKind.ACCEPTED, EventKind.NOTICE_SERVED]
    assert [s.document for s in committed.case.services] == [DocumentKind.ACCEPTANCE_NOTICE]
    assert unserved(committed.case) == ()
    assert committed.case.status is CaseStatus.ACCEPTED
    assert parse_case_number(committed.case.case_number or "").kind.value == "L"
    assert DocumentKind.ACCEPTANCE_NOTICE in committed.result.documents


def test_complete_on_spot_at_deciding_window_is_delivered(station: Station) -> None:
    committed = station.intake.commit(_request(station, "ZH-016"))
    assert committed.case.status is CaseStatus.DELIVERED
    assert _kinds(committed)[-1] is EventKind.DELIVERED
    assert DocumentKind.DELIVERY_RECEIPT in committed.result.documents


def test_complete_on_spot_at_receive_only_window_asks_back_office(station: Station) -> None:
    committed = station.intake.commit(_request(station, "ZH-018"))
    assert _kinds(committed) == [EventKind.RECEIVED, EventKind.BACKOFFICE_REQUESTED]
    assert committed.case.status is CaseStatus.PENDING_BACKOFFICE


def test_matter_not_handled_is_refused_naming_where_and_writes_nothing(station: Station) -> None:
    with pytest.raises(IntakeRefused) as refused:
        station.intake.commit(_request(station, "ZH-001"))
    assert "5号市场监管综合窗口" in refused.value.user_message
    assert station.store.find_cases(CaseQuery()) == []


def test_retry_of_the_same_intake_makes_one_case(station: Station) -> None:
    request = _request(station, "ZH-004")
    first = station.intake.commit(request)
    again = station.intake.commit(request)
    assert again.case.case_number == first.case.case_number
    assert len(station.store.find_cases(CaseQuery())) == 1


def test_invalid_identity_number_is_refused_in_chinese(station: Station) -> None:
    request = _request(station, "ZH-004")
    bad = Applicant(Person(name="张三", id_number="410411195001011238"))
    request = IntakeRequest(request.action, request.matter_id, bad, request.records, CLERK)
    with pytest.raises(IntakeRefused) as refused:
        station.intake.commit(request)
    assert "证件号码有误" in refused.value.user_message
    assert station.store.find_cases(CaseQuery()) == []


def test_a_number_is_checked_as_the_card_type_it_is_recorded_with(station: Station) -> None:
    foreign = Person(
        "安娜",
        id_number="932682198001010010",
        card_type=CardType.FOREIGN_2023,
        name_en="ANNA SMITH",
        nationality="CAN",
    )
    request = _request(station, "ZH-004")
    as_resident = replace(
        request, applicant=Applicant(replace(foreign, card_type=CardType.RESIDENT))
    )
    with pytest.raises(IntakeRefused) as refused:
        station.intake.commit(as_resident)
    assert "安娜 的证件号码有误" in refused.value.user_message
    committed = station.intake.commit(replace(request, applicant=Applicant(foreign)))
    assert committed.case.applicant is not None
    assert committed.case.applicant.person == foreign
    assert committed.case.applicant.id_type == "外国人永久居留身份证"


def test_case_numbers_of_two_stations_never_collide(tmp_path: Path) -> None:
    numbers = set()
    clock = FixedClock(NOW)
    for code, folder in (("41041101", "a"), ("41041102", "b")):
        built = build_station(tmp_path / folder, demo=True, clock=clock, start_queue=False)
        built.reference.set_setting("station_code", code)
        built.close()
        built = build_station(tmp_path / folder, demo=True, clock=clock, start_queue=False)
        for _ in range(3):
            numbers.add(built.intake.commit(_request(built, "ZH-004")).case.case_number)
        built.close()
    assert len(numbers) == 6


def test_consultation_is_logged(station: Station) -> None:
    state = station.intake.consult(new_action(), CLERK, matter_id="ZH-004", question="怎么参保")
    assert state.status is CaseStatus.CONSULTED


def test_offline_limits_stop_new_intake_but_not_a_retry(station: Station) -> None:
    from zhanhe_counter.services.offline_limits import IntakeVerdict, Level

    first = _request(station, "ZH-004")
    saved = station.intake.commit(first)
    stopped = IntakeService(
        catalogue=station.catalogue,
        directory=station.directory,
        station=station.identity,
        calendar=station.calendar,
        store=station.store,
        clock=station.clock,
        gate=lambda: IntakeVerdict(Level.STOP, ("待上传记录超过 5000 条",)),
    )
    with pytest.raises(IntakeRefused) as refused:
        stopped.commit(_request(station, "ZH-004"))
    assert "已暂停新收件" in refused.value.user_message
    assert "5000" in refused.value.user_message
    assert len(station.store.find_cases(CaseQuery())) == 1
    # A retry of the case already saved (its answer was lost) still returns it.
    assert stopped.commit(first).case.case_number == saved.case.case_number


def test_a_station_that_does_not_sync_yet_has_no_limits(station: Station) -> None:
    assert station.intake_verdict().intake_allowed
    status = station.sync_status()
    assert not status.configured


def test_the_intake_gate_applies_the_limits_once_this_pc_syncs(station: Station) -> None:
    """Intake gets its gate at construction; starting sync opens it (no rewiring of intake)."""
    from zhanhe_counter.services.offline_limits import Level, OfflineGate, OfflineLimits

    strict = OfflineGate(station.sync_outbox.summary, OfflineLimits(), station.clock)
    # Never synced: no limits apply, however stale the reference data would be.
    assert strict().level is Level.OK
    strict.open()
    verdict = strict()
    # The PC has never pulled reference data from the centre: warned, not stopped.
    assert verdict.level is Level.WARN
    assert verdict.intake_allowed
    assert any("从未从中心更新基础数据" in r for r in verdict.reasons)
