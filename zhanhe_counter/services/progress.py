"""The applicant's progress lookup (办件进度查询): case number + check code → what they may see.

Rules, in order, for one lookup:

1. Every lookup spends a try of the asking address (per-IP bucket); none left → 429.
2. The number must parse (its own check character catches typing errors) → else 400 with what
   is wrong; a malformed number costs nothing more.
3. A case number whose wrong-code tries are used up is refused even with the right code, so a
   guesser spread over many addresses gets no more than the case's bucket allows → 429.
4. A wrong code spends a try of the case number, and is answered exactly like an unknown case
   (编号或查询码不正确): the page is no oracle for which numbers exist.
5. A right code for a case the centre does not hold yet (a township station offline) says so.

What is shown holds no personal data beyond the masked name (``mask_name``): the status in the
applicant's words, the promised date, what is missing and by when, where and how to collect,
and the dated steps. The centre's function has already cut everything else (migration c0005).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from zhanhe_counter.domain.case import CaseState, CaseStatus, project
from zhanhe_counter.domain.case_number import parse_case_number
from zhanhe_counter.domain.check_code import verify_check_code
from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.domain.masking import mask_name
from zhanhe_counter.domain.payloads import DeliveryMode
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.progress import ProgressSource
from zhanhe_counter.services.rate_limit import TokenBuckets


class RefusalKind(Enum):
    """Why a lookup shows no case (the web layer maps it to an HTTP status)."""

    BAD_INPUT = "bad_input"
    NOT_FOUND = "not_found"
    NOT_YET_SYNCED = "not_yet_synced"
    TOO_MANY = "too_many"


class LookupRefused(DomainError):
    """A lookup that shows no case (未能查询), with the sentence the applicant reads."""

    def __init__(
        self, message: str, user_message: str, kind: RefusalKind, retry_after: float = 0.0
    ) -> None:
        super().__init__(message, user_message)
        self.kind = kind
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class ProgressOffice:
    """Where results are collected and whom to call (出件地点); the hall's own settings."""

    hall_name: str = "湛河区政务服务中心"
    pickup_place: str = "湛河区政务服务中心一楼统一出件窗口"
    office_hours: str = "工作日 上午9:00–12:00，下午13:00–17:00"
    consult_phone: str = "0375-0000000"


@dataclass(frozen=True, slots=True)
class LookupLimits:
    """How many tries: per address, and wrong codes per case number."""

    per_ip: int = 30
    per_ip_refill_seconds: float = 20.0  # 30 at once, then 3 a minute
    wrong_codes_per_case: int = 5
    wrong_code_refill_seconds: float = 720.0  # 5 at once, then 5 an hour


@dataclass(frozen=True, slots=True)
class Step:
    """One step as the applicant reads it (办理环节)."""

    label: str
    day: date


@dataclass(frozen=True, slots=True)
class Missing:
    """A material still owed (待补材料)."""

    name: str
    note: str | None


@dataclass(frozen=True, slots=True)
class ProgressView:
    """What the progress page shows (办件进度)."""

    case_number: str
    masked_name: str
    matter_name: str
    department_name: str | None
    status: str
    next_step: str
    finished: bool
    promised_due: date | None
    missing: tuple[Missing, ...]
    missing_due: date | None
    collect: str
    steps: tuple[Step, ...]


# The status in the applicant's words, and what happens next.
_STATUS_TEXT: dict[CaseStatus, tuple[str, str]] = {
    CaseStatus.CONSULTED: ("咨询登记", "本次为咨询，未提交申请。"),
    CaseStatus.RECEIVED: ("已收件，待受理", "材料已转审批部门，将在法定期限内决定是否受理。"),
    CaseStatus.PENDING_BACKOFFICE: ("已收件，待受理", "审批部门正在确认受理，请稍候。"),
    CaseStatus.RONGQUE_RECEIVED: ("容缺收件，待受理", "请在期限内补齐下列材料。"),
    CaseStatus.NOTIFIED: ("待补正材料", "请在期限内补齐下列材料，补齐之日起受理。"),
    CaseStatus.ACCEPTED: ("已受理，审查中", "审批部门正在审查，请留意承诺办结日期。"),
    CaseStatus.UNDER_REVIEW: ("已受理，审查中", "审批部门正在审查，请留意承诺办结日期。"),
    CaseStatus.DECIDED_APPROVED: ("已准予办理", "正在准备办理结果。"),
    CaseStatus.DECIDED_REFUSED: ("已作出不予办理决定", "请领取决定书，书中写明理由和救济途径。"),
    CaseStatus.CERTIFICATE_MADE: ("已制证", "正在移交统一出件窗口。"),
    CaseStatus.READY_FOR_DELIVERY: ("办理结果可领取", "请按下方说明领取。"),
    CaseStatus.DELIVERED: ("已办结", "办理结果已送达。欢迎对本次服务作出评价。"),
    CaseStatus.REFUSED: ("不予受理", "请查看不予受理通知书，书中写明理由。"),
    CaseStatus.WITHDRAWN: ("已撤回", "申请已撤回。"),
}

