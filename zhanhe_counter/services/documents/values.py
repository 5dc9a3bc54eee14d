"""The values of one document of one case (文书字段): a builder per document kind.

Every value comes from the stored case (:mod:`facts`), the catalogue, the document settings and
the domain's rules (legal family, issuing body); every time and date from the one Beijing-time
formatter. Sealed fields are read through ``DocumentSettings.require``: a document is never
built with a placeholder. Which body issues each document and which article each sentence rests
on is in ``docs/legal.md``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from zhanhe_counter.domain.case import CaseState, CaseStatus
from zhanhe_counter.domain.china_time import china_date, date_text, minute_iso
from zhanhe_counter.domain.document_settings import SettingMissing, SettingState, state_of
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.domain.issuing_body import Act, Issuer, issuer_for
from zhanhe_counter.domain.legal_family import LICENSING_LAW, LegalFamily, Wording, decision_limit
from zhanhe_counter.domain.matters import Matter
from zhanhe_counter.domain.notice_service import ServiceRecord
from zhanhe_counter.domain.payloads import DeliveryMode, ServiceMethod
from zhanhe_counter.domain.windows import ServiceHallLevel
from zhanhe_counter.services.documents import facts
from zhanhe_counter.services.documents.facts import ApplicantFacts
from zhanhe_counter.services.documents.requests import (
    INTAKE_DECISION_WORKING_DAYS,
    LICENCE_ISSUE_DAYS,
    DeliveryDetails,
    limit_text,
    refusal_title,
)

if TYPE_CHECKING:
    from zhanhe_counter.services.documents.service import DocumentService

_DEFAULT_RECONSIDERATION_DAYS = 60  # 行政复议法 (2023) 第二十条
_DEFAULT_LITIGATION_MONTHS = 6  # 行政诉讼法第四十六条


class CaseDocument:
    """One document being built: the case, who acts, and the settings behind the seal."""

    def __init__(
        self,
        service: DocumentService,
        state: CaseState,
        clerk_name: str | None,
        at_window: bool,
        delivery: DeliveryDetails | None,
    ) -> None:
        self.s = service
        self.settings = service.settings
        self.state = state
        self.matter = service.matter_of(state)
        self.applicant: ApplicantFacts = facts.applicant_of(state)
        self.at_window = at_window
        self.clerk_name = clerk_name
        self.clerk = clerk_name or service.staff_name(state.first_handler)
        self.delivery = delivery
        self.case_no = state.case_number or ""
        self.hall = service.window.hall
        self.received_at = state.received_at or state.opened_at

    def actor(self, kind: EventKind) -> str:
        """Who signs for the act of ``kind``: the clerk acting now, else (a reprint) the name
        of whoever recorded that step, else the case's 首办负责人."""
        if self.clerk_name:
            return self.clerk_name
        event = facts.last_event(self.state, kind)
        return self.s.staff_name(event.actor if event else self.state.first_handler)

    # ------------------------------------------------------------------ who issues

    @property
    def department(self) -> str:
        return self.matter.department if self.matter else ""

    def issuer(self, act: Act) -> Issuer:
        authority = self.s.window.authority_for(self.matter.id) if self.matter is not None else None
        return issuer_for(
            act,
            department=self.department_name(),
            hall=self.hall,
            hall_name=self.hall_name(),
            authority=authority,
            at_window=self.at_window,
        )

    def hall_name(self) -> str:
        return self.settings.require(f"hall.{self.hall.id}.name")

    def department_name(self) -> str:
        """The department as printed: its settings name, else the catalogue's, unless that is
        itself a placeholder ("湛河区所辖乡人民政府" names no body)."""
        key = f"department.{self.department}.name"
        if self.settings.get(key) is not None:
            return self.settings.require(key)
        state = state_of(self.department)
        if state is not SettingState.OK:
            raise SettingMissing(key, state, self.department)
        return self.department

    def sealed(self, act: Act, *, receipt: bool = False) -> dict[str, Any]:
        """The issuer block every sealed document prints: name, seal, phones, progress link."""
        issuer = self.issuer(act)
        if issuer.is_hall:
            hall = f"hall.{self.hall.id}"
            seal = self.settings.require(f"{hall}.receipt_seal" if receipt else f"{hall}.seal")
            phone = self.settings.require(f"{hall}.consult_phone")
        else:
            dept = f"department.{self.department}"
            seal = self.settings.require(f"{dept}.seal")
            phone = self.settings.require(f"{dept}.phone")
        return {
            "issuing_body": issuer.line,
            "seal": seal,
            "consult_phone": phone,
            "supervision_phone": self.settings.require("district.supervision_phone"),
            "progress_url": self.progress_url(),
        }

    def progress_url(self) -> str | None:
        return self.s.progress_links.url(self.hall.id, self.case_no)

    def acting_subject(self, act: Act) -> str:
        """Who "decides" in the sentence: 本机关, or the hall on the department's behalf."""
        issuer = self.issuer(act)
        if issuer.entrusted_by is None:
            return "本机关"
        place = "本站" if self.hall.level is ServiceHallLevel.VILLAGE_STATION else "本中心"
        return f"{place}受{issuer.entrusted_by}委托"

    def relief(self) -> dict[str, Any]:
        dept = f"department.{self.department}"
        return {
            "reconsideration_body": self.settings.require(
                f"{dept}.reconsideration_body", "district.reconsideration_body"
            ),
            "court": self.settings.require(f"{dept}.court", "district.court"),
            "reconsideration_days": self.settings.number(
                "district.reconsideration_days", _DEFAULT_RECONSIDERATION_DAYS
            ),
            "litigation_months": self.settings.number(
                "district.litigation_months", _DEFAULT_LITIGATION_MONTHS
            ),
        }

    def identity(self) -> dict[str, Any]:
        return {
            "applicant_id_type": self.applicant.id_type,
            "applicant_id_no": self.applicant.id_number or "未提供",
            "applicant_phone": self.applicant.phone or "未提供",
        }

    def common(self) -> dict[str, Any]:
        return {
            "case_no": self.case_no,
            "matter_name": self.matter.name if self.matter else (self.state.matter_id or ""),
            "applicant_name": self.applicant.name,
        }

    def wording(self) -> Wording:
        return self.s.wording(self.matter)

    def family(self) -> LegalFamily:
        return self.wording().family

    def promised_text(self, matter: Matter | None) -> str:
        """承诺办结时限 as printed. A 0-day promise reads 当场办结 only where the window itself
        completes the case; a case the back office accepted is decided within the day (当日办结),
        not "on the spot" of a counter it has left."""
        limit = matter.promised_limit if matter else None
        if limit is not None and limit.value == 0 and not self.at_window:
            return "当日办结"
        return limit_text(limit)

    def day(self, moment: datetime | None) -> str:
        return china_date(moment or self.received_at).isoformat()

    # ------------------------------------------------------------------ the documents

    def intake_receipt(self) -> dict[str, Any]:
        received_day = china_date(self.received_at)
        decision_due = self.s.calendar.add_workdays(received_day, INTAKE_DECISION_WORKING_DAYS)
        rongque_due = self.state.rongque_due
        return (
            self.sealed(Act.RECEIVE, receipt=True)
            | self.common()
            | self.identity()
            | {
                "received_at": minute_iso(self.received_at),
                "matter_code": self.matter.impl_code if self.matter else None,
                "agent_name": self.applicant.agent_name,
                "agent_id_no": self.applicant.agent_id_number,
                "materials": facts.material_rows(self.state, self.matter, with_source=True),
                "rongque_items": [
                    f"{item.name}（补齐期限 {date_text(rongque_due)}）"
                    for item in self.state.rongque_items
                    if rongque_due is not None
                ],
                "decision_days": INTAKE_DECISION_WORKING_DAYS,
                "decision_due": decision_due.date.isoformat(),
                "department": self.department_name(),
                "clerk_name": self.actor(EventKind.RECEIVED),
            }
        )

    def acceptance_notice(self) -> dict[str, Any]:
        state = self.state
        if state.accepted_at is None:
            raise DomainError(
                f"case {state.case_id} not accepted", "该办件尚未受理，不能出具受理通知书"
            )
        wording = self.wording()
        deemed = state.deemed_accepted
        # Art. 32(4): deemed accepted *from the day of receipt*; the notice says so.
        accepted = self.received_at if deemed else state.accepted_at
        deemed_text = None
        if deemed:
            basis = (
                f"{LICENSING_LAW}第三十二条第一款第（四）项"
                if wording.family.is_permit
                else wording.acceptance_basis
            )
            deemed_text = (
                f"本机关未在收到申请材料之日起{INTAKE_DECISION_WORKING_DAYS}个工作日内告知补正，"
                f"根据{basis}的规定，本申请自收到申请材料之日（{date_text(china_date(accepted))}）"
                "起即为受理。"
            )
        matter = self.matter
        legal = decision_limit(wording.family, matter.legal_limit if matter else None)
        fee = matter.fee if matter else None
        return (
            self.sealed(Act.ACCEPT)
            | self.common()
            | self.identity()
            | {
                "doc_no": self.case_no,
                "matter_code": matter.impl_code if matter else None,
                "received_at": minute_iso(self.received_at),
                "accepted_at": minute_iso(accepted),
                "acceptance_basis": wording.acceptance_basis,
                "acting_subject": self.acting_subject(Act.ACCEPT),
                "deemed_text": deemed_text,
                "legal_limit": limit_text(legal),
                "promised_limit": self.promised_text(matter),
                "promised_date": (state.promised_due or china_date(accepted)).isoformat(),
                "fee": "收费" if fee and fee.charged else "不收费",
                "pickup": "窗口自取",
                "pickup_detail": self.settings.require(f"hall.{self.hall.id}.pickup_place"),
                "materials": [
                    {k: row[k] for k in ("name", "form", "copies")}
                    for row in facts.material_rows(state, matter)
                ],
                "clerk_name": self.actor(EventKind.ACCEPTED),
                "issue_date": self.day(state.accepted_at),
            }
        )

    def refusal_notice(self) -> dict[str, Any]:
        state = self.state
        if not state.refusal_reasons:
            raise DomainError("case not refused", "该办件没有不予受理决定")
        wording = self.wording()
        competent = state.refusal_competent_office
        default_basis = wording.not_competent_basis if competent else wording.refusal_notice_basis
        return (
            self.sealed(Act.ACCEPT)
            | self.common()
            | self.relief()
            | {
                "doc_no": self.case_no,
                "received_at": minute_iso(self.received_at),
                "reasons": list(state.refusal_reasons),
                "legal_basis": state.refusal_basis or default_basis,
                "acting_subject": self.acting_subject(Act.ACCEPT),
                "competent_body": competent,
                "returned_materials": [i.name for i in self.state.received_materials],
                "clerk_name": self.actor(EventKind.REFUSED),
                "issue_date": self.day(facts.moment_of(self.state, EventKind.REFUSED)),
            }
        )

    def _notice_rows(self) -> list[dict[str, str]]:
        items = self.state.notice_items or self.state.rongque_items
        rows: list[dict[str, str]] = []
        for item in items:
            material = facts.material_named(self.matter, item.name)
            rows.append(
                {
                    "name": item.name,
                    "problem": item.note or "缺少",
                    "requirement": material.requirement if material else "",
                    "form": facts.form_of(material),
                    "copies": str(facts.copies_of(material)),
                }
            )
        return rows

    def one_time_notice(self) -> dict[str, Any]:
        state = self.state
        rongque = not state.notice_items and bool(state.rongque_items)
        issued = facts.moment_of(state, EventKind.NOTIFIED_ONCE) or self.received_at
        deadline: date | None
        rule: str | None = None
        consequence: str | None = None
        if rongque:
            # 容缺受理通知书: the deadline and consequence of the applicant's pledge, word for word.
            deadline = state.rongque_due
            consequence = self.settings.require("district.rongque_consequence")
        else:
            supplement = self.s.supplement_rule(self.matter)
            deadline = state.notice_due if supplement else None
            if supplement is not None:
                rule = supplement[1]
                deadline = deadline or self.s.supplement_deadline(self.matter, china_date(issued))
                consequence = self.settings.optional(
                    f"matter.{self.matter.id if self.matter else ''}.supplement_consequence"
                )
        return (
            self.sealed(Act.ACCEPT)
            | self.common()
            | {
                "doc_no": self.case_no,
                "received_at": minute_iso(self.received_at),
                "notice_basis": f"{LICENSING_LAW}第三十二条第一款第（四）项"
                if self.family().is_permit
                else self.wording().acceptance_basis,
                "acting_subject": self.acting_subject(Act.ACCEPT),
                "items": self._notice_rows(),
                "methods": ["窗口现场提交", "邮寄"],
                "rongque": "容缺" if rongque else None,
                "deadline": deadline.isoformat() if deadline else None,
                "deadline_rule": rule,
                "consequence": consequence,
                "clerk_name": self.actor(EventKind.NOTIFIED_ONCE),
                "issue_date": self.day(issued),
            }
        )

    def rongque_pledge(self) -> dict[str, Any]:
        due = self.state.rongque_due
        return (
            self.common()
            | self.identity()
            | {
                "issuing_body": self.issuer(Act.ACCEPT).line,
                "consult_phone": self.sealed(Act.RECEIVE)["consult_phone"],
                "supervision_phone": self.settings.require("district.supervision_phone"),
                "progress_url": self.progress_url(),
                "legal_rep": self.applicant.legal_representative,
                "items": [
                    {
                        "name": item.name,
                        "form": (
                            m.requirement
                            if (m := facts.material_named(self.matter, item.name))
                            else ""
                        ),
                        "deadline": due.isoformat() if due else "",
                    }
                    for item in self.state.rongque_items
                ],
                "deadline": (due or china_date(self.received_at)).isoformat(),
                "consequence": self.settings.require("district.rongque_consequence"),
            }
        )

    def gaozhi_pledge(self) -> dict[str, Any]:
        """证明事项告知承诺书 (国办发〔2020〕42号): the office tells the proof duty, its content
        and the liability for a false promise; the applicant promises in writing."""
        return (
            self.common()
            | self.identity()
            | {
                "issuing_body": self.issuer(Act.ACCEPT).line,
                "consult_phone": self.sealed(Act.RECEIVE)["consult_phone"],
                "supervision_phone": self.settings.require("district.supervision_phone"),
                "progress_url": self.progress_url(),
                "items": facts.gaozhi_items(self.state),
                "legal_basis": (
                    "、".join(self.matter.legal_basis)
                    or self.settings.get(f"matter.{self.matter.id}.legal_basis")
                )
                if self.matter
                else None,
                "issue_date": self.day(self.received_at),
            }
        )

    def approval_decision(self) -> dict[str, Any]:
        state = self.state
        decided = state.decided_at
        if state.decision_approved is not True or decided is None:
            raise DomainError("case not approved", "该办件没有准予决定")
        wording = self.wording()
        result = self.matter.result if self.matter else None
        issue_by = self.s.calendar.add_natural_days(china_date(decided), LICENCE_ISSUE_DAYS)
        return (
            self.sealed(Act.DECIDE)
            | self.common()
            | {
                "decision": wording.approve,
                "title": wording.approval_title,
                "doc_no": self.case_no,
                "accepted_on": self.day(state.accepted_at),
                "legal_basis": self.s.decision_basis(self.matter, state.decision_basis),
                "acting_subject": self.acting_subject(Act.DECIDE),
                "result_name": state.certificate_name
                or (result.name if result else self.common()["matter_name"]),
                "certificate_number": state.certificate_number,
                "validity": result.validity if result else None,
                "issue_by": issue_by.date.isoformat(),
                "issue_date": self.day(decided),
            }
        )

    def refusal_decision(self) -> dict[str, Any]:
        state = self.state
        if state.decision_approved is not False:
            raise DomainError(
                f"case {state.case_id} has no refusal decision", "该办件没有不予办理决定"
            )
        wording = self.wording()
        return (
            self.sealed(Act.DECIDE)
            | self.common()
            | self.relief()
            | {
                "decision": wording.refuse,
                "title": wording.refusal_title,
                "doc_no": self.case_no,
                "accepted_on": self.day(state.accepted_at),
                "reasons": list(state.decision_reasons),
                "legal_basis": self.s.decision_basis(self.matter, state.decision_basis),
                "acting_subject": self.acting_subject(Act.DECIDE),
                "issue_date": self.day(state.decided_at),
            }
        )

    def handover_sheet(self) -> dict[str, Any]:
        state = self.state
        matter = self.matter
        result_name = matter.result.name if matter and matter.result else None
        if state.decision_approved is False:
            result_name = f"{refusal_title(matter)}（{self.case_no}）"
        if state.certificate_number and result_name:
            result_name = f"{result_name}（{state.certificate_number}）"
        handed = facts.last_event(state, EventKind.HANDED_TO_DELIVERY)
        values = self.common() | {
            "department": self.department_name(),
            "handed_by": self.s.staff_name(state.first_handler),
            "handed_at": minute_iso(self.received_at),
            "materials": [row | {"pages": ""} for row in facts.material_rows(state, matter)],
            "collect_at_delivery": list(state.collect_at_delivery)
            if handed
            else [f"{item.name}（原件）" for item in state.rongque_items],
            "results": [result_name] if result_name else [],
            "progress_url": self.progress_url(),
        }
        if handed is not None:
            # The return leg (后台 → 出件窗口): the reviewer who hands the result over.
            values |= {
                "returned_by": self.clerk
                if not self.at_window
                else self.s.staff_name(handed.actor),
                "returned_at": minute_iso(handed.occurred_at),
            }
        return values

    def delivery_receipt(self) -> dict[str, Any]:
        state = self.state
        if state.decision_approved is False:
            result_name, number = refusal_title(self.matter), self.case_no
        else:
            result = self.matter.result if self.matter else None
            result_name = state.certificate_name or (
                result.name if result else self.common()["matter_name"]
            )
            number = state.certificate_number or ""
        details = self.delivery or self._recorded_delivery()
        delivered = state.delivered_at or self.received_at
        sealed = self.sealed(Act.DELIVER)
        return self.common() | {
            "issuing_body": sealed["issuing_body"],
            "progress_url": sealed["progress_url"],
            "results": [{"name": result_name, "number": number, "count": "1"}],
            "collected": list(details.collected),
            "method": details.method,
            "receiver_name": details.receiver_name,
            "receiver_id_no": details.receiver_id_no,
            "receiver_relation": details.receiver_relation,
            "courier": details.courier,
            "waybill_no": details.waybill_no,
            "mail_address": details.mail_address,
            "delivered_at": minute_iso(delivered),
            "clerk_name": self.actor(EventKind.DELIVERED),
        }

    def _recorded_delivery(self) -> DeliveryDetails:
        """How the result went out, as the DELIVERED event recorded it (for a reprint); before
        that, the applicant (or agent) collecting at the window (当场办结)."""
        recorded = self.state.delivery
        if recorded is None or (
            recorded.mode is DeliveryMode.PICKUP and not recorded.receiver_role
        ):
            return DeliveryDetails(
                method="窗口领取",
                receiver_name=(recorded.signer if recorded else None)
                or self.applicant.collector_name,
                receiver_relation="代理人" if self.applicant.agent_name else "本人",
                receiver_id_no=self.applicant.agent_id_number or self.applicant.id_number,
            )
        if recorded.mode is DeliveryMode.EXPRESS:
            return DeliveryDetails(
                method="邮寄送达",
                receiver_name=self.applicant.name,
                courier=recorded.carrier,
                waybill_no=recorded.waybill,
                mail_address=recorded.mail_address or self.applicant.address,
                collected=recorded.collected,
            )
        # The full number was never stored: the reprint names the receiver without it.
        return DeliveryDetails(
            method="窗口领取",
            receiver_name=recorded.signer or self.applicant.name,
            receiver_relation=recorded.receiver_role.label if recorded.receiver_role else None,
            collected=recorded.collected,
        )

    def service_record(self) -> dict[str, Any]:
        """送达回证 of the notice or decision the back office issued, to be signed by the
        recipient (or returned with the postal receipt) and filed with the case. Once the service
        is recorded (``NOTICE_SERVED``) it says how: the method ticked, the waybill, the receiver
        and the date of service (a mailing's: the signed-for date)."""
        state = self.state
        if state.status is CaseStatus.REFUSED:
            document, title, act = DocumentKind.REFUSAL_NOTICE, "不予受理通知书", Act.ACCEPT
        elif state.decision_approved is not None:
            approved = state.decision_approved
            document = DocumentKind.APPROVAL_DECISION if approved else DocumentKind.REFUSAL_DECISION
            title = self.wording().approval_title if approved else self.wording().refusal_title
            act = Act.DECIDE
        elif state.notice_issued:
            document, title, act = DocumentKind.ONE_TIME_NOTICE, "一次性告知书", Act.ACCEPT
        else:
            document, title, act = DocumentKind.ACCEPTANCE_NOTICE, "受理通知书", Act.ACCEPT
        sealed = self.sealed(act)
        served = next((r for r in reversed(state.services) if r.document is document), None)
        return self.common() | {
            "issuing_body": sealed["issuing_body"],
            "seal": sealed["seal"],
            "document_title": title,
            "doc_no": self.case_no,
            "recipient": self.applicant.name,
            "address": self.applicant.address,
            "server": self.clerk,
            "progress_url": sealed["progress_url"],
            "service_line": service_line(served),
            "signed_by": (served.receiver or "") if served else "",
            "served_on": date_text(served.served_on) if served and served.served_on else "",
        }

    def thermal_ticket(self) -> dict[str, Any]:
        # A completion date is promised only once the case is accepted (Art. 42 runs from 受理).
        promised = (
            date_text(self.state.promised_due)
            if self.state.accepted_at is not None and self.state.promised_due is not None
            else "受理后书面告知"
        )
        return self.common() | {
            "centre_name": self.hall_name(),
            "received_at": minute_iso(self.received_at),
            "promised": promised,
            "window_no": self.s.window.name,
            "progress_url": self.progress_url(),
        }


def service_line(served: ServiceRecord | None) -> str:
    """送达方式 as the 送达回证 prints it: the recorded method ticked (■), with the waybill of a
    mailing; all three open (□) while no service is recorded."""
    method = served.method if served else None
    waybill = (
        f"{served.carrier} {served.waybill}"
        if served and served.method is ServiceMethod.POST
        else "＿＿＿＿＿＿＿＿"
    )
    boxes = {m: "■" if m is method else "□" for m in ServiceMethod}
    return (
        f"送达方式：{boxes[ServiceMethod.IN_PERSON]}直接送达　"
        f"{boxes[ServiceMethod.POST]}邮寄送达（运单号：{waybill}）　"
        f"{boxes[ServiceMethod.ELECTRONIC]}电子送达（经受送达人同意）"
    )
