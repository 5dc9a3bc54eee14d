"""Issue 15 proof: the golden matrix of flows × places.

Every flow (当场办结 at an authorised and a non-authorised window, 当场受理 accepted and
refused, the 20-minute answer, 当场收件 complete, 容缺, incomplete, the 5-day 补正, deemed
acceptance, the refusal decision, the approval, window and express delivery) at a district
window, a township centre and a village station. Every document printed is rendered and read
back with pdftotext, and the test asserts: every required field's printed value, the issuing
body the law wants (the department, or the hall 受…委托 where it is authorised and may be
entrusted), every time in Beijing time, and no placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest

from tests.services.documents_support import moments_in, pdf_text, process_in_utc, squeezed
from tests.services.followthrough_support import (
    APPLICANT,
    CLERK,
    DELIVERY_CLERK,
    REVIEWER,
    MovableClock,
)
from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.adapters.printing.templates import load_all
from zhanhe_counter.adapters.storage.signature_tables import SqliteSignatureArchive
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.case import CaseState
from zhanhe_counter.domain.checklist import MaterialRecord
from zhanhe_counter.domain.document_settings import PLACEHOLDER
from zhanhe_counter.domain.documents import DocumentKind as D
from zhanhe_counter.domain.payloads import MaterialItem
from zhanhe_counter.domain.windows import (
    ServiceHall,
    ServiceHallLevel,
    WindowAuthority,
    WindowConfig,
    WindowKind,
)
from zhanhe_counter.services.backoffice import BackofficeService
from zhanhe_counter.services.delivery import DeliveryService
from zhanhe_counter.services.documents import DocumentRequest, DocumentService
from zhanhe_counter.services.intake import IntakeRequest, IntakeService, new_action
from zhanhe_counter.services.supplements import SupplementsService

RECEIVED = datetime(2026, 11, 26, 9, 30, tzinfo=CHINA_TIME)
HALLS = {
    "district": ServiceHall("QZX", "湛河区政务服务中心", ServiceHallLevel.DISTRICT_CENTRE),
    "township": ServiceHall("CHJ", "曹镇乡便民服务中心", ServiceHallLevel.TOWNSHIP_CENTRE),
    "village": ServiceHall("CHJ-LZC", "曹镇乡李庄村便民服务站", ServiceHallLevel.VILLAGE_STATION),
}
TEMPLATES = load_all()
_UTC_SHIFTED = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日\s*01:30")  # 09:30 Beijing shown as UTC


@dataclass
class Desk:
    """One hall's counter, back office and delivery window on one station."""

    station: Station
    clock: MovableClock
    window: WindowConfig
    documents: DocumentService
    intake: IntakeService
    backoffice: BackofficeService
    delivery: DeliveryService
    supplements: SupplementsService

    def open(self, matter_id: str, missing: set[int] = frozenset()) -> tuple[CaseState, list]:
        matter = self.station.catalogue.matter(matter_id)
        records = {
            m.name: MaterialRecord.missing() if n in missing else MaterialRecord.as_required(m)
            for n, m in enumerate(matter.materials, start=1)
        }
        committed = self.intake.commit(
            IntakeRequest(new_action(), matter_id, APPLICANT, records, CLERK)
        )
        docs = self.documents.for_intake(committed.case, committed.result.documents, CLERK.name)
        return committed.case, docs

    def ready(self, matter_id: str) -> CaseState:
        case, _ = self.open(matter_id)
        self.backoffice.accept(case.case_id, REVIEWER.staff_id)
        self.backoffice.approve(case.case_id, REVIEWER.staff_id)
        return self.backoffice.hand_to_delivery(case.case_id, REVIEWER.staff_id).case


