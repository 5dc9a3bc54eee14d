"""Proof for issue 9: the logs written during a full intake hold no full ID number (nor name,
phone or address).

The whole path runs for real at DEBUG level with the log file on: the simulated SAM reader reads
the demo card in its worker thread, the intake service walks the checklist and commits the case,
the documents are rendered and queued, and the simulated printers print them. Then every file in
the data folder's ``logs/`` and everything written to stdout/stderr is searched.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import uuid6

from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.adapters.idcard.simulator import SimulatedSam, sample_cards, simulated_reader
from zhanhe_counter.adapters.logging_setup import configure_logging, log_dir, remove_handlers
from zhanhe_counter.composition import build_station
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.checklist import ApplicantSituation, MaterialRecord
from zhanhe_counter.services.intake import IntakeRequest, Staff, new_action
from zhanhe_counter.services.ports.idcard import CardType, IdCardRecord
from zhanhe_counter.services.ports.printing import PrintJobState
from zhanhe_counter.services.reader_service import ReaderCallbacks, ReaderService

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=CHINA_TIME)
CLERK = Staff("zhangmin", "张敏")
PHONE = "13800001234"


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def debug_logging(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    level = root.level
    hooks = (sys.excepthook, threading.excepthook)
    configure_logging(tmp_path, level=logging.DEBUG, stderr=True)
    yield tmp_path
    remove_handlers()
    root.setLevel(level)
    sys.excepthook, threading.excepthook = hooks


def _wait_for(condition: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


def _read_card() -> IdCardRecord:
    records: list[IdCardRecord] = []
    sam = SimulatedSam(sample_cards()[CardType.RESIDENT])
    service = ReaderService(simulated_reader(sam), ReaderCallbacks(on_record=records.append))
    service.start()
    try:
        _wait_for(lambda: records)
    finally:
        service.stop()
    return records[0]


def test_a_full_intake_logs_no_personal_data(
    debug_logging: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    data_dir = debug_logging
    card = _read_card()
    station = build_station(data_dir, demo=True, clock=FixedClock())
    try:
        matter = station.catalogue.matter("ZH-005")
        request = IntakeRequest(
            action=new_action(),
            matter_id="ZH-005",
            applicant=Applicant(
                Person(name=card.name, id_number=card.id_number, phone=PHONE, address=card.address)
            ),
            records={m.name: MaterialRecord.as_required(m) for m in matter.materials},
            clerk=CLERK,
            situation=ApplicantSituation(),
        )
        committed = station.intake.commit(request)
        jobs = station.dispatcher.dispatch(
            committed,
            clerk_id=CLERK.staff_id,
            clerk_name=CLERK.name,
            request_id=uuid6.uuid7(),
        )
        assert jobs
        _wait_for(
            lambda: all(
                station.queue.job(job.job_id).state is PrintJobState.PRINTED for job in jobs
            )
        )
        # Something that goes wrong with the applicant's data in hand is logged too.
        logging.getLogger("zhanhe_counter.test").warning(
            "could not save card %s (%s)", card.id_number, PHONE
        )
    finally:
        station.close()
    for handler in logging.getLogger().handlers:
        handler.flush()

    files = sorted(path for path in log_dir(data_dir).rglob("*") if path.is_file())
    logged = "".join(path.read_text(encoding="utf-8") for path in files)
    captured = capfd.readouterr()
    everything = logged + captured.out + captured.err
    assert "DEBUG" in logged or "INFO" in logged  # the log did record the session
    assert card.id_number[:6] + "********" + card.id_number[-4:] in logged
    for secret in (card.id_number, card.name, PHONE, card.address):
        assert secret not in everything, secret
