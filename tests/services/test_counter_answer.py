"""The 20-minute answer printed at the counter (issue 15/18): owed with its service in one
transaction, so a crash before the print has it queued at the next open, with the text the
first print would have had, and a second poll records and prints nothing twice."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.services.documents_support import pdf_text, squeezed
from tests.services.test_intake import CLERK, _request
from tests.services.test_owed_documents import _open, _owed_rows
from zhanhe_counter.adapters.printing.job_store import PrintJobStore
from zhanhe_counter.composition import Station
from zhanhe_counter.domain.case import CaseState
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.backoffice import BackofficeAnswer
from zhanhe_counter.services.counter_answer import answer_print_request, print_and_serve

REVIEWER = "wangqiang"
#: ZH-018 (出生登记) is the police's: its notices are issued in the department's name.
DEPARTMENT = "平顶山市公安局湛河分局（辖区派出所）"


def _answered(station: Station, accepted: bool) -> BackofficeAnswer:
    """A 当场受理 case sent to the back office and answered while the applicant waits."""
    case = station.intake.commit(_request(station, "ZH-018")).case
    station.dispatcher.recover_owed()  # the intake's own papers, out of the way
    if accepted:
        station.backoffice.accept(case.case_id, REVIEWER)
    else:
        station.backoffice.refuse(case.case_id, ["申请事项不属于本机关职权范围"], REVIEWER)
    answer = station.backoffice.answer_for(case.case_id)
    assert answer is not None
    return answer


def _queued_text(station: Station, answer: BackofficeAnswer, folder: Path) -> list[str]:
    """The text of every stored print of the answer's notice, read back from the PDF."""
    kind = answer.documents[0].kind.value
    texts = []
    for n, (stored, _mime, content) in enumerate(
        PrintJobStore(station.engine, station.clock).documents_for_case(answer.case_id)
    ):
        if stored == kind:
            pdf = folder / f"{kind}-{n}.pdf"
            pdf.write_bytes(content)
            out = subprocess.run(
                ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
            ).stdout
            texts.append(squeezed(out))
    return texts


def _served(state: CaseState | None) -> list[str]:
    assert state is not None
    return [e.kind.value for e in state.timeline if e.kind is EventKind.NOTICE_SERVED]


@pytest.mark.parametrize(("accepted", "wording"), [(True, "予以受理"), (False, "不予受理")])
def test_a_crash_before_the_answer_prints_queues_it_at_the_next_open(
    tmp_path: Path, accepted: bool, wording: str
) -> None:
    station = _open(tmp_path)
    answer = _answered(station, accepted)
    request_id = answer_print_request(answer.case_id)
    # The counter records the notice as owed with its 直接送达, and "dies" before the print.
    station.backoffice.owe_answer_at_counter(answer, request_id=request_id, actor=CLERK.staff_id)
    rows = [r for r in _owed_rows(station) if r.request_id == request_id]
    assert [(r.kind, r.at_window, r.fulfilled_at) for r in rows] == [
        (answer.documents[0].kind.value, False, None)
    ]
    assert _served(station.store.case_state(answer.case_id)) == ["notice_served"]
    assert _queued_text(station, answer, tmp_path) == []
    station.close()

    reopened = _open(tmp_path, start_queue=True)
    try:
        [text] = _queued_text(reopened, answer, tmp_path)
        assert DEPARTMENT in text
        assert f"本机关决定{wording}" in text
        assert "王强" in text  # the reviewer who answered signs it, not the counter clerk
        # Word for word what the counter's first print would have been.
        assert text == squeezed(pdf_text(reopened, answer.documents[0], tmp_path, "first"))
        assert all(r.fulfilled_at is not None for r in _owed_rows(reopened))
        # The counter polls again (a second answer arrives for the same case): nothing twice.
        events = len(reopened.store.events_for_case(answer.case_id))
        again = reopened.backoffice.answer_for(answer.case_id)
        assert again is not None
        print_and_serve(reopened.backoffice, reopened.document_printer, again, CLERK.staff_id)
        assert len(reopened.store.events_for_case(answer.case_id)) == events
        assert len(_queued_text(reopened, answer, tmp_path)) == 1
        rows = [r for r in _owed_rows(reopened) if r.request_id == request_id]
        assert [r.fulfilled_at is not None for r in rows] == [True]
    finally:
        reopened.close()


def test_the_answer_printed_without_a_crash_is_served_once_and_owes_nothing(
    tmp_path: Path,
) -> None:
    station = _open(tmp_path)
    answer = _answered(station, True)
    jobs = print_and_serve(station.backoffice, station.document_printer, answer, CLERK.staff_id)
    assert [j.kind for j in jobs] == ["acceptance_notice"]
    assert all(r.fulfilled_at is not None for r in _owed_rows(station))
    print_and_serve(station.backoffice, station.document_printer, answer, CLERK.staff_id)
    assert _served(station.store.case_state(answer.case_id)) == ["notice_served"]
    station.close()
    reopened = _open(tmp_path, start_queue=True)
    try:
        assert len(_queued_text(reopened, answer, tmp_path)) == 1
    finally:
        reopened.close()
