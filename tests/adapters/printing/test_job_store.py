"""The print job store on its own: idempotent requests, crash recovery, the order a worker
takes jobs in, and the rows an attempt leaves (the threads are test_queue.py's)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.adapters.printing.printers.lab import SystemClock
from tests.adapters.printing.test_queue import CASE, pdf_document, request
from zhanhe_counter.adapters.printing.job_store import (
    PrintJobStore,
    PrintQueueError,
    RequestIdConflict,
    UnknownPrintJob,
)
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.print_tables import print_job
from zhanhe_counter.services.ports.printing import PrintJobState


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_local_database(tmp_path / "station.sqlite3")
    yield engine
    engine.dispose()


@pytest.fixture
def jobs(engine: sa.Engine) -> PrintJobStore:
    return PrintJobStore(engine, SystemClock())


def _state(engine: sa.Engine, job_id: uuid.UUID) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(sa.select(print_job.c.state).where(print_job.c.job_id == job_id)).scalar()
        )


def test_the_same_request_is_stored_once_and_a_reused_id_is_refused(jobs: PrintJobStore) -> None:
    first = request(pdf_document("ONE"))
    stored = jobs.add(first)
    assert jobs.add(first) == stored
    assert jobs.by_request(first.request_id) == stored
    assert jobs.by_request(uuid.uuid4()) is None
    with pytest.raises(RequestIdConflict):
        jobs.add(request(pdf_document("TWO"), request_id=first.request_id))


def test_a_worker_claims_the_oldest_queued_job_of_its_printer(
    jobs: PrintJobStore, engine: sa.Engine
) -> None:
    first = pdf_document("A")
    older = jobs.add(request(first))
    jobs.add(request(pdf_document("B")))
    jobs.add(request(pdf_document("C"), printer="小票"))
    now = datetime.now(UTC)
    claimed = jobs.claim_next("A4", now)
    assert claimed is not None
    assert claimed["job_id"] == older.job_id
    assert claimed["content"] == first.content
    assert _state(engine, older.job_id) == PrintJobState.SENDING.value
    assert jobs.job(older.job_id).attempts == 1
    assert jobs.claim_next("传真", now) is None


def test_a_job_left_sending_becomes_uncertain_and_is_never_claimed_again(
    jobs: PrintJobStore,
) -> None:
    job = jobs.add(request(pdf_document()))
    assert jobs.claim_next("A4", datetime.now(UTC)) is not None
    jobs.recover_interrupted()
    recovered = jobs.job(job.job_id)
    assert recovered.state is PrintJobState.UNCERTAIN
    assert recovered.last_error_zh == "程序在发送时中断，请查看是否已打印。"
    assert jobs.claim_next("A4", datetime.now(UTC)) is None
    # The clerk says it did not print: queued again, and claimed on the next turn.
    assert jobs.resolve_uncertain(job.job_id, printed=False).state is PrintJobState.QUEUED
    with pytest.raises(PrintQueueError):
        jobs.resolve_uncertain(job.job_id, printed=True)
    assert jobs.claim_next("A4", datetime.now(UTC)) is not None


def test_an_attempt_is_recorded_with_its_outcome(jobs: PrintJobStore) -> None:
    job = jobs.add(request(pdf_document()))
    started = datetime.now(UTC)
    claimed = jobs.claim_next("A4", started)
    assert claimed is not None
    jobs.finish_attempt(
        claimed, state=PrintJobState.SUBMITTED, outcome="submitted", started_at=started,
        backend_job_id="cups-17",
    )  # fmt: skip
    assert jobs.submitted("A4") == [(job.job_id, "cups-17")]
    jobs.settle_submitted(job.job_id, PrintJobState.PRINTED, None)
    done = jobs.job(job.job_id)
    assert done.state is PrintJobState.PRINTED
    assert done.printed_at is not None
    assert jobs.submitted("A4") == []
    [attempt] = jobs.attempts(job.job_id)
    assert (attempt["attempt_no"], attempt["outcome"]) == (1, "submitted")
    assert jobs.pending_jobs() == []
    assert [r.job_id for r in jobs.history_for_case(CASE)] == [job.job_id]


def test_a_settled_spooler_job_does_not_undo_a_cancel(jobs: PrintJobStore) -> None:
    job = jobs.add(request(pdf_document()))
    started = datetime.now(UTC)
    claimed = jobs.claim_next("A4", started)
    assert claimed is not None
    jobs.finish_attempt(
        claimed, state=PrintJobState.SUBMITTED, outcome="submitted", started_at=started,
        backend_job_id="9",
    )  # fmt: skip
    before = jobs.cancel(job.job_id)
    assert before.state is PrintJobState.SUBMITTED  # the caller cancels it at the spooler
    jobs.settle_submitted(job.job_id, PrintJobState.PRINTED, None)
    assert jobs.job(job.job_id).state is PrintJobState.CANCELED
    with pytest.raises(PrintQueueError) as refused:
        jobs.cancel(job.job_id)
    assert "不能取消" in refused.value.user_message


def test_a_reprint_is_a_stamped_new_job_pointing_at_the_original(jobs: PrintJobStore) -> None:
    original = jobs.add(request(pdf_document()))
    again = uuid.uuid4()
    reprint = jobs.add_reprint(
        original.job_id, request_id=again, requested_by="clerk02", printer="A4"
    )
    assert reprint.is_reprint
    assert reprint.reprint_of == original.job_id
    assert reprint.sha256 == original.sha256  # the same document; the stamp is on the bytes sent
    assert jobs.add_reprint(original.job_id, request_id=again, requested_by="x", printer="A4") == (
        reprint
    )
    with pytest.raises(UnknownPrintJob):
        jobs.job(uuid.uuid4())
