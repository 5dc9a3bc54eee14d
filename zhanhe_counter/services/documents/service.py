"""The documents service (文书服务): every document kind, built from the case and the settings.

One builder for the counter, the back office and the delivery window alike: a document of a
case says the same wherever and whenever it is printed, because its values come from the
stored case (:mod:`facts`), the catalogue, the document settings and the rules of the domain
(legal family, issuing body), and every time and date from the one Beijing-time formatter.
Which body issues and seals each document, and which article each sentence rests on, is in
``docs/legal.md``.

Sealed fields are read through ``DocumentSettings.require``: a document is never built with a
placeholder; ``SettingMissing`` names the setting for the counter to show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from zhanhe_counter.domain.case import CaseState
from zhanhe_counter.domain.document_settings import DocumentSettings, SettingState, state_of
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.legal_family import LegalFamily, Wording, wording_for
from zhanhe_counter.domain.matters import Catalogue, Matter
from zhanhe_counter.domain.windows import ServiceHall, WindowConfig
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.documents.requests import DeliveryDetails, DocumentRequest
from zhanhe_counter.services.documents.values import CaseDocument
from zhanhe_counter.services.progress_link import ProgressLinks, SettingsStore


def required_settings(catalogue: Catalogue, halls: Sequence[ServiceHall]) -> list[tuple[str, ...]]:
    """Every setting a sealed document of these halls and the catalogue's departments may need,
    each as the fallback chain the documents read it through (for ``forms check``)."""
    chains: list[tuple[str, ...]] = [
        ("district.supervision_phone",),
        ("district.local_measures",),
        ("district.rongque_consequence",),
    ]
    for hall in halls:
        key = f"hall.{hall.id}"
        chains += [(f"{key}.{name}",) for name in _HALL_SETTINGS]
    for department in catalogue.department_names:
        key = f"department.{department}"
        chains += [(f"{key}.seal",), (f"{key}.phone",)]
        chains += [
            (f"{key}.reconsideration_body", "district.reconsideration_body"),
            (f"{key}.court", "district.court"),
        ]
        if state_of(department) is not SettingState.OK:
            chains.append((f"{key}.name",))  # the catalogue's name is itself a placeholder
    return chains


_HALL_SETTINGS = ("name", "seal", "receipt_seal", "consult_phone", "pickup_place")


class DocumentService:
    """文书服务: the values of every document kind of a case."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        settings: DocumentSettings,
        calendar: WorkCalendar,
        window: WindowConfig,
        staff_names: Callable[[str], str | None] | None = None,
        station_settings: SettingsStore | None = None,
    ) -> None:
        self._catalogue = catalogue
        self.settings = settings
        #: ``station_settings`` holds the check-code key (without it: no ``{check_code}`` links).
        self.progress_links = ProgressLinks(settings, station_settings)
        self._calendar = calendar
        self._window = window
        self._staff_names = staff_names or (lambda _staff_id: None)

    # ------------------------------------------------------------------ entry points

    def for_intake(
        self, state: CaseState, kinds: Sequence[DocumentKind], clerk_name: str
    ) -> list[DocumentRequest]:
        """The documents the domain decided for a committed intake (at the window)."""
        return [self.build(kind, state, clerk_name=clerk_name, at_window=True) for kind in kinds]

    def build(
        self,
        kind: DocumentKind,
        state: CaseState,
        *,
        clerk_name: str | None = None,
        at_window: bool = False,
        delivery: DeliveryDetails | None = None,
    ) -> DocumentRequest:
        """The document ``kind`` of ``state``. ``at_window``: the window itself acted (intake);
        ``clerk_name``: who acts now (default: the name of the case's 首办负责人)."""
        doc = CaseDocument(self, state, clerk_name, at_window, delivery)
        builders: dict[DocumentKind, Callable[[], dict[str, Any]]] = {
            DocumentKind.INTAKE_RECEIPT: doc.intake_receipt,
            DocumentKind.ACCEPTANCE_NOTICE: doc.acceptance_notice,
            DocumentKind.REFUSAL_NOTICE: doc.refusal_notice,
            DocumentKind.ONE_TIME_NOTICE: doc.one_time_notice,
            DocumentKind.RONGQUE_PLEDGE: doc.rongque_pledge,
            DocumentKind.GAOZHI_PLEDGE: doc.gaozhi_pledge,
            DocumentKind.APPROVAL_DECISION: doc.approval_decision,
            DocumentKind.REFUSAL_DECISION: doc.refusal_decision,
            DocumentKind.HANDOVER_SHEET: doc.handover_sheet,
            DocumentKind.DELIVERY_RECEIPT: doc.delivery_receipt,
            DocumentKind.SERVICE_RECORD: doc.service_record,
            DocumentKind.THERMAL_TICKET: doc.thermal_ticket,
        }
        return DocumentRequest(kind, builders[kind]())

    # ------------------------------------------------------------------ shared rules

    def matter_of(self, state: CaseState) -> Matter | None:
        return self._catalogue.matters.get(state.matter_id) if state.matter_id else None

    def wording(self, matter: Matter | None) -> Wording:
        family = LegalFamily.of(matter.matter_type) if matter else LegalFamily.OTHER_POWER
        measures = self.settings.require("district.local_measures")
        return wording_for(family, measures)

    def decision_basis(self, matter: Matter | None, given: str | None) -> str:
        """What a decision rests on: the reviewer's basis, else the catalogue's 设定依据 (or,
        until the official catalogue carries it, ``matter.<id>.legal_basis`` in the settings),
        with the procedural article of the family (Art. 38 for a permit). Never a generic
        default: without any, ``DomainError`` and nothing is recorded."""
        catalogued = "、".join(matter.legal_basis) if matter else ""
        configured = self.settings.get(f"matter.{matter.id}.legal_basis") if matter else None
        substantive = (given or "").strip() or catalogued or (configured or "")
        if not substantive:
            raise DomainError(
                "decision without a legal basis",
                "请写明决定所依据的法律、法规条款（事项目录未登记该事项的设定依据）",
            )
        procedural = self.wording(matter).decision_basis
        return f"{substantive}和{procedural}" if procedural else substantive

    def supplement_rule(self, matter: Matter | None) -> tuple[int, str] | None:
        """The 补正 deadline a rule gives for ``matter`` (working days and the rule's name), or
        None: the 行政许可法 sets the applicant none, so a deadline needs a rule to print."""
        if matter is None:
            return None
        rule = self.settings.optional(f"matter.{matter.id}.supplement_rule")
        if rule is None:
            return None
        return self.settings.number(f"matter.{matter.id}.supplement_days", 5), rule

    def supplement_deadline(self, matter: Matter | None, issued_on: date) -> date | None:
        rule = self.supplement_rule(matter)
        if rule is None:
            return None
        return self._calendar.add_workdays(issued_on, rule[0]).date

    def relief_of(self, state: CaseState) -> dict[str, Any]:
        """复议机关, 法院 and the periods of the relief clause of ``state``'s refusal."""
        return CaseDocument(self, state, None, False, None).relief()

    def staff_name(self, staff_id: str | None) -> str:
        """A clerk's name for paper (受理人/告知人): never the login id when a name is known."""
        if not staff_id:
            return ""
        return self._staff_names(staff_id) or staff_id

    @property
    def window(self) -> WindowConfig:
        return self._window

    @property
    def calendar(self) -> WorkCalendar:
        return self._calendar
