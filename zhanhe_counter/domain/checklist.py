"""Checklist evaluation (材料核验): from what the clerk recorded, the outcome of the intake.

:func:`evaluate` is pure: the matter, the window, the applicant's situation, one record per
material and the day of receipt in; a :class:`ChecklistResult` out. Decisions taken where the
governing measures (办法第十五条) and the issue are silent:

- **Which materials apply.** An unconditional material always applies. A conditional one applies
  when its condition text is named in :attr:`ApplicantSituation.conditions`; when the applicant is
  represented (``is_agent``) every material whose condition mentions 委托/代办/代理 applies too;
  and a material whose condition mentions 告知承诺 (the 告知承诺书 itself) applies as soon as any
  material is replaced by a 告知承诺. A condition name the matter does not know is an error, so a
  typo cannot silently drop a material.
- **Optional materials** (非必要) never block and are never listed as missing.
- **A material with no record** counts as missing: the clerk must tick every row, including the
  ones obtainable by data sharing (the lookup can fail).
- **Data sharing and 告知承诺** may only be recorded for materials the catalogue allows it for;
  anything else is a clerk mistake and raises :class:`ChecklistError`, because the applicant must
  not receive a notice for it.
- **Pre-reviewed online** (网上预审已通过): only originals are checked, so copy counts are not
  required; a complete 即办件 (or a matter whose flow is already 当场办结) is then completed on
  the spot (办法第十五条第一项). A 承诺件 is not: its review and inspections cannot happen at the
  counter, so its flow stays as catalogued.
- **容缺** needs every missing or non-conforming item to be 容缺-allowed, at least one applicable
  required material actually in hand (the main materials), and the applicant's consent
  (``accepts_rongque``). The matter cannot then be completed on the spot: a 当场办结 matter is
  accepted (当场受理) instead and finishes once the supplement arrives.
- **一次性告知** lists every missing or non-conforming item at once, the 容缺-allowed ones included,
  each marked as such.
- **Authority.** The flow is the matter's; the window's authority decides who acts on the spot.
  当场受理 at a window not authorised to accept, and 当场办结 at a window not authorised to decide,
  need the back office to answer while the applicant waits (``needs_backoffice_answer``: the
  20-minute answer of 办法第十五条第二项, or the result made at once under the first item).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.matters import (
    HandleKind,
    Material,
    Matter,
    Necessity,
    OriginalHandling,
    WindowFlow,
)
from zhanhe_counter.domain.windows import HallDirectory, WindowAuthority, WindowConfig
from zhanhe_counter.domain.workdays import DueDate, TimeLimit, TimeUnit, WorkCalendar

#: Supplement deadline (working days) when the matter promises 0 days or no limit at all.
DEFAULT_SUPPLEMENT_WORKING_DAYS = 5

_GAOZHI_CONDITION_WORD = "告知承诺"


class ChecklistError(DomainError):
    """The clerk's record contradicts the catalogue (not something to tell the applicant about)."""


class RecordState(StrEnum):
    """What the clerk recorded for one material (材料核验状态)."""

    PROVIDED = "provided"
    MISSING = "missing"
    NOT_CONFORMING = "not_conforming"
    SHARED_EXEMPT = "shared_exempt"
    GAOZHI_CHENGNUO = "gaozhi_chengnuo"


@dataclass(frozen=True, slots=True)
class MaterialRecord:
    """材料核验记录 for one material.

    For ``PROVIDED``: ``original_checked`` (the original was shown and checked), ``originals``
    (originals collected) and ``copies`` (copies counted). ``reason`` explains ``NOT_CONFORMING``.
    """

    state: RecordState
    original_checked: bool = False
    originals: int = 0
    copies: int = 0
    reason: str | None = None

    @classmethod
    def provided(
        cls, *, original_checked: bool = False, originals: int = 0, copies: int = 0
    ) -> MaterialRecord:
        return cls(RecordState.PROVIDED, original_checked, originals, copies)

    @classmethod
    def provided_original_checked(cls) -> MaterialRecord:
        """The original was shown, checked and handed back."""
        return cls(RecordState.PROVIDED, original_checked=True)

    @classmethod
    def provided_copies(cls, count: int) -> MaterialRecord:
        return cls(RecordState.PROVIDED, copies=count)

    @classmethod
    def as_required(cls, material: Material) -> MaterialRecord:
        """Provided exactly as the catalogue asks: original checked, counts met."""
        return cls(
            RecordState.PROVIDED,
            original_checked=material.needs_original,
            originals=material.original_count
            if material.original_handling is OriginalHandling.COLLECT
            else 0,
            copies=material.copy_count if material.needs_copies else 0,
        )

    @classmethod
    def missing(cls) -> MaterialRecord:
        return cls(RecordState.MISSING)

    @classmethod
    def not_conforming(cls, reason: str) -> MaterialRecord:
        return cls(RecordState.NOT_CONFORMING, reason=reason)

    @classmethod
    def shared_exempt(cls) -> MaterialRecord:
        """Obtained by data sharing: 免提交."""
        return cls(RecordState.SHARED_EXEMPT)

    @classmethod
    def gaozhi_chengnuo(cls) -> MaterialRecord:
        """Replaced by the applicant's 告知承诺书."""
        return cls(RecordState.GAOZHI_CHENGNUO)


