"""SMS notices to the applicant (短信通知): which step sends which message, and when.

Only for an applicant who agreed at intake (``sms_consent`` of RECEIVED) and gave a mobile number.
Four notices, each once per case (its idempotency key says so):

* ``accepted`` (受理): on ACCEPTED, with the promised date.
* ``supplement_due`` (补正/容缺 到期提醒): on NOTIFIED_ONCE or RONGQUE_PLEDGED with a deadline, due
  ``REMINDER_DAYS_BEFORE`` days before it at 09:00 Beijing (at once if that has passed);
  cancelled while still waiting when nothing is outstanding any more.
* ``result_ready`` (结果可领取): on HANDED_TO_DELIVERY.
* ``rating_invite`` (邀请评价): ``RATING_INVITE_DAYS`` days after DELIVERED (办结), cancelled
  while still waiting if the applicant has rated meanwhile (亳州 "智能邀评": docs/notices.md).

A 当场办结 case sends no acceptance or result notice (the applicant was at the window), and no
step sends a notice once the case has moved past it (a station that synced late).
Templates name their parameters as SMS providers' registered templates do (``${no}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from zhanhe_counter.domain.case import CaseState, CaseStatus
from zhanhe_counter.domain.check_code import PROGRESS_QUERY, check_code
from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.domain.payloads import Received, ServiceFlow
from zhanhe_counter.services.ports.outbound import Channel, MatterFacts, NewMessage, SmsBody

REMINDER_DAYS_BEFORE = 2
RATING_INVITE_DAYS = 3
_REMINDER_HOUR = time(9, 0)

#: Notice kind -> the text registered with the SMS provider (its signature is added by it).
TEMPLATES: Mapping[str, str] = {
    "accepted": "您的办件${no}（${matter}）已受理，承诺${date}前办结。进度查询：${link}",
    "supplement_due": "您的办件${no}尚有材料未补齐，请于${date}前补齐，以免影响办理。详情：${link}",
    "result_ready": "您的办件${no}（${matter}）办理结果已可领取，请到${place}领取。详情：${link}",
    "rating_invite": "您的办件${no}已办结，诚邀您对本次服务作出评价：${link}",
}

#: The kinds of event that can make or cancel a notice.
TRIGGER_KINDS = (
    EventKind.ACCEPTED,
    EventKind.NOTIFIED_ONCE,
    EventKind.RONGQUE_PLEDGED,
    EventKind.SUPPLEMENT_RECEIVED,
    EventKind.REFUSED,
    EventKind.WITHDRAWN,
    EventKind.HANDED_TO_DELIVERY,
    EventKind.DELIVERED,
    EventKind.RATED,
)

_MOBILE = re.compile(r"(?:\+?86)?(1\d{10})")


def render(kind: str, params: Mapping[str, str]) -> str:
    """The text a template makes with ``params`` (what the provider sends)."""
    text = TEMPLATES[kind]
    for name, value in params.items():
        text = text.replace("${" + name + "}", value)
    return text


def progress_link(template: str, key: bytes, case_number: str) -> str:
    """The progress page's address for ``case_number``, check code included."""
    query = PROGRESS_QUERY.format(case_no=case_number, check_code=check_code(key, case_number))
    return template.format(query=query)


def mobile_of(first: CaseEvent) -> str | None:
    """The applicant's mobile number when they agreed to SMS at intake, else None."""
    if first.kind is not EventKind.RECEIVED:
        return None
    received = Received.from_payload(first.payload)
    if not received.sms_consent:
        return None
    applicant = received.applicant
    phones = (applicant.person.phone, applicant.agent.phone if applicant.agent else None)
    for value in (phone or "" for phone in phones):
        match = _MOBILE.fullmatch(re.sub(r"[\s-]", "", value))
        if match:
            return match.group(1)
    return None


def _at_nine(day: date) -> datetime:
    return datetime.combine(day, _REMINDER_HOUR, tzinfo=CHINA_TIME)


def _day_text(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "法定期限内"


def notices_for(
    event: CaseEvent,
    state: CaseState,
    matter: MatterFacts | None,
    *,
    link: str,
    pickup_place: str,
) -> list[NewMessage]:
    """The notices ``event`` makes, given the case as it stands now."""
    phone = mobile_of(state.timeline[0])
    if phone is None or not state.case_number:
        return []
    on_spot = state.flow is ServiceFlow.COMPLETE_ON_SPOT
    params = {
        "no": state.case_number,
        "matter": matter.name if matter else (state.matter_id or ""),
        "link": link,
    }

    def notice(kind: str, key: str, due: datetime, **extra: str) -> NewMessage:
        return NewMessage(
            key=key,
            channel=Channel.SMS,
            kind=kind,
            case_id=state.case_id,
            source_event_id=event.event_id,
            payload=SmsBody(phone, kind, {**params, **extra}).to_body(),
            not_before=due,
        )

    case = state.case_id
    kind = event.kind
    if kind is EventKind.ACCEPTED and not on_spot and not state.status.is_final:
        return [
            notice(
                "accepted",
                f"sms:accepted:{case}",
                event.occurred_at,
                date=_day_text(state.promised_due),
            )
        ]
    if kind in (EventKind.NOTIFIED_ONCE, EventKind.RONGQUE_PLEDGED):
        deadline = state.notice_due if kind is EventKind.NOTIFIED_ONCE else state.rongque_due
        outstanding = (
            state.outstanding_notice
            if kind is EventKind.NOTIFIED_ONCE
            else state.outstanding_rongque
        )
        if deadline is None or not outstanding:
            return []
        due = max(event.occurred_at, _at_nine(deadline - timedelta(days=REMINDER_DAYS_BEFORE)))
        return [
            notice(
                "supplement_due",
                f"sms:supplement_due:{case}:{kind.value}",
                due,
                date=_day_text(deadline),
            )
        ]
    if (
        kind is EventKind.HANDED_TO_DELIVERY
        and not on_spot
        and state.status is CaseStatus.READY_FOR_DELIVERY
    ):
        return [
            notice(
                "result_ready", f"sms:result_ready:{case}", event.occurred_at, place=pickup_place
            )
        ]
    if kind is EventKind.DELIVERED and state.rating is None:
        due = event.occurred_at + timedelta(days=RATING_INVITE_DAYS)
        return [notice("rating_invite", f"sms:rating_invite:{case}", due)]
    return []


def notice_cancellations(state: CaseState) -> list[str]:
    """Notice kinds of the case that must not go out any more, if still waiting."""
    cancelled = []
    if not (state.outstanding_notice or state.outstanding_rongque) or state.status.is_final:
        cancelled.append("supplement_due")
    if state.rating is not None:
        cancelled.append("rating_invite")
    return cancelled
