"""Issue 14 proof: a case's documents built at the counter, the back office and the delivery
window show the same Beijing times and dates, although the process clock runs in UTC."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.services.documents_support import days_in, moments_in, pdf_text, process_in_utc
from tests.services.followthrough_support import (
    APPLICANT,
    CLERK,
    DELIVERY_CLERK,
    REVIEWER,
    Followthrough,
    build_followthrough,
)
from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.services.intake import IntakeRequest, new_action

RECEIVED = datetime(2026, 11, 26, 9, 30, tzinfo=CHINA_TIME)  # 01:30 UTC
# 07:45 in Beijing is 23:45 UTC of the day before: a document dated in UTC shows the wrong day.
ACCEPTED = datetime(2026, 11, 27, 7, 45, tzinfo=CHINA_TIME)
HANDED = datetime(2026, 11, 30, 7, 50, tzinfo=CHINA_TIME)
DELIVERED = datetime(2026, 12, 1, 14, 5, tzinfo=CHINA_TIME)


@pytest.fixture
def ft(tmp_path: Path) -> Followthrough:
    with process_in_utc():
        built = build_followthrough(tmp_path / "station")
        built.clock.set(RECEIVED)
        yield built
        built.station.close()


def test_every_desk_prints_the_same_beijing_times(ft: Followthrough, tmp_path: Path) -> None:
    with process_in_utc():
        assert datetime.now().astimezone().utcoffset().total_seconds() == 0  # really UTC
        station = ft.station
        matter = station.catalogue.matter("ZH-005")  # 高龄津贴, 当场收件
        committed = station.intake.commit(_complete_request(station.catalogue, "ZH-005"))
        counter = station.dispatcher.requests_for(committed, CLERK.name)
        case_id = committed.case.case_id

        ft.clock.set(ACCEPTED)
        back_office = list(ft.backoffice.accept(case_id, REVIEWER.staff_id).documents)
        ft.backoffice.approve(case_id, REVIEWER.staff_id)
        ft.clock.set(HANDED)
        back_office += ft.backoffice.hand_to_delivery(
            case_id, REVIEWER.staff_id, actor_name=REVIEWER.name
        ).documents
        ft.clock.set(DELIVERED)
        receiver = ft.delivery.verify_receiver(case_id, "刘䶮", APPLICANT.person.id_number)
        collect = list(station.store.case_state(case_id).collect_at_delivery)
        delivery = ft.delivery.pickup(case_id, receiver, collect, DELIVERY_CLERK.staff_id).documents

        printed: dict[str, str] = {}
        for desk, requests in (("counter", counter), ("back", back_office), ("out", delivery)):
            for request in requests:
                name = f"{desk}-{request.kind.value}"
                printed[name] = pdf_text(station, request, tmp_path, name)
        # The same documents rebuilt from the final state, as a reprint would.
        final = station.store.case_state(case_id)
        for kind in (
            DocumentKind.INTAKE_RECEIPT,
            DocumentKind.ACCEPTANCE_NOTICE,
            DocumentKind.HANDOVER_SHEET,
            DocumentKind.DELIVERY_RECEIPT,
        ):
            request = station.documents.build(kind, final)
            printed[f"reprint-{kind.value}"] = pdf_text(station, request, tmp_path, kind.value)

    assert matter.name in printed["counter-intake_receipt"]
    expected_moments = {
        "counter-intake_receipt": {"2026-11-26T09:30"},
        "counter-handover_sheet": {"2026-11-26T09:30"},
        "back-acceptance_notice": {"2026-11-26T09:30", "2026-11-27T07:45"},
        "back-handover_sheet": {"2026-11-26T09:30", "2026-11-30T07:50"},
        "out-delivery_receipt": {"2026-12-01T14:05"},
        "reprint-intake_receipt": {"2026-11-26T09:30"},
        "reprint-acceptance_notice": {"2026-11-26T09:30", "2026-11-27T07:45"},
        "reprint-handover_sheet": {"2026-11-26T09:30", "2026-11-30T07:50"},
        "reprint-delivery_receipt": {"2026-12-01T14:05"},
    }
    for name, moments in expected_moments.items():
        assert moments_in(printed[name]) == moments, name
    # Every date a document prints is a Beijing day of the case, never the UTC day before.
    allowed = {
        "2026-11-26",
        "2026-11-27",
        "2026-11-30",
        "2026-12-01",
        "2026-12-03",  # the 5-working-day decision date on the receipt
        final.promised_due.isoformat() if final.promised_due else "",
    }
    for name, text in printed.items():
        assert days_in(text) <= allowed, (name, days_in(text) - allowed)
    assert "2026年11月27日" in printed["back-acceptance_notice"]  # issue date: Beijing day
    assert "2026年11月26日 01:30" not in "".join(printed.values())  # never UTC


def _complete_request(catalogue: Catalogue, matter_id: str) -> IntakeRequest:
    from zhanhe_counter.domain.checklist import MaterialRecord

    matter = catalogue.matter(matter_id)
    return IntakeRequest(
        action=new_action(),
        matter_id=matter_id,
        applicant=APPLICANT,
        records={m.name: MaterialRecord.as_required(m) for m in matter.materials},
        clerk=CLERK,
    )