# Steps the applicant is told about, in their words (audit events never reach the page).
_STEP_LABELS: dict[EventKind, str] = {
    EventKind.RECEIVED: "窗口收件",
    EventKind.RONGQUE_PLEDGED: "容缺收件（签署承诺书）",
    EventKind.NOTIFIED_ONCE: "一次性告知补正材料",
    EventKind.BACKOFFICE_REQUESTED: "转审批部门确认受理",
    EventKind.ACCEPTED: "受理",
    EventKind.REFUSED: "不予受理",
    EventKind.SUPPLEMENT_RECEIVED: "补交材料",
    EventKind.INSPECTED: "现场核查",
    EventKind.DECIDED: "作出决定",
    EventKind.CERTIFICATE_MADE: "制证",
    EventKind.HANDED_TO_DELIVERY: "移交出件窗口",
    EventKind.DELIVERED: "出件",
    EventKind.RATED: "评价",
    EventKind.WITHDRAWN: "撤回申请",
}

_NOT_FOUND = "编号或查询码不正确。请核对收件凭证上的编号和查询码后重试。"


class ProgressService:
    """办件进度查询服务: the rules above, over a read-only source."""

    def __init__(
        self,
        source: ProgressSource,
        clock: Clock,
        *,
        office: ProgressOffice | None = None,
        limits: LookupLimits | None = None,
    ) -> None:
        self._source = source
        self._clock = clock
        self.office = office or ProgressOffice()
        self.limits = limits or LookupLimits()
        self._per_ip = TokenBuckets(self.limits.per_ip, self.limits.per_ip_refill_seconds)
        self._per_case = TokenBuckets(
            self.limits.wrong_codes_per_case, self.limits.wrong_code_refill_seconds
        )
        self._key = source.check_key()

    def lookup(self, client: str, number_text: str, code_text: str) -> ProgressView:
        """The case's progress, or ``LookupRefused`` saying why not."""
        now = self._clock.now().timestamp()
        if not self._per_ip.take(client, now):
            raise LookupRefused(
                "per-address limit reached",
                "查询过于频繁，请稍后再试。",
                RefusalKind.TOO_MANY,
                self._per_ip.retry_after(client, now),
            )
        if not number_text.strip() or not code_text.strip():
            raise LookupRefused(
                "number or code missing", "请填写办件编号和查询码。", RefusalKind.BAD_INPUT
            )
        try:
            number = parse_case_number(number_text).text
        except DomainError as error:
            raise LookupRefused(str(error), error.user_message, RefusalKind.BAD_INPUT) from None
        if not self._per_case.has_left(number, now):
            raise LookupRefused(
                "per-case wrong-code limit reached",
                "该编号查询码输错次数过多，已暂停查询，请一小时后再试，或致电"
                f"{self.office.consult_phone}。",
                RefusalKind.TOO_MANY,
                self._per_case.retry_after(number, now),
            )
        if not verify_check_code(self._key, number, code_text):
            self._per_case.take(number, now)
            raise LookupRefused("wrong check code", _NOT_FOUND, RefusalKind.NOT_FOUND)
        record = self._source.find(number)
        if record is None or not record.events:
            raise LookupRefused(
                "case not at the centre",
                "暂未查到该办件。乡镇、村便民服务站点离线办理的，联网同步后即可查询，请稍后再试。",
                RefusalKind.NOT_YET_SYNCED,
            )
        state = project(record.events)
        return self._view(state, record.matter_name, record.department_name)

    def _view(
        self, state: CaseState, matter_name: str | None, department_name: str | None
    ) -> ProgressView:
        status, next_step = _STATUS_TEXT[state.status]
        missing_items = (*state.outstanding_notice, *state.outstanding_rongque)
        if state.outstanding_notice:
            missing_due = state.notice_due
        else:
            missing_due = state.rongque_due if state.outstanding_rongque else None
        return ProgressView(
            case_number=state.case_number or "",
            masked_name=mask_name(state.applicant_name or ""),
            matter_name=matter_name or state.matter_id or "",
            department_name=department_name,
            status=status,
            next_step=next_step,
            finished=state.status.is_final,
            # Sent back for a supplement, the time limit starts again at acceptance: a date from
            # before would mislead.
            promised_due=(
                None
                if state.status.is_final or state.status is CaseStatus.NOTIFIED
                else state.promised_due
            ),
            missing=tuple(Missing(i.name, i.note) for i in missing_items),
            missing_due=missing_due,
            collect=self._collect(state),
            steps=tuple(
                Step(_STEP_LABELS[e.kind], _day(e.occurred_at))
                for e in state.timeline
                if e.kind in _STEP_LABELS
            ),
        )

    def _collect(self, state: CaseState) -> str:
        office = self.office
        delivery = state.delivery
        if delivery is not None and delivery.mode is DeliveryMode.EXPRESS:
            return f"办理结果已由{delivery.carrier}寄出，运单号 {delivery.waybill}。"
        if delivery is not None:
            when = _day(state.delivered_at) if state.delivered_at else None
            return f"办理结果已于{when:%Y年%m月%d日}领取。" if when else "办理结果已领取。"
        if state.status in (CaseStatus.REFUSED, CaseStatus.WITHDRAWN):
            return f"如需取回申请材料，请到{office.pickup_place}（{office.office_hours}）。"
        where = f"{office.pickup_place}（{office.office_hours}）"
        if state.status is CaseStatus.READY_FOR_DELIVERY:
            return f"请携带本人有效身份证件和收件凭证，到{where}领取；委托他人领取的，另带委托书。"
        return f"办结后到{where}领取，或按收件时约定的方式寄送。"


def _day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TIME).date()