def desk(station: Station, clock: MovableClock, hall: ServiceHall, authority: WindowAuthority):
    window = WindowConfig(
        id=f"{hall.id}-T",
        name="测试综合窗口",
        kind=WindowKind.UNDIFFERENTIATED,
        hall=hall,
        matter_ids=frozenset(station.catalogue.matters),
        default_authority=authority,
    )
    identity = replace(station.identity, window=window)
    documents = replace_window(station.documents, window)
    return Desk(
        station=station,
        clock=clock,
        window=window,
        documents=documents,
        intake=IntakeService(
            catalogue=station.catalogue,
            directory=station.directory,
            station=identity,
            calendar=station.calendar,
            store=station.store,
            clock=clock,
        ),
        backoffice=BackofficeService(
            store=station.store,
            catalogue=station.catalogue,
            calendar=station.calendar,
            clock=clock,
            station=identity,
            documents=documents,
        ),
        delivery=DeliveryService(
            store=station.store,
            catalogue=station.catalogue,
            clock=clock,
            station_id=identity.station_id,
            documents=documents,
            signatures=SqliteSignatureArchive(station.engine),
        ),
        supplements=SupplementsService(
            store=station.store,
            catalogue=station.catalogue,
            calendar=station.calendar,
            clock=clock,
            station_id=identity.station_id,
        ),
    )


def replace_window(service: DocumentService, window: WindowConfig) -> DocumentService:
    return DocumentService(
        catalogue=service._catalogue,
        settings=service.settings,
        calendar=service.calendar,
        window=window,
        staff_names={"zhangmin": "张敏", "wangqiang": "王强", "lina": "李娜"}.get,
    )


# ----------------------------------------------------------------------------- the flows
#
# Each returns the documents printed, and for each kind whether the window acted for the
# department (so the hall may issue it on the department's behalf).


@dataclass(frozen=True)
class Printed:
    docs: list[DocumentRequest]
    window_acted: bool  # the act was the window's (intake), not the back office's
    expect: tuple[D, ...]
    extra: Callable[[dict[D, str]], None] | None = None


def complete_authorised(d: Desk) -> Printed:
    _case, docs = d.open("ZH-002")  # 个体工商户设立登记: a permit completed on the spot

    def check(text: dict[D, str]) -> None:
        assert "决定准予行政许可" in text[D.APPROVAL_DECISION]
        assert "第三十八条" in text[D.APPROVAL_DECISION]

    kinds = (D.ACCEPTANCE_NOTICE, D.APPROVAL_DECISION, D.DELIVERY_RECEIPT)
    return Printed(docs, True, kinds, check)


def complete_not_authorised(d: Desk) -> Printed:
    _case, docs = d.open("ZH-016")
    # No 出件签收单 ("已当面点清") before any result exists.
    return Printed(docs, True, (D.HANDOVER_SHEET, D.THERMAL_TICKET))


def accept_on_spot(d: Desk) -> Printed:
    _case, docs = d.open("ZH-013")  # a permit accepted on the spot

    def check(text: dict[D, str]) -> None:
        assert "行政许可法》第三十二条" in text[D.ACCEPTANCE_NOTICE]

    return Printed(docs, True, (D.ACCEPTANCE_NOTICE, D.HANDOVER_SHEET, D.THERMAL_TICKET), check)


def answer_accepted(d: Desk) -> Printed:
    case, docs = d.open("ZH-004")  # 当场受理 at a window that may not accept: 20 minutes
    assert [r.kind for r in docs] == [D.HANDOVER_SHEET, D.THERMAL_TICKET]
    d.clock.advance(minutes=12)
    d.backoffice.accept(case.case_id, REVIEWER.staff_id)
    answer = d.backoffice.answer_for(case.case_id)
    assert answer is not None

    def check(text: dict[D, str]) -> None:
        # 养老保险参保登记 is a public service: no 行政许可法 article.
        assert "行政许可法" not in text[D.ACCEPTANCE_NOTICE]
        assert "09:42" in text[D.ACCEPTANCE_NOTICE]

    return Printed(list(answer.documents), False, (D.ACCEPTANCE_NOTICE,), check)


def answer_on_the_day(d: Desk) -> Printed:
    case, _docs = d.open("ZH-018")  # 当场办结 (0 days) at a window that may not decide
    d.backoffice.accept(case.case_id, REVIEWER.staff_id)
    answer = d.backoffice.answer_for(case.case_id)
    assert answer is not None

    def check(text: dict[D, str]) -> None:
        notice = squeezed(text[D.ACCEPTANCE_NOTICE])
        assert "承诺办结时限当日办结" in notice  # not "当场办结" for a case sent to review

    return Printed(list(answer.documents), False, (D.ACCEPTANCE_NOTICE,), check)


