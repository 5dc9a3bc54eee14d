"""The facts of a case as its documents need them, read in one place (办件事实).

Everything the documents service knows about a case comes through here: the applicant (the one
place that reads the applicant's fields, so a change to the applicant record touches one spot),
the events it looks back at, and the materials with their form and copies as the catalogue
gives them, so the 收件凭证, the 受理通知书 and the 交接单 list each material alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.case import CaseState
from zhanhe_counter.domain.events import CaseEvent, EventKind
from zhanhe_counter.domain.matters import Material, MaterialType, Matter


@dataclass(frozen=True, slots=True)
class ApplicantFacts:
    """申请人 as printed: the name, the identity document, the agent."""

    name: str
    id_type: str
    id_number: str | None
    phone: str | None
    address: str | None
    legal_representative: str | None  # 法定代表人 of an organisation
    agent_name: str | None
    agent_id_number: str | None

    @property
    def collector_name(self) -> str:
        """Who signs for a result handed out on the spot: the agent, else the applicant."""
        return self.agent_name or self.legal_representative or self.name


def applicant_of(state: CaseState) -> ApplicantFacts:
    """The applicant of ``state`` (the one reading of the stored applicant)."""
    applicant = state.applicant or Applicant(Person(state.applicant_name or ""))
    agent = applicant.agent
    return ApplicantFacts(
        name=state.applicant_name or applicant.display_name,
        id_type=applicant.id_type,
        id_number=applicant.id_number or None,
        phone=applicant.person.phone,
        address=applicant.person.address,
        legal_representative=applicant.person.name if applicant.is_organisation else None,
        agent_name=agent.name if agent else None,
        agent_id_number=(agent.id_number or None) if agent else None,
    )


def last_event(state: CaseState, kind: EventKind) -> CaseEvent | None:
    """The latest step of ``kind`` in the case's timeline."""
    return next((e for e in reversed(state.timeline) if e.kind is kind), None)


def moment_of(state: CaseState, kind: EventKind) -> datetime | None:
    event = last_event(state, kind)
    return event.occurred_at if event is not None else None


def material_named(matter: Matter | None, name: str) -> Material | None:
    if matter is None:
        return None
    return next((m for m in matter.materials if m.name == name), None)


_FORMS = {
    MaterialType.ORIGINAL: "原件",
    MaterialType.COPY: "复印件",
    MaterialType.ORIGINAL_AND_COPY: "原件和复印件",
}


def form_of(material: Material | None) -> str:
    """原件 / 复印件 / 原件和复印件, as the catalogue asks for the material."""
    return _FORMS[material.material_type] if material is not None else ""


def copies_of(material: Material | None) -> int:
    """The copies received of ``material`` when it was taken in as the catalogue asks."""
    if material is None:
        return 1
    return max(material.copy_count, material.original_count if material.needs_original else 0, 1)


def material_rows(
    state: CaseState, matter: Matter | None, *, with_source: bool = False
) -> list[dict[str, str]]:
    """The received materials, one row each: name, 原件/复印件, 份数 (and 来源)."""
    rows: list[dict[str, str]] = []
    for item in state.received_materials:
        material = material_named(matter, item.name)
        row = {"name": item.name, "form": form_of(material), "copies": str(copies_of(material))}
        if with_source:
            row["source"] = item.note or "自备"
        rows.append(row)
    return rows


def gaozhi_items(state: CaseState) -> list[str]:
    """The materials replaced by the applicant's 告知承诺书."""
    return [i.name for i in state.received_materials if i.note == "告知承诺"]
