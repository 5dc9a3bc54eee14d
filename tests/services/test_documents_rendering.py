"""No document lost to rendering: rare characters, very long names and control characters still
give the applicant a printed receipt; a missing document setting is named, in Chinese."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.services.documents_support import pdf_text, squeezed
from tests.services.followthrough_support import CLERK, NOW, MovableClock
from zhanhe_counter.adapters.printing.settings_file import (
    load_document_settings,
    shipped_settings_path,
)
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.checklist import MaterialRecord
from zhanhe_counter.domain.document_settings import SettingMissing
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.services.documents import DocumentService
from zhanhe_counter.services.intake import IntakeRequest, new_action
from zhanhe_counter.services.ports.printing import PrintJobState

LONG_FOREIGN = ("Maximilian-Alexander Bartholomew Fitzgerald-Montgomery " * 2)[:100]


@pytest.fixture
def station(tmp_path: Path) -> Station:
    built = build_station(tmp_path, demo=True, clock=MovableClock(NOW), start_queue=False)
    yield built
    built.close()


def _commit(station: Station, name: str):  # type: ignore[no-untyped-def]
    matter = station.catalogue.matter("ZH-005")  # 当场收件: the 收件凭证 is the receipt
    return station.intake.commit(
        IntakeRequest(
            new_action(),
            "ZH-005",
            Applicant(Person(name=name, id_number="410411195001011239", phone="13800001234")),
            {m.name: MaterialRecord.as_required(m) for m in matter.materials},
            CLERK,
        )
    )


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("𠮷野家", "𠮷野家"),  # U+20BB7, CJK Extension B
        (LONG_FOREIGN, LONG_FOREIGN.replace(" ", "")),
        ("王\x07小\u202e明", "王小明"),  # a stray byte from a reader, a bidi override
    ],
)
def test_the_applicant_leaves_with_a_printed_receipt(
    station: Station, name: str, printed: str, tmp_path: Path
) -> None:
    committed = _commit(station, name)
    jobs = station.dispatcher.dispatch(
        committed, clerk_id=CLERK.staff_id, clerk_name=CLERK.name, request_id=new_action().case_id
    )
    kinds = [j.kind for j in jobs]
    assert kinds == ["intake_receipt", "handover_sheet", "thermal_ticket"]
    receipt = next(
        r
        for r in station.dispatcher.requests_for(committed, CLERK.name)
        if r.kind is DocumentKind.INTAKE_RECEIPT
    )
    assert printed in squeezed(pdf_text(station, receipt, tmp_path, "receipt"))
    station.queue.start()
    try:
        for job in jobs:
            station.queue.wake()
            _wait_printed(station, job.job_id)
    finally:
        station.queue.stop()


def _wait_printed(station: Station, job_id) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = station.queue.job(job_id)
        if job is not None and job.state is PrintJobState.PRINTED:
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} not printed: {station.queue.job(job_id)}")


def test_a_sealed_document_is_never_printed_with_a_placeholder(station: Station) -> None:
    committed = _commit(station, "刘䶮")
    shipped = DocumentService(
        catalogue=station.catalogue,
        settings=load_document_settings(shipped_settings_path(demo=False)),
        calendar=station.calendar,
        window=station.identity.window,
    )
    with pytest.raises(SettingMissing) as missing:
        shipped.for_intake(committed.case, committed.result.documents, CLERK.name)
    # The counter says which setting is missing, in Chinese.
    assert missing.value.key == "hall.QZX.consult_phone"
    assert "服务场所“QZX”的咨询电话" in missing.value.user_message
    assert "盖章文书不能打印" in missing.value.user_message