def answer_refused(d: Desk) -> Printed:
    case, _docs = d.open("ZH-004")
    d.backoffice.refuse(case.case_id, ["申请人已在其他统筹地区参保"], REVIEWER.staff_id)
    answer = d.backoffice.answer_for(case.case_id)
    assert answer is not None

    def check(text: dict[D, str]) -> None:
        assert "申请人已在其他统筹地区参保" in text[D.REFUSAL_NOTICE]
        assert "演示人民法院" in text[D.REFUSAL_NOTICE]

    return Printed(list(answer.documents), False, (D.REFUSAL_NOTICE,), check)


def receive_complete(d: Desk) -> Printed:
    _case, docs = d.open("ZH-005")

    def check(text: dict[D, str]) -> None:
        assert "不代表已受理" in text[D.INTAKE_RECEIPT]
        assert "受理后书面告知" in text[D.THERMAL_TICKET]  # no promise before acceptance

    return Printed(docs, True, (D.INTAKE_RECEIPT, D.HANDOVER_SHEET, D.THERMAL_TICKET), check)


def rongque(d: Desk) -> Printed:
    _case, docs = d.open("ZH-005", {3})

    def check(text: dict[D, str]) -> None:
        consequence = "逾期未补齐的，本机关终止办理，申请材料予以退还。"
        assert consequence in text[D.RONGQUE_PLEDGE]
        assert consequence in text[D.ONE_TIME_NOTICE]  # the same words on both papers
        assert "视为放弃申请" not in text[D.ONE_TIME_NOTICE]
        assert "信用记录" not in text[D.RONGQUE_PLEDGE]

    kinds = (D.INTAKE_RECEIPT, D.RONGQUE_PLEDGE, D.ONE_TIME_NOTICE, D.HANDOVER_SHEET)
    return Printed(docs, True, (*kinds, D.THERMAL_TICKET), check)


def incomplete(d: Desk) -> Printed:
    _case, docs = d.open("ZH-005", {1, 4})

    def check(text: dict[D, str]) -> None:
        notice = text[D.ONE_TIME_NOTICE]
        # No rule gives a deadline: no "请于<today>前补正", no "视为放弃申请".
        assert "请于" not in notice
        assert "视为放弃申请" not in notice
        assert "补正材料齐全、符合法定形式之日起" in notice

    return Printed(docs, True, (D.ONE_TIME_NOTICE,), check)


def five_day_notice(d: Desk) -> Printed:
    case, _docs = d.open("ZH-001")  # 食品经营许可: the demo settings give it a 补正 rule
    d.clock.advance(days=1)
    item = MaterialItem("2", "营业执照或其他主体资格证明文件", "复印件不清晰")
    result = d.backoffice.notify_once(case.case_id, [item], REVIEWER.staff_id)

    def check(text: dict[D, str]) -> None:
        notice = text[D.ONE_TIME_NOTICE]
        assert "根据《市场监督管理行政许可程序暂行规定》，请于2026年12月4日前补正" in notice
        assert "一次性告知书" in text[D.SERVICE_RECORD]

    return Printed(list(result.documents), False, (D.ONE_TIME_NOTICE, D.SERVICE_RECORD), check)


def deemed(d: Desk) -> Printed:
    case, _docs = d.open("ZH-005")
    d.clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=CHINA_TIME))  # past the 5 working days
    result = d.backoffice.accept(case.case_id, REVIEWER.staff_id)
    assert result.case.deemed_accepted

    def check(text: dict[D, str]) -> None:
        notice = text[D.ACCEPTANCE_NOTICE]
        assert "起即为受理" in notice
        assert "受理时间2026年11月26日 09:30" in notice  # from the day of receipt

    return Printed(list(result.documents), False, (D.ACCEPTANCE_NOTICE, D.SERVICE_RECORD), check)


def refusal_decision(d: Desk) -> Printed:
    case, _docs = d.open("ZH-010")  # 建筑工程施工许可: a permit
    d.backoffice.accept(case.case_id, REVIEWER.staff_id)
    result = d.backoffice.refuse_decision(case.case_id, ["施工图未经审查合格"], REVIEWER.staff_id)

    def check(text: dict[D, str]) -> None:
        decision = text[D.REFUSAL_DECISION]
        assert "不予行政许可决定书" in decision
        assert "《中华人民共和国建筑法》第八条" in decision
        assert "60日内向湛河区人民政府申请行政复议" in decision

    return Printed(list(result.documents), False, (D.REFUSAL_DECISION,), check)