@dataclass(frozen=True, slots=True)
class ApplicantSituation:
    """申请情形: which conditional materials apply, whether an agent acts, online pre-review."""

    conditions: frozenset[str] = frozenset()
    is_agent: bool = False
    pre_reviewed_online: bool = False
    #: 容缺 is the applicant's choice (docs/domain.md, 容缺受理); False forces 一次性告知.
    accepts_rongque: bool = True


class Outcome(StrEnum):
    """核验结论."""

    COMPLETE = "complete"
    RONGQUE = "rongque"
    INCOMPLETE = "incomplete"
    NOT_HANDLED = "not_handled"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    Outcome.COMPLETE: "材料齐全",
    Outcome.RONGQUE: "容缺收件",
    Outcome.INCOMPLETE: "一次性告知",
    Outcome.NOT_HANDLED: "本窗口不办理",
}


@dataclass(frozen=True, slots=True)
class MissingItem:
    """One line of the 一次性告知书: the material, what is wrong, the form it must take."""

    number: int
    name: str
    problem: str
    requirement: str
    rongque_allowed: bool


@dataclass(frozen=True, slots=True)
class ChecklistResult:
    """核验结果: what the counter does next and what it prints."""

    outcome: Outcome
    flow: WindowFlow | None
    authority: WindowAuthority | None
    needs_backoffice_answer: bool
    completes_on_spot: bool
    missing: tuple[MissingItem, ...]
    rongque_items: tuple[MissingItem, ...]
    supplement_due: DueDate | None
    documents: tuple[DocumentKind, ...]
    refusal_message: str | None = None
    #: The applicable materials replaced by a 告知承诺书 (to mark on the receipt, and verify later).
    gaozhi_items: tuple[str, ...] = ()
    #: The applicable materials obtained by data sharing (免提交).
    shared_items: tuple[str, ...] = ()


def applicable_materials(
    matter: Matter, situation: ApplicantSituation, *, gaozhi_used: bool = False
) -> tuple[Material, ...]:
    """The materials this applicant must bring, in catalogue order (see the module docstring)."""
    unknown = situation.conditions - set(matter.conditions)
    if unknown:
        names = "、".join(sorted(unknown))
        raise ChecklistError(
            f"matter {matter.id} has no condition(s) {sorted(unknown)}",
            f"事项“{matter.name}”没有这些适用情形：{names}",
        )
    return tuple(m for m in matter.materials if _applies(m, situation, gaozhi_used))


def _applies(material: Material, situation: ApplicantSituation, gaozhi_used: bool) -> bool:
    condition = material.conditional_on
    if condition is None or condition in situation.conditions:
        return True
    if situation.is_agent and material.is_agent_material:
        return True
    return gaozhi_used and _GAOZHI_CONDITION_WORD in condition


