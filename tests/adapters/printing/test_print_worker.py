"""One printer's worker thread against a scripted printer: what each kind of failure does to the
job (retry, uncertain, failed) and how spooler jobs are followed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.adapters.printing.printers.lab import SystemClock, wait_for
from tests.adapters.printing.test_queue import pdf_document, request
from zhanhe_counter.adapters.printing.job_store import PrintJobStore
from zhanhe_counter.adapters.printing.print_worker import PrinterWorker
from zhanhe_counter.adapters.printing.printers import base
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    PrinterState,
    PrinterStatus,
    PrinterUnavailable,
    PrintJobState,
    PrintOutcomeUnknown,
    PrintRejected,
    RenderedDocument,
)


class ScriptedPrinter:
    """A printer whose answers the test sets: ``outcomes`` for submit, ``states`` per job."""

    name = "A4"

    def __init__(self, *outcomes: BaseException | str) -> None:
        self.outcomes = list(outcomes)
        self.states: dict[str, BackendJobState] = {}
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def status(self) -> PrinterStatus:
        return base.ready()

    def submit(self, document: RenderedDocument, *, title: str, copies: int = 1) -> str:
        with self.lock:
            outcome = self.outcomes.pop(0) if self.outcomes else "done"
        if isinstance(outcome, BaseException):
            raise outcome
        self.sent.append(title)
        return outcome

    def job_state(self, job_id: str) -> BackendJobState:
        return self.states.get(job_id, BackendJobState.COMPLETED)

    def cancel(self, job_id: str) -> None:
        self.states[job_id] = BackendJobState.FAILED


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[PrintJobStore]:
    engine: sa.Engine = open_local_database(tmp_path / "station.sqlite3")
    yield PrintJobStore(engine, SystemClock())
    engine.dispose()


def run(printer: ScriptedPrinter, jobs: PrintJobStore) -> PrinterWorker:
    worker = PrinterWorker(
        "A4", printer, jobs, SystemClock(), retry_delays_s=(0.05,), poll_interval_s=0.05
    )
    worker.start()
    return worker


def stop(worker: PrinterWorker) -> None:
    worker.stop()
    worker.join(5)


def test_an_unavailable_printer_keeps_the_job_queued_and_is_retried(jobs: PrintJobStore) -> None:
    paper_out = PrinterStatus(PrinterState.PAPER_OUT, "打印机“A4”缺纸，请装纸。")
    printer = ScriptedPrinter(PrinterUnavailable(paper_out), PrinterUnavailable(paper_out))
    job = jobs.add(request(pdf_document()))
    worker = run(printer, jobs)
    try:
        wait_for(lambda: jobs.job(job.job_id).state is PrintJobState.PRINTED, what="printed")
    finally:
        stop(worker)
    outcomes = [a["outcome"] for a in jobs.attempts(job.job_id)]
    assert outcomes == ["unavailable", "unavailable", "printed"]
    assert worker.status.state is PrinterState.READY  # the clerk's status recovered
    assert jobs.job(job.job_id).last_error_zh is None


_UNKNOWN = "打印中断，请查看是否已打印。"
_WRONG_PAPER = "小票打印机不能打印A4文书。"


@pytest.mark.parametrize(
    ("failure", "state", "reason"),
    [
        (PrintOutcomeUnknown("cut mid-job", _UNKNOWN), PrintJobState.UNCERTAIN, _UNKNOWN),
        (PrintRejected("wrong paper", _WRONG_PAPER), PrintJobState.FAILED, _WRONG_PAPER),
        (
            RuntimeError("driver crashed"),
            PrintJobState.UNCERTAIN,
            "打印时发生意外错误，请查看是否已打印。",
        ),
    ],
)
def test_a_job_that_may_have_printed_is_never_resent(
    jobs: PrintJobStore, failure: BaseException, state: PrintJobState, reason: str
) -> None:
    printer = ScriptedPrinter(failure)
    job = jobs.add(request(pdf_document()))
    later = jobs.add(request(pdf_document("NEXT")))
    worker = run(printer, jobs)
    try:
        wait_for(lambda: jobs.job(later.job_id).state is PrintJobState.PRINTED, what="next job")
    finally:
        stop(worker)
    stuck = jobs.job(job.job_id)
    assert stuck.state is state
    assert stuck.last_error_zh == reason
    assert stuck.attempts == 1
    assert len(printer.sent) == 1  # only the later job


def test_spooler_jobs_are_followed_until_the_spooler_finishes(jobs: PrintJobStore) -> None:
    printer = ScriptedPrinter("cups-1", "cups-2")
    printer.states = {"cups-1": BackendJobState.PENDING, "cups-2": BackendJobState.PENDING}
    first = jobs.add(request(pdf_document("1")))
    second = jobs.add(request(pdf_document("2")))
    worker = run(printer, jobs)
    try:
        wait_for(lambda: len(jobs.submitted("A4")) == 2, what="both submitted")
        printer.states["cups-1"] = BackendJobState.COMPLETED
        printer.states["cups-2"] = BackendJobState.FAILED
        wait_for(lambda: not jobs.submitted("A4"), what="both settled")
    finally:
        stop(worker)
    assert jobs.job(first.job_id).state is PrintJobState.PRINTED
    failed = jobs.job(second.job_id)
    assert failed.state is PrintJobState.FAILED
    assert failed.last_error_zh == "打印服务取消了该任务，请检查打印机后补打。"
    assert failed.backend_job_id == "cups-2"
