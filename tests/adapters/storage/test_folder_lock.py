"""One counter client per data folder (issue 18, Deliver 6): a real second process is refused
with a Chinese message, and never gets as far as the print queue's crash recovery, which would
mark the first client's job in flight "uncertain" and invite a double print."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from tests.adapters.printing.test_queue import pdf_document
from zhanhe_counter.adapters.storage.folder_lock import DataFolderInUse, DataFolderLock
from zhanhe_counter.cli.app import main
from zhanhe_counter.composition import build_station
from zhanhe_counter.services.ports.printing import PrintJobState

ROOT = Path(__file__).resolve().parents[3]

# Client 1: opens the station as the counter does (queue started, folder locked), queues one
# document, then pretends to be in the middle of sending it and stays up.
_FIRST_CLIENT = textwrap.dedent(
    """
    import sys, time, uuid
    from pathlib import Path
    import sqlalchemy as sa
    from tests.adapters.printing.test_queue import pdf_document
    from zhanhe_counter.adapters.storage.print_tables import print_job
    from zhanhe_counter.composition import build_station
    from zhanhe_counter.services.ports.printing import PrintJobRequest

    station = build_station(Path(sys.argv[1]), demo=True)
    job = station.queue.enqueue(PrintJobRequest(
        request_id=uuid.uuid4(), case_id=uuid.uuid4(), kind="acceptance_notice",
        printer=station.printer_roles.a4, document=pdf_document(), requested_by="clerk01"))
    deadline = time.monotonic() + 30
    while station.queue.job(job.job_id).state.value != "printed":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with station.engine.begin() as conn:
        conn.execute(print_job.update().values(state="sending"))
    print(job.job_id, flush=True)
    time.sleep(120)
    """
)


def _job_state(data: Path, job_id: uuid.UUID) -> PrintJobState:
    station = build_station(data, demo=True, start_queue=False)
    try:
        return station.queue.job(job_id).state
    finally:
        station.close()


def test_a_second_client_is_refused_and_leaves_the_first_ones_job_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "demo-data", "--cases", "1"]) == 0
    capsys.readouterr()
    first = subprocess.Popen(
        [sys.executable, "-c", _FIRST_CLIENT, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert first.stdout is not None
        job_line = first.stdout.readline()
        assert job_line.strip(), first.stderr.read() if first.stderr else ""
        job_id = uuid.UUID(job_line.strip())

        with pytest.raises(DataFolderInUse) as refused:
            build_station(tmp_path, demo=True)
        assert f"进程 {first.pid}" in refused.value.user_message
        assert "只能运行一个柜台程序" in refused.value.user_message
        assert _job_state(tmp_path, job_id) is PrintJobState.SENDING
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)  # waits, and closes the pipes

    # The lock died with the process: the next client opens, and only now, with the first one
    # really gone, is its job in flight uncertain.
    station = build_station(tmp_path, demo=True)
    try:
        assert station.queue.job(job_id).state is PrintJobState.UNCERTAIN
    finally:
        station.close()
    assert pdf_document()  # the shared builder stays importable for the client script


def test_the_lock_is_released_on_close_and_held_once(tmp_path: Path) -> None:
    first = DataFolderLock(tmp_path)
    first.acquire()
    first.acquire()  # idempotent
    with pytest.raises(DataFolderInUse, match="in use"):
        DataFolderLock(tmp_path).acquire()
    first.release()
    second = DataFolderLock(tmp_path)
    second.acquire()
    assert second.held
    second.release()
    assert not second.held