def evaluate(
    matter: Matter,
    window: WindowConfig,
    situation: ApplicantSituation,
    records: Mapping[str, MaterialRecord],
    *,
    received_on: date,
    calendar: WorkCalendar,
    supplement_days: int | None = None,
    directory: HallDirectory | None = None,
    default_supplement_days: int = DEFAULT_SUPPLEMENT_WORKING_DAYS,
) -> ChecklistResult:
    """Decide the outcome of an intake.

    ``records`` maps material names to what the clerk recorded; a material without a record is
    missing. ``supplement_days`` (working days) is the deadline the applicant asks for under 容缺;
    it is capped by the promised limit. ``directory`` lets a refusal name where the matter is
    handled.
    """
    if not window.handles(matter):
        return _not_handled(matter, window, directory)
    known = {m.name for m in matter.materials}
    strangers = sorted(set(records) - known)
    if strangers:
        raise ChecklistError(
            f"records for unknown materials {strangers} of matter {matter.id}",
            f"事项“{matter.name}”没有材料：{'、'.join(strangers)}",
        )
    gaozhi_used = any(r.state is RecordState.GAOZHI_CHENGNUO for r in records.values())
    materials = applicable_materials(matter, situation, gaozhi_used=gaozhi_used)

    problems: list[MissingItem] = []
    in_hand = 0
    gaozhi: list[str] = []
    shared: list[str] = []
    for material in materials:
        record = records.get(material.name, MaterialRecord.missing())
        _check_allowed(matter, material, record)
        if record.state is RecordState.GAOZHI_CHENGNUO:
            gaozhi.append(material.name)
            continue
        if record.state is RecordState.SHARED_EXEMPT:
            shared.append(material.name)
            continue
        problem = _problem(material, record, situation)
        if problem is None:
            if material.necessity is not Necessity.OPTIONAL:
                in_hand += 1
        elif material.necessity is not Necessity.OPTIONAL:
            problems.append(
                MissingItem(
                    number=matter.number_of(material),
                    name=material.name,
                    problem=problem,
                    requirement=material.requirement,
                    rongque_allowed=material.rongque_allowed,
                )
            )

    authority = window.authority_for(matter.id)
    if not problems:
        flow = _complete_flow(matter, situation)
        return ChecklistResult(
            outcome=Outcome.COMPLETE,
            flow=flow,
            authority=authority,
            needs_backoffice_answer=_needs_backoffice(flow, authority),
            completes_on_spot=flow is WindowFlow.COMPLETE_ON_SPOT,
            missing=(),
            rongque_items=(),
            supplement_due=None,
            documents=_documents(flow, authority, rongque=False),
            gaozhi_items=tuple(gaozhi),
            shared_items=tuple(shared),
        )
    rongque_possible = (
        situation.accepts_rongque and in_hand > 0 and all(p.rongque_allowed for p in problems)
    )
    if rongque_possible:
        flow = (
            WindowFlow.ACCEPT_ON_SPOT
            if matter.window_flow is WindowFlow.COMPLETE_ON_SPOT
            else matter.window_flow
        )
        due = supplement_due(
            matter,
            received_on=received_on,
            calendar=calendar,
            requested_days=supplement_days,
            default_days=default_supplement_days,
        )
        return ChecklistResult(
            outcome=Outcome.RONGQUE,
            flow=flow,
            authority=authority,
            needs_backoffice_answer=_needs_backoffice(flow, authority),
            completes_on_spot=False,
            missing=(),
            rongque_items=tuple(problems),
            supplement_due=due,
            documents=_documents(flow, authority, rongque=True),
            gaozhi_items=tuple(gaozhi),
            shared_items=tuple(shared),
        )
    return ChecklistResult(
        outcome=Outcome.INCOMPLETE,
        flow=matter.window_flow,
        authority=authority,
        needs_backoffice_answer=False,
        completes_on_spot=False,
        missing=tuple(problems),
        rongque_items=(),
        supplement_due=None,
        documents=(DocumentKind.ONE_TIME_NOTICE,),
        gaozhi_items=tuple(gaozhi),
        shared_items=tuple(shared),
    )


def supplement_due(
    matter: Matter,
    *,
    received_on: date,
    calendar: WorkCalendar,
    requested_days: int | None = None,
    default_days: int = DEFAULT_SUPPLEMENT_WORKING_DAYS,
) -> DueDate:
    """The 容缺 supplement deadline: never later than the promised limit (承诺时限).

    With a promised limit above zero, the deadline is that limit in its own unit, or the
    requested number of working days if that ends earlier. With no limit or a zero one (即办), it
    is the requested or the default number of working days. The day of receipt is not counted.
    """
    for days in (requested_days, default_days):
        if days is not None and days < 1:
            raise ChecklistError(
                f"supplement days must be >= 1, got {days}", "补齐期限至少为 1 个工作日"
            )
    promised = matter.promised_limit
    requested = (
        calendar.add_workdays(received_on, requested_days) if requested_days is not None else None
    )
    if promised is None or promised.value == 0:
        return requested or calendar.add_workdays(received_on, default_days)
    cap = _limit_due(calendar, received_on, promised)
    if requested is not None and requested.date < cap.date:
        return requested
    return cap