def approval(d: Desk) -> Printed:
    case, _docs = d.open("ZH-010")
    d.backoffice.accept(case.case_id, REVIEWER.staff_id)
    result = d.backoffice.approve(case.case_id, REVIEWER.staff_id)

    def check(text: dict[D, str]) -> None:
        assert "决定准予行政许可" in text[D.APPROVAL_DECISION]

    return Printed(list(result.documents), False, (D.APPROVAL_DECISION, D.SERVICE_RECORD), check)


def window_delivery(d: Desk) -> Printed:
    case = d.ready("ZH-005")
    receiver = d.delivery.verify_receiver(case.case_id, "刘䶮", APPLICANT.person.id_number)
    result = d.delivery.pickup(
        case.case_id, receiver, list(case.collect_at_delivery), DELIVERY_CLERK.staff_id
    )
    return Printed(list(result.documents), False, (D.DELIVERY_RECEIPT,))


def express_delivery(d: Desk) -> Printed:
    case = d.ready("ZH-005")
    result = d.delivery.express(
        case.case_id,
        "中国邮政EMS",
        "1234567890123",
        DELIVERY_CLERK.staff_id,
        address="河南省平顶山市湛河区建设路1号",
        collected=list(case.collect_at_delivery),
    )

    def check(text: dict[D, str]) -> None:
        assert "1234567890123" in text[D.DELIVERY_RECEIPT]

    return Printed(list(result.documents), False, (D.DELIVERY_RECEIPT,), check)


FLOWS: dict[str, tuple[Callable[[Desk], Printed], WindowAuthority]] = {
    "当场办结-授权": (complete_authorised, WindowAuthority.DECIDE_ON_SPOT),
    "当场办结-未授权": (complete_not_authorised, WindowAuthority.RECEIVE_ONLY),
    "当场受理-受理": (accept_on_spot, WindowAuthority.ACCEPT_ON_SPOT),
    "20分钟答复-受理": (answer_accepted, WindowAuthority.RECEIVE_ONLY),
    "当场受理-不予受理": (answer_refused, WindowAuthority.RECEIVE_ONLY),
    "当场办结-后台当日": (answer_on_the_day, WindowAuthority.RECEIVE_ONLY),
    "当场收件-齐全": (receive_complete, WindowAuthority.RECEIVE_ONLY),
    "容缺": (rongque, WindowAuthority.RECEIVE_ONLY),
    "材料不齐": (incomplete, WindowAuthority.RECEIVE_ONLY),
    "5日内补正告知": (five_day_notice, WindowAuthority.RECEIVE_ONLY),
    "视为受理": (deemed, WindowAuthority.RECEIVE_ONLY),
    "不予许可决定": (refusal_decision, WindowAuthority.RECEIVE_ONLY),
    "准予许可": (approval, WindowAuthority.RECEIVE_ONLY),
    "窗口出件": (window_delivery, WindowAuthority.RECEIVE_ONLY),
    "邮寄送达": (express_delivery, WindowAuthority.RECEIVE_ONLY),
}

#: Documents that record the department's act (受理/不予受理/告知/决定) and bear its seal.
_DEPARTMENT_ACTS = {
    D.ACCEPTANCE_NOTICE,
    D.REFUSAL_NOTICE,
    D.ONE_TIME_NOTICE,
    D.APPROVAL_DECISION,
    D.REFUSAL_DECISION,
}


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Station, MovableClock]]:
    with process_in_utc():
        clock = MovableClock(RECEIVED)
        built = build_station(
            tmp_path_factory.mktemp("matrix"), demo=True, clock=clock, start_queue=False
        )
        yield built, clock
        built.close()


