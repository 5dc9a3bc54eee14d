"""The print queue with a simulated printer: idempotency, 补打 reprints, history, recovery."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from tests.adapters.printing.printers.lab import SystemClock, ticket_image, wait_for
from zhanhe_counter.adapters.printing.printers.simulated import SimulatedPrinter
from zhanhe_counter.adapters.printing.queue import SqlitePrintQueue, UnknownPrinter
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.print_tables import print_job
from zhanhe_counter.services.ports.printing import (
    PrintJobRequest,
    PrintJobState,
    PrintQueue,
    RenderedDocument,
)

CASE = uuid.UUID("01890000-0000-7000-8000-0000000000aa")


def pdf_document(text: str = "NOTICE") -> RenderedDocument:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return RenderedDocument.of(out.getvalue(), "application/pdf", "acceptance_notice", 2, 1)


def png_document(seed: int) -> RenderedDocument:
    out = io.BytesIO()
    ticket_image(seed).save(out, format="PNG")
    return RenderedDocument.of(out.getvalue(), "image/png", "thermal_ticket", 1, 1)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_local_database(tmp_path / "station.sqlite3")
    yield engine
    engine.dispose()


@pytest.fixture
def queue(engine: sa.Engine, tmp_path: Path) -> Iterator[SqlitePrintQueue]:
    q = SqlitePrintQueue(
        engine,
        {
            "A4": SimulatedPrinter("A4", tmp_path / "a4"),
            "小票": SimulatedPrinter("小票", tmp_path / "ticket"),
        },
        SystemClock(),
        poll_interval_s=0.1,
    )
    q.start()
    yield q
    q.stop()


def request(document: RenderedDocument, printer: str = "A4", **kw: object) -> PrintJobRequest:
    values: dict[str, object] = {
        "request_id": uuid.uuid4(),
        "case_id": CASE,
        "kind": "acceptance_notice",
        "printer": printer,
        "document": document,
        "requested_by": "clerk01",
    }
    values.update(kw)
    return PrintJobRequest(**values)  # type: ignore[arg-type]


def printed(queue: SqlitePrintQueue, job_id: uuid.UUID) -> bool:
    return queue.job(job_id).state is PrintJobState.PRINTED


def test_sqlite_queue_is_a_print_queue(queue: SqlitePrintQueue) -> None:
    port: PrintQueue = queue  # checked by mypy
    assert port is queue


def test_double_click_prints_once(queue: SqlitePrintQueue, tmp_path: Path) -> None:
    req = request(pdf_document())
    first = queue.enqueue(req)
    second = queue.enqueue(req)
    assert second.job_id == first.job_id
    wait_for(lambda: printed(queue, first.job_id))
    assert queue.enqueue(req).job_id == first.job_id  # even after printing
    assert len(list((tmp_path / "a4").glob("*.pdf"))) == 1
    record = queue.job(first.job_id)
    assert (record.template_id, record.template_version) == ("acceptance_notice", 2)
    assert record.sha256 == req.document.sha256
    assert record.attempts == 1


def test_reprint_sends_stored_bytes_stamped_once(queue: SqlitePrintQueue, tmp_path: Path) -> None:
    original = pdf_document("ORIGINAL WORDING")
    job = queue.enqueue(request(original))
    wait_for(lambda: printed(queue, job.job_id))
    click = uuid.uuid4()
    reprint = queue.reprint(job.job_id, request_id=click, requested_by="clerk02")
    assert queue.reprint(job.job_id, request_id=click, requested_by="clerk02").job_id == (
        reprint.job_id
    )
    wait_for(lambda: printed(queue, reprint.job_id))
    again = queue.reprint(reprint.job_id, request_id=uuid.uuid4(), requested_by="clerk02")
    wait_for(lambda: printed(queue, again.job_id))
    files = sorted((tmp_path / "a4").glob("*.pdf"))
    assert len(files) == 3
    assert files[0].read_bytes() == original.content
    for stamped in files[1:]:
        reader = PdfReader(stamped)
        assert len(reader.pages) == 1
        assert "ORIGINAL WORDING" in reader.pages[0].extract_text()  # never re-rendered
        images = list(reader.pages[0].images)
        assert len(images) == 1  # one 补打 stamp, also on a reprint of a reprint
    assert files[1].read_bytes() != original.content
    record = queue.job(reprint.job_id)
    assert record.is_reprint
    assert record.reprint_of == job.job_id
    assert record.sha256 == original.sha256  # the document, not the stamped copy


def test_ticket_reprint_has_a_band_on_top(queue: SqlitePrintQueue, tmp_path: Path) -> None:
    job = queue.enqueue(request(png_document(3), printer="小票", kind="thermal_ticket"))
    wait_for(lambda: printed(queue, job.job_id))
    reprint = queue.reprint(job.job_id, request_id=uuid.uuid4(), requested_by="clerk01")
    wait_for(lambda: printed(queue, reprint.job_id))
    first, second = sorted((tmp_path / "ticket").glob("*.png"))
    original = Image.open(first).convert("1")
    stamped = Image.open(second).convert("1")
    band = stamped.height - original.height
    assert band > 0
    assert stamped.crop((0, band, stamped.width, stamped.height)).tobytes() == original.tobytes()
    assert stamped.crop((0, 0, stamped.width, band)).getextrema()[0] == 0  # ink in the band


def test_history_lists_prints_and_reprints(queue: SqlitePrintQueue) -> None:
    a = queue.enqueue(request(pdf_document("A")))
    b = queue.enqueue(request(png_document(1), printer="小票", kind="thermal_ticket"))
    wait_for(lambda: printed(queue, a.job_id) and printed(queue, b.job_id))
    r = queue.reprint(a.job_id, request_id=uuid.uuid4(), requested_by="clerk09")
    other_case = queue.enqueue(request(pdf_document("B"), case_id=uuid.uuid4()))
    history = queue.history_for_case(CASE)
    assert [h.job_id for h in history] == [a.job_id, b.job_id, r.job_id]
    assert [h.is_reprint for h in history] == [False, False, True]
    assert other_case.job_id not in {h.job_id for h in history}
    assert history[2].requested_by == "clerk09"


def test_unknown_printer_is_refused_in_chinese(queue: SqlitePrintQueue) -> None:
    with pytest.raises(UnknownPrinter) as caught:
        queue.enqueue(request(pdf_document(), printer="没有这台"))
    assert "没有这台" in caught.value.user_message


def test_job_interrupted_by_a_crash_becomes_uncertain(engine: sa.Engine, tmp_path: Path) -> None:
    folder = tmp_path / "a4"
    q = SqlitePrintQueue(engine, {"A4": SimulatedPrinter("A4", folder)}, SystemClock())
    job = q.enqueue(request(pdf_document()))  # not started: nothing sends it
    with engine.begin() as conn:  # what a kill during sending leaves behind
        conn.execute(
            print_job.update().where(print_job.c.job_id == job.job_id).values(state="sending")
        )
    q.start()
    try:
        assert q.job(job.job_id).state is PrintJobState.UNCERTAIN
        q.wake()
        assert not folder.exists() or not list(folder.iterdir())
        q.resolve_uncertain(job.job_id, printed=True)
        assert q.job(job.job_id).state is PrintJobState.PRINTED
        assert not folder.exists() or not list(folder.iterdir())  # marked, not resent
    finally:
        q.stop()


def test_cancel_before_printing(engine: sa.Engine, tmp_path: Path) -> None:
    q = SqlitePrintQueue(engine, {"A4": SimulatedPrinter("A4", tmp_path / "a4")}, SystemClock())
    job = q.enqueue(request(pdf_document()))
    assert q.cancel(job.job_id).state is PrintJobState.CANCELED
    q.start()
    try:
        later = q.enqueue(request(pdf_document("LATER")))
        wait_for(lambda: printed(q, later.job_id))
        assert q.job(job.job_id).state is PrintJobState.CANCELED
        assert len(list((tmp_path / "a4").glob("*.pdf"))) == 1
    finally:
        q.stop()


def test_a_counter_without_printers_keeps_its_jobs_and_writes_no_files(
    engine: sa.Engine, tmp_path: Path
) -> None:
    from zhanhe_counter.adapters.printing.printers.unconfigured import UnconfiguredPrinter

    q = SqlitePrintQueue(
        engine, {"A4": UnconfiguredPrinter("A4")}, SystemClock(), poll_interval_s=0.05
    )
    q.start()
    try:
        job = q.enqueue(request(pdf_document()))
        wait_for(lambda: q.job(job.job_id).attempts >= 1, what="a first attempt")
        record = q.job(job.job_id)
        assert record.state not in (PrintJobState.PRINTED, PrintJobState.FAILED)
        assert "尚未配置打印机" in (record.last_error_zh or "")
    finally:
        q.stop()
    assert [p for p in tmp_path.rglob("*") if p.is_file() and "station" not in p.name] == []