def _limit_due(calendar: WorkCalendar, start: date, limit: TimeLimit) -> DueDate:
    if limit.unit is TimeUnit.HOUR:
        # A deadline in hours ends within the same or a later day; the pledge is dated by day,
        # so it falls on the day the hours run out, counted in natural time as the unit says.
        return calendar.add_natural_days(start, limit.value // 24)
    return calendar.due(start, limit)


def _check_allowed(matter: Matter, material: Material, record: MaterialRecord) -> None:
    if record.state is RecordState.SHARED_EXEMPT and not material.shared_exempt:
        raise ChecklistError(
            f"material {material.name!r} of {matter.id} is not obtainable by data sharing",
            f"材料“{material.name}”不能通过数据共享免交",
        )
    if record.state is RecordState.GAOZHI_CHENGNUO and not material.gaozhi_chengnuo:
        raise ChecklistError(
            f"material {material.name!r} of {matter.id} does not allow 告知承诺",
            f"材料“{material.name}”不适用告知承诺",
        )
    if min(record.originals, record.copies) < 0:
        raise ChecklistError(
            f"negative count recorded for {material.name!r}",
            f"材料“{material.name}”的份数不能为负数",
        )


def _problem(
    material: Material, record: MaterialRecord, situation: ApplicantSituation
) -> str | None:
    """What is wrong with the material as recorded (一次性告知书 wording); None if fine."""
    if record.state is RecordState.MISSING:
        return "缺少"
    if record.state is RecordState.NOT_CONFORMING:
        return f"不符合要求：{record.reason}" if record.reason else "不符合要求"
    shortfalls: list[str] = []
    if material.needs_original:
        if material.original_handling is OriginalHandling.INSPECT_AND_RETURN:
            if not record.original_checked:
                shortfalls.append("未出示原件")
        elif record.originals < material.original_count:
            shortfalls.append(f"原件需 {material.original_count} 份，收到 {record.originals} 份")
    # Copies uploaded for the online pre-review need not be brought again.
    if (
        material.needs_copies
        and not situation.pre_reviewed_online
        and record.copies < material.copy_count
    ):
        shortfalls.append(f"复印件需 {material.copy_count} 份，收到 {record.copies} 份")
    return "；".join(shortfalls) if shortfalls else None


def _complete_flow(matter: Matter, situation: ApplicantSituation) -> WindowFlow:
    if situation.pre_reviewed_online and matter.handle_kind is HandleKind.IMMEDIATE:
        return WindowFlow.COMPLETE_ON_SPOT
    return matter.window_flow


def _needs_backoffice(flow: WindowFlow, authority: WindowAuthority) -> bool:
    if flow is WindowFlow.COMPLETE_ON_SPOT:
        return not authority.may_decide
    if flow is WindowFlow.ACCEPT_ON_SPOT:
        return not authority.may_accept
    return False


def _documents(
    flow: WindowFlow, authority: WindowAuthority, *, rongque: bool
) -> tuple[DocumentKind, ...]:
    """The documents to print now.

    当场办结: the handover sheet only when the back office makes the result, then the 出件签收
    record (docs/domain.md, Window flows; a 收件凭证 is optional and not printed). 当场受理: the
    受理通知书 when the window may accept; otherwise the handover sheet, and the notice is printed
    when the back office answers. 当场收件: the 收件凭证. Every case that goes on to the back office
    also gets the 交接单 and the ticket with the case number. 容缺 adds the pledge and the one-time
    notice of the deferred items.
    """
    if flow is WindowFlow.COMPLETE_ON_SPOT:
        if authority.may_decide:
            return (DocumentKind.DELIVERY_RECEIPT,)
        return (DocumentKind.HANDOVER_SHEET, DocumentKind.DELIVERY_RECEIPT)
    docs: list[DocumentKind] = []
    if flow is WindowFlow.RECEIVE_ON_SPOT:
        docs.append(DocumentKind.INTAKE_RECEIPT)
    elif authority.may_accept:
        docs.append(DocumentKind.ACCEPTANCE_NOTICE)
    if rongque:
        docs += [DocumentKind.RONGQUE_PLEDGE, DocumentKind.ONE_TIME_NOTICE]
    docs += [DocumentKind.HANDOVER_SHEET, DocumentKind.THERMAL_TICKET]
    return tuple(docs)


def _not_handled(
    matter: Matter, window: WindowConfig, directory: HallDirectory | None
) -> ChecklistResult:
    where = (
        directory.where_handled(matter, near=window)
        if directory is not None
        else f"请咨询{matter.department}"
    )
    return ChecklistResult(
        outcome=Outcome.NOT_HANDLED,
        flow=None,
        authority=None,
        needs_backoffice_answer=False,
        completes_on_spot=False,
        missing=(),
        rongque_items=(),
        supplement_due=None,
        documents=(),
        refusal_message=f"本窗口（{window.display_name}）不办理“{matter.name}”。{where}。",
    )
