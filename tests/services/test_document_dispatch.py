"""Every outcome's documents fill their templates, render, and reach the (simulated) printers."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services.test_intake import CLERK, NOW, FixedClock, _request
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.services.ports.printing import PrintJobState


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    built = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    yield built
    built.close()


@pytest.mark.parametrize(
    ("matter_id", "missing"),
    [
        ("ZH-005", set()),  # 当场收件
        ("ZH-005", {3}),  # 容缺
        ("ZH-005", {1, 4}),  # 一次性告知
        ("ZH-004", set()),  # 当场受理
        ("ZH-016", set()),  # 当场办结
        ("ZH-018", set()),  # 当场办结, back office answers
    ],
)
def test_every_document_of_every_outcome_renders(
    station: Station, matter_id: str, missing: set[int], tmp_path: Path
) -> None:
    committed = station.intake.commit(_request(station, matter_id, missing))
    requests = station.dispatcher.requests_for(committed, CLERK.name)
    assert [r.kind for r in requests] == list(committed.result.documents)
    for request in requests:
        if request.kind is DocumentKind.THERMAL_TICKET:
            document = station.renderer.render_raster(request.kind, request.values)
            assert document.mime == "image/png"
            continue
        document = station.renderer.render_pdf(request.kind, request.values)
        pdf = tmp_path / f"{request.kind.value}.pdf"
        pdf.write_bytes(document.content)
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.replace(" ", "")
        assert committed.case.case_number in text.replace("\n", "")
        assert "刘䶮" in text


def test_one_time_notice_lists_every_missing_item(station: Station, tmp_path: Path) -> None:
    committed = station.intake.commit(_request(station, "ZH-005", {1, 3, 4}))
    (request,) = station.dispatcher.requests_for(committed, CLERK.name)
    assert request.kind is DocumentKind.ONE_TIME_NOTICE
    names = [row["name"] for row in request.values["items"]]
    matter = station.catalogue.matter("ZH-005")
    assert names == [matter.materials[i].name for i in (0, 2, 3)]


def test_dispatch_queues_each_document_once_and_prints(station: Station) -> None:
    committed = station.intake.commit(_request(station, "ZH-004"))
    request_id = committed.events[0].event_id
    jobs = station.dispatcher.dispatch(
        committed, clerk_id=CLERK.staff_id, clerk_name=CLERK.name, request_id=request_id
    )
    again = station.dispatcher.dispatch(
        committed, clerk_id=CLERK.staff_id, clerk_name=CLERK.name, request_id=request_id
    )
    assert [j.job_id for j in jobs] == [j.job_id for j in again]  # a double click prints once
    station.queue.start()
    try:
        for job in jobs:
            station.queue.wake()
            _wait_printed(station, job.job_id)
    finally:
        station.queue.stop()
    printed = list((station.data_dir / "printed").rglob("*.*"))
    assert len(printed) >= len(jobs)


def _wait_printed(station: Station, job_id) -> None:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = station.queue.job(job_id)
        if job is not None and job.state is PrintJobState.PRINTED:
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} not printed: {station.queue.job(job_id)}")


def test_paper_shows_beijing_time_although_the_store_keeps_utc(station: Station) -> None:
    committed = station.intake.commit(_request(station, "ZH-005"))
    receipt = next(
        r
        for r in station.dispatcher.requests_for(committed, CLERK.name)
        if r.kind is DocumentKind.INTAKE_RECEIPT
    )
    assert receipt.values["received_at"] == "2026-11-26T09:30"
