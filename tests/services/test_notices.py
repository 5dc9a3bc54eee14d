"""The SMS notice rules on cases projected by the real domain (no database needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import uuid6

from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.case import project
from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.services.notices import mobile_of, notice_cancellations, notices_for

AT = datetime(2026, 11, 26, 2, tzinfo=UTC)
NUMBER = "41041101S202611260007K"


def case(applicant: dict[str, str | None], consent: bool = True) -> list[CaseEvent]:
    case_id = uuid6.uuid7()
    agent_phone = applicant.get("agent_phone")
    typed = Applicant(
        Person(name=applicant["name"] or "", phone=applicant.get("phone")),
        agent=Person(name="代办人", phone=agent_phone) if agent_phone else None,
    )
    payload = payloads.Received(
        case_number=NUMBER,
        matter_id="M-001",
        applicant=typed,
        materials=[],
        flow=payloads.ServiceFlow.RECEIVE_ONLY,
        promised_due=None,
        sms_consent=consent,
    ).to_payload()
    return [CaseEvent(uuid6.uuid7(), case_id, EventKind.RECEIVED, "s", 1, "c", AT, payload)]


def then(events: list[CaseEvent], kind: EventKind, payload: dict[str, Any]) -> CaseEvent:
    event = CaseEvent(
        uuid6.uuid7(),
        events[0].case_id,
        kind,
        "s",
        len(events) + 1,
        "c",
        AT + timedelta(hours=len(events)),
        payload,
    )
    events.append(event)
    return event


def test_the_mobile_is_the_applicants_else_the_agents_and_never_a_landline() -> None:
    assert mobile_of(case({"name": "张三", "phone": "+86 138-3751-2345"})[0]) == "13837512345"
    agent = {"name": "某公司", "phone": "0375-1234567", "agent_phone": "13900001111"}
    assert mobile_of(case(agent)[0]) == "13900001111"
    assert mobile_of(case({"name": "张三", "phone": "0375-1234567"})[0]) is None
    assert mobile_of(case({"name": "张三", "phone": "13837512345"}, consent=False)[0]) is None
    consulted = CaseEvent(uuid6.uuid7(), uuid6.uuid7(), EventKind.CONSULTED, "s", 1, "c", AT, {})
    assert mobile_of(consulted) is None


def test_a_rongque_pledge_is_reminded_two_days_before_its_deadline() -> None:
    events = case({"name": "张三", "phone": "13837512345"})
    pledge = then(
        events,
        EventKind.RONGQUE_PLEDGED,
        payloads.RongquePledged(
            items=[payloads.MaterialItem("2", "章程", None)], deadline=date(2026, 12, 10)
        ).to_payload(),
    )
    [notice] = notices_for(pledge, project(events), None, link="L", pickup_place="P")
    assert notice.key == f"sms:supplement_due:{events[0].case_id}:rongque_pledged"
    assert notice.not_before == datetime(2026, 12, 8, 9, 0, tzinfo=CHINA_TIME)
    assert notice.payload["params"]["matter"] == "M-001"  # no catalogue entry: the id
    assert notice_cancellations(project(events)) == []


def test_a_deadline_too_close_is_reminded_at_once_and_no_deadline_not_at_all() -> None:
    events = case({"name": "张三", "phone": "13837512345"})
    notice_event = then(
        events,
        EventKind.NOTIFIED_ONCE,
        payloads.NotifiedOnce(
            items=[payloads.MaterialItem("2", "章程", None)], deadline=date(2026, 11, 27)
        ).to_payload(),
    )
    [notice] = notices_for(notice_event, project(events), None, link="L", pickup_place="P")
    assert notice.not_before == notice_event.occurred_at
    events = case({"name": "张三", "phone": "13837512345"})
    no_deadline = then(
        events,
        EventKind.NOTIFIED_ONCE,
        payloads.NotifiedOnce(items=[payloads.MaterialItem("2", "章程", None)]).to_payload(),
    )
    assert notices_for(no_deadline, project(events), None, link="L", pickup_place="P") == []


def test_an_acceptance_without_promised_date_says_the_legal_limit() -> None:
    events = case({"name": "张三", "phone": "13837512345"})
    accepted = then(events, EventKind.ACCEPTED, payloads.Accepted().to_payload())
    [notice] = notices_for(accepted, project(events), None, link="L", pickup_place="P")
    assert notice.payload["params"]["date"] == "法定期限内"
    # A step that makes no notice.
    inspected = then(
        events,
        EventKind.INSPECTED,
        payloads.Inspected(inspection=payloads.InspectionKind.SIMPLE, findings="ok").to_payload(),
    )
    assert notices_for(inspected, project(events), None, link="L", pickup_place="P") == []
