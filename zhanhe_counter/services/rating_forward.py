"""好差评 forwarded to the provincial system (好差评数据上报): one record per RATED event.

The record uses the field names of the 评价器 interfaces the provincial systems publish
(docs/province.md: ``projNo``, ``serviceCode``/``serviceVersion``, ``evaluateChannel``,
``evaluatedPersonInfo``, ``version=2`` "当前区划评价数据需要上报国家时为必填"); docs/province.md
maps every field to where it comes from. It names the case, the matter, the department, the
window and the clerk rated, never the applicant: the rater's identity stays confidential
(GB/T 39734 4.1), and the province reaches a 实名 rater through the case number if it must.

The idempotency key is the RATED event's id (``evaluateId``), which the province's interface
is asked to treat as the record's identity: a resend is the same evaluation, not a second one.
"""

from __future__ import annotations

from zhanhe_counter.domain.case import CaseState
from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.domain.payloads import Rated
from zhanhe_counter.services.ports.outbound import Channel, MatterFacts, NewMessage

#: 评价渠道 of a rating made on the window's pad (评价器).
CHANNEL_PAD = "PJQ"
#: Level -> the national wording of the five levels (国办发〔2019〕51号).
LEVEL_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
#: Case status at rating time -> 办件状态 as the province reads it.
_HANDLE_STATES = {"delivered": "办结", "withdrawn": "撤回", "refused": "不予受理"}


def rating_record(
    event: CaseEvent,
    state: CaseState,
    matter: MatterFacts | None,
    *,
    staff_name: str | None,
    region_code: str,
) -> NewMessage | None:
    """The provincial record of the RATED ``event``, or None for another kind."""
    if event.kind is not EventKind.RATED:
        return None
    rated = Rated.from_payload(event.payload)
    number = state.case_number or rated.case_number or ""
    record = {
        "version": "2",
        "evaluateId": str(event.event_id),
        "projNo": number,
        "projName": matter.name if matter else (state.matter_id or ""),
        "serviceCode": (matter.code if matter else None) or (state.matter_id or ""),
        "serviceVersion": (matter.version if matter else None) or "",
        "deptCode": (matter.department_id if matter else None) or "",
        "deptName": (matter.department_name if matter else None) or "",
        "regionCode": region_code,
        "evaluateChannel": CHANNEL_PAD,
        "evaluateLevel": rated.level,
        "evaluateLevelName": LEVEL_NAMES[rated.level],
        "badReasons": list(rated.reasons),
        "evaluateTime": event.occurred_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S"),
        "handleState": _HANDLE_STATES.get(state.status.value, "办理中"),
        "evaluatedPersonInfo": {
            "userId": rated.staff_id or "",
            "userName": staff_name or "",
            "windowId": rated.window_id or "",
        },
        "stationId": event.station_id,
    }
    return NewMessage(
        key=f"hcp:{event.event_id}",
        channel=Channel.PROVINCE,
        kind="rating",
        case_id=state.case_id,
        source_event_id=event.event_id,
        payload=record,
        not_before=event.occurred_at,
    )