@pytest.mark.parametrize("place", list(HALLS))
@pytest.mark.parametrize("flow", list(FLOWS))
def test_golden_matrix(
    station: tuple[Station, MovableClock], place: str, flow: str, tmp_path: Path
) -> None:
    built, clock = station
    run, authority = FLOWS[flow]
    hall = HALLS[place]
    with process_in_utc():
        clock.set(RECEIVED)
        d = desk(built, clock, hall, authority)
        printed = run(d)
        kinds = tuple(r.kind for r in printed.docs)
        assert kinds == printed.expect, kinds
        texts: dict[D, str] = {}
        for request in printed.docs:
            text = pdf_text(built, request, tmp_path, request.kind.value)
            texts[request.kind] = text
            _assert_document(request, text, d, printed.window_acted)
    if printed.extra is not None:
        printed.extra(texts)


def _assert_document(request: DocumentRequest, text: str, d: Desk, window_acted: bool) -> None:
    flat = squeezed(text)
    template = TEMPLATES[request.kind.value]
    shown = template.check(request.values).shown
    # Every required field's printed value is on the paper.
    for key, spec in template.fields.items():
        if not spec.required:
            continue
        value = shown[key]
        items = value if isinstance(value, list) else [value]
        for item in items:
            for cell in item if isinstance(item, list) else [item]:
                if cell and spec.type != "table":
                    assert squeezed(cell) in flat, (request.kind, key, cell)
    # No placeholder and no UTC time on any printed document.
    assert not PLACEHOLDER.search(text), (request.kind, PLACEHOLDER.search(text))
    assert not _UTC_SHIFTED.search(text), request.kind
    if "received_at" in request.values:
        # Received at 09:30 Beijing time, printed so, the process clock in UTC.
        assert request.values["received_at"] == "2026-11-26T09:30"
        assert "2026-11-26T09:30" in moments_in(text)
    # The issuing body the law wants.
    if request.kind in _DEPARTMENT_ACTS:
        matter = d.documents.matter_of(d.station.store.case_state(_case_id(d, request)))
        department = d.documents.settings.get(f"department.{matter.department}.name") or (
            matter.department
        )
        authority = d.window.authority_for(matter.id)
        entrusted = (
            window_acted
            and d.window.hall.level is not ServiceHallLevel.VILLAGE_STATION
            and (
                authority.may_decide
                if request.kind in (D.APPROVAL_DECISION, D.REFUSAL_DECISION)
                else authority.may_accept
            )
        )
        expected = f"{d.window.hall.name}（受{department}委托）" if entrusted else department
        assert request.values["issuing_body"] == expected
        assert squeezed(expected) in flat
        assert "政务服务专用章" in flat if entrusted else department in flat
    elif request.kind in (D.INTAKE_RECEIPT, D.DELIVERY_RECEIPT):
        assert request.values["issuing_body"] == d.window.hall.name


def _case_id(d: Desk, request: DocumentRequest):  # type: ignore[no-untyped-def]
    number = request.values["case_no"]
    from zhanhe_counter.services.ports.storage import CaseQuery

    [summary] = d.station.store.find_cases(CaseQuery(case_number=number, limit=1))
    return summary.case_id


def test_the_matrix_covers_every_issue_flow() -> None:
    assert len(FLOWS) == 15


@pytest.mark.parametrize(
    ("place", "issuer"),
    [
        ("district", "湛河区政务服务中心（受湛河区卫生健康委员会委托）"),
        ("township", "曹镇乡便民服务中心（受湛河区卫生健康委员会委托）"),
        ("village", "湛河区卫生健康委员会"),  # a village station is never entrusted
    ],
)
def test_who_accepts_on_the_spot_at_each_place(
    station: tuple[Station, MovableClock], place: str, issuer: str, tmp_path: Path
) -> None:
    built, clock = station
    with process_in_utc():
        clock.set(RECEIVED)
        d = desk(built, clock, HALLS[place], WindowAuthority.ACCEPT_ON_SPOT)
        _case, docs = d.open("ZH-013")
        notice = next(r for r in docs if r.kind is D.ACCEPTANCE_NOTICE)
        text = squeezed(pdf_text(built, notice, tmp_path, "notice"))
    assert text.startswith(squeezed(issuer))
    if place == "village":
        assert "本机关决定予以受理" in text
        assert "湛河区卫生健康委员会业务专用章" in text
    else:
        assert "本中心受湛河区卫生健康委员会委托决定予以受理" in text
        assert "政务服务专用章" in text
