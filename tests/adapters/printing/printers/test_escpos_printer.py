"""A loopback port-9100 printer with faults, behind the real queue: nothing lost, nothing twice.

The fake printer is a separate process (fake_escpos_printer.py) so it can be killed for real.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.adapters.printing.printers.lab import (
    FakeEscposPrinter,
    SystemClock,
    free_port,
    npos_decode,
    raster_rows,
    ticket_image,
    wait_for,
)
from zhanhe_counter.adapters.printing.escpos_encode import encode_raster
from zhanhe_counter.adapters.printing.printers.config import PrinterConfig
from zhanhe_counter.adapters.printing.printers.escpos_printer import EscposPrinter
from zhanhe_counter.adapters.printing.queue import SqlitePrintQueue
from zhanhe_counter.services.ports.printing import (
    PrinterState,
    PrinterUnavailable,
    PrintJobRecord,
    PrintJobRequest,
    PrintJobState,
    PrintOutcomeUnknown,
    PrintQueue,
    RenderedDocument,
)

CASE = uuid.UUID("01890000-0000-7000-8000-000000000001")


def png_document(seed: int) -> RenderedDocument:
    out = io.BytesIO()
    ticket_image(seed).save(out, format="PNG")
    return RenderedDocument.of(out.getvalue(), "image/png", "thermal_ticket", 1, 1)


def config(port: int, **extra: object) -> PrinterConfig:
    values: dict[str, object] = {
        "name": "窗口小票",
        "kind": "escpos",
        "paper": "80mm",
        "connection": "network",
        "host": "127.0.0.1",
        "port": port,
        "timeout_s": 1.0,
    }
    values.update(extra)
    return PrinterConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeEscposPrinter]:
    printer = FakeEscposPrinter(tmp_path / "fake9100").start()
    yield printer
    printer.kill()


@pytest.fixture
def queue(engine: sa.Engine, fake: FakeEscposPrinter) -> Iterator[SqlitePrintQueue]:
    q = SqlitePrintQueue(
        engine,
        {"窗口小票": EscposPrinter(config(fake.port))},
        SystemClock(),
        retry_delays_s=(0.05, 0.1, 0.2),
        poll_interval_s=0.1,
    )
    q.start()
    yield q
    q.stop()


def enqueue(queue: PrintQueue, seed: int) -> PrintJobRecord:
    return queue.enqueue(
        PrintJobRequest(
            request_id=uuid.uuid4(),
            case_id=CASE,
            kind="thermal_ticket",
            printer="窗口小票",
            document=png_document(seed),
            requested_by="clerk01",
        )
    )


def expected_payload(seed: int) -> bytes:
    return encode_raster(ticket_image(seed))


def state(queue: SqlitePrintQueue, job: PrintJobRecord) -> PrintJobState:
    return queue.job(job.job_id).state


def test_printed_ticket_decodes_to_the_rendered_raster(
    queue: SqlitePrintQueue, fake: FakeEscposPrinter, tmp_path: Path
) -> None:
    job = enqueue(queue, 1)
    wait_for(lambda: state(queue, job) is PrintJobState.PRINTED, what="printed")
    wait_for(fake.jobs, what="fake printer saved the job")
    (payload,) = fake.jobs()
    decoded = npos_decode(payload, tmp_path)
    rows = [row for raster in decoded["rasters"] for row in raster["rows"]]
    assert rows == raster_rows(ticket_image(1))
    assert queue.printer_status("窗口小票").state is PrinterState.READY


def test_paper_out_holds_jobs_until_paper_is_loaded(
    queue: SqlitePrintQueue, fake: FakeEscposPrinter
) -> None:
    fake.flag("paper_out", True)
    jobs = [enqueue(queue, seed) for seed in (1, 2, 3)]
    wait_for(lambda: queue.job(jobs[0].job_id).attempts >= 2, what="retries while paper out")
    assert queue.printer_status("窗口小票").state is PrinterState.PAPER_OUT
    assert "缺纸" in (queue.job(jobs[0].job_id).last_error_zh or "")
    assert all(state(queue, j) in {PrintJobState.QUEUED, PrintJobState.SENDING} for j in jobs)
    assert fake.jobs() == []
    fake.flag("paper_out", False)
    queue.wake("窗口小票")
    wait_for(lambda: all(state(queue, j) is PrintJobState.PRINTED for j in jobs), what="printed")
    wait_for(lambda: len(fake.jobs()) == 3)
    assert fake.jobs() == [expected_payload(s) for s in (1, 2, 3)]


def test_refusing_printer_then_back(engine: sa.Engine, tmp_path: Path) -> None:
    port = free_port()  # nothing listens yet: connection refused
    q = SqlitePrintQueue(
        engine,
        {"窗口小票": EscposPrinter(config(port))},
        SystemClock(),
        retry_delays_s=(0.05, 0.1),
        poll_interval_s=0.1,
    )
    q.start()
    try:
        job = enqueue(q, 4)
        wait_for(lambda: q.job(job.job_id).attempts >= 2, what="refused retries")
        assert q.printer_status("窗口小票").state is PrinterState.OFFLINE
        assert state(q, job) in {PrintJobState.QUEUED, PrintJobState.SENDING}
        fake = FakeEscposPrinter(tmp_path / "late", port).start()
        try:
            q.wake()
            wait_for(lambda: state(q, job) is PrintJobState.PRINTED, what="printed after start")
            wait_for(fake.jobs)
            assert fake.jobs() == [expected_payload(4)]
        finally:
            fake.kill()
    finally:
        q.stop()


def test_silent_printer_gets_nothing_and_job_waits(
    queue: SqlitePrintQueue, fake: FakeEscposPrinter
) -> None:
    fake.flag("silent", True)
    job = enqueue(queue, 5)
    wait_for(lambda: queue.job(job.job_id).attempts >= 1, what="one attempt")
    wait_for(
        lambda: queue.printer_status("窗口小票").state is PrinterState.NOT_RESPONDING,
        what="silent detected",
    )
    # Retrying (SENDING) or waiting (QUEUED), never given up on and never sent.
    assert state(queue, job) in {PrintJobState.QUEUED, PrintJobState.SENDING}
    assert fake.jobs() == []
    fake.flag("silent", False)
    queue.wake()
    wait_for(lambda: state(queue, job) is PrintJobState.PRINTED, what="printed")
    wait_for(fake.jobs)
    assert fake.jobs() == [expected_payload(5)]


def test_printer_killed_and_restarted_mid_queue_loses_nothing_prints_nothing_twice(
    queue: SqlitePrintQueue, fake: FakeEscposPrinter
) -> None:
    first = [enqueue(queue, s) for s in (1, 2, 3)]
    wait_for(lambda: all(state(queue, j) is PrintJobState.PRINTED for j in first))
    wait_for(lambda: len(fake.jobs()) == 3, what="first batch saved")
    fake.kill()
    second = [enqueue(queue, s) for s in (4, 5, 6)]
    wait_for(lambda: queue.job(second[0].job_id).attempts >= 2, what="refused while dead")
    assert all(state(queue, j) in {PrintJobState.QUEUED, PrintJobState.SENDING} for j in second)
    fake.start()
    queue.wake()
    wait_for(lambda: all(state(queue, j) is PrintJobState.PRINTED for j in second))
    wait_for(lambda: len(fake.jobs()) == 6, what="second batch saved")
    assert fake.jobs() == [expected_payload(s) for s in range(1, 7)]
    attempts = queue.attempts(second[0].job_id)
    assert [a["outcome"] for a in attempts][-1] == "printed"
    assert {a["outcome"] for a in attempts[:-1]} == {"unavailable"}


def test_killed_while_sending_is_uncertain_and_never_resent_on_its_own(
    queue: SqlitePrintQueue, fake: FakeEscposPrinter
) -> None:
    fake.flag("no_ack", True)
    job = enqueue(queue, 7)
    wait_for(lambda: state(queue, job) is PrintJobState.UNCERTAIN, what="uncertain")
    fake.kill()
    fake.flag("no_ack", False)
    fake.start()
    saved_before = len(fake.jobs())  # the unacknowledged ticket may or may not have printed
    queue.wake()
    follower = enqueue(queue, 8)  # the queue keeps working behind the uncertain job
    wait_for(lambda: state(queue, follower) is PrintJobState.PRINTED)
    assert state(queue, job) is PrintJobState.UNCERTAIN
    assert "是否已打印" in (queue.job(job.job_id).last_error_zh or "")
    wait_for(lambda: len(fake.jobs()) == saved_before + 1)
    # The clerk looked: it did not print. Now, and only now, it is sent again, once.
    queue.resolve_uncertain(job.job_id, printed=False)
    wait_for(lambda: state(queue, job) is PrintJobState.PRINTED)
    wait_for(lambda: len(fake.jobs()) == saved_before + 2)
    assert fake.jobs()[-2:] == [expected_payload(8), expected_payload(7)]


def test_adapter_reports_each_fault_directly(fake: FakeEscposPrinter) -> None:
    printer = EscposPrinter(config(fake.port))
    assert printer.status().state is PrinterState.READY
    fake.flag("paper_out", True)
    assert printer.status().state is PrinterState.PAPER_OUT
    with pytest.raises(PrinterUnavailable) as caught:
        printer.submit(png_document(1), title="t")
    assert "缺纸" in caught.value.user_message
    fake.flag("paper_out", False)
    fake.flag("no_ack", True)
    with pytest.raises(PrintOutcomeUnknown):
        printer.submit(png_document(1), title="t")
    fake.kill()
    assert printer.status().state is PrinterState.OFFLINE
