"""A real CUPS spooler with a virtual IPP Everywhere printer (ippeveprinter), loopback only.

Everything network-facing runs inside a network namespace that has only ``lo`` (``unshare -n``),
with a private D-Bus and avahi (ippeveprinter needs DNS-SD). The test talks to cupsd through its
unix socket, which crosses the namespace boundary. Missing binaries or no root make these tests
FAIL, not skip: they are the proof that the CUPS path works.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from tests.adapters.printing.printers.lab import SystemClock, wait_for
from zhanhe_counter.adapters.printing.printers.config import PrinterConfig
from zhanhe_counter.adapters.printing.printers.cups import CupsPrinter
from zhanhe_counter.adapters.printing.queue import SqlitePrintQueue
from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    PrinterState,
    PrintJobRequest,
    PrintJobState,
    RenderedDocument,
)

BINARIES = ("unshare", "nsenter", "dbus-daemon", "avahi-daemon", "ippeveprinter", "cupsd")
IPP_PORT = 8632


class CupsLab:
    """Private cupsd + ippeveprinter + avahi + D-Bus, all started and stopped by the test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={root}/dbus.sock"}
        self.socket = root / "run" / "cups.sock"

    def _spawn(self, name: str, args: list[str], *, in_ns: bool = True) -> None:
        prefix = ["nsenter", f"--net=/proc/{self.processes['ns'].pid}/ns/net"] if in_ns else []
        with (self.root / "logs" / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen(
                prefix + args, stdout=log, stderr=subprocess.STDOUT, env=self.env
            )

    def ns_run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        ns = ["nsenter", f"--net=/proc/{self.processes['ns'].pid}/ns/net"]
        env = {**self.env, "CUPS_SERVER": str(self.socket)}
        return subprocess.run([*ns, *args], capture_output=True, env=env, check=False)

    def up(self) -> None:
        r = self.root
        for sub in ("etc/ppd", "spool/tmp", "cache", "state", "logs", "run", "ipp"):
            (r / sub).mkdir(parents=True, exist_ok=True)
        for spool in (r / "spool", r / "spool/tmp"):
            spool.chmod(0o777)  # cupsd's filters run as lp
        (r / "dbus.conf").write_text(
            '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
            ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
            f"<busconfig><type>system</type><listen>unix:path={r}/dbus.sock</listen>"
            "<auth>EXTERNAL</auth><policy context='default'><allow user='*'/><allow own='*'/>"
            "<allow send_destination='*'/><allow receive_sender='*'/></policy></busconfig>\n"
        )
        (r / "avahi.conf").write_text(
            "[server]\nuse-ipv6=no\nallow-interfaces=lo\n"
            "[publish]\npublish-addresses=no\npublish-workstation=no\n"
        )
        (r / "etc/cupsd.conf").write_text(
            f"LogLevel info\nListen 127.0.0.1:8631\nListen {self.socket}\nBrowsing No\n"
            # A first attempt that finds the IPP printer not yet listening must not stop the
            # queue for good (the default policy); retry soon instead, as a counter PC would.
            "ErrorPolicy retry-job\nJobRetryInterval 5\n"
            "WebInterface No\nDefaultAuthType None\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
        )
        (r / "etc/cups-files.conf").write_text(
            f"ServerRoot {r}/etc\nRequestRoot {r}/spool\nCacheDir {r}/cache\n"
            f"StateDir {r}/state\nTempDir {r}/spool/tmp\nErrorLog {r}/logs/error_log\n"
            f"AccessLog {r}/logs/access_log\nPageLog {r}/logs/page_log\n"
            f"Printcap {r}/run/printcap\nSystemGroup root\nUser lp\nGroup lp\n"
        )
        self._spawn(
            "dbus", ["dbus-daemon", f"--config-file={r}/dbus.conf", "--nofork"], in_ns=False
        )
        self._spawn(
            "ns", ["unshare", "-n", "sh", "-c", "ip link set lo up; exec sleep 3600"], in_ns=False
        )
        wait_for((r / "dbus.sock").exists, timeout=10, what="dbus")
        time.sleep(0.3)  # the namespace's lo comes up
        self._spawn(
            "avahi",
            [
                "avahi-daemon",
                "-f",
                f"{r}/avahi.conf",
                "--no-chroot",
                "--no-drop-root",
                "--no-rlimits",
            ],
        )
        wait_for(
            lambda: b"Server startup complete" in (r / "logs/avahi.log").read_bytes(),
            timeout=10,
            what="avahi",
        )
        self.start_printer()
        self._spawn(
            "cupsd", ["cupsd", "-f", "-c", f"{r}/etc/cupsd.conf", "-s", f"{r}/etc/cups-files.conf"]
        )
        wait_for(self.socket.exists, timeout=10, what="cupsd socket")
        added = self.ns_run(
            "lpadmin",
            "-p",
            "VirtualA4",
            "-E",
            "-v",
            f"ipp://localhost:{IPP_PORT}/ipp/print",
            "-m",
            "everywhere",
            "-o",
            "printer-error-policy=retry-job",
        )
        assert added.returncode == 0, added.stderr.decode()

    def start_printer(self) -> None:
        self._spawn(
            "ippeveprinter",
            [
                "ippeveprinter",
                "-n",
                "localhost",
                "-p",
                str(IPP_PORT),
                "-d",
                str(self.root / "ipp"),
                "-k",
                "-f",
                "application/pdf",
                "-M",
                "Virtual",
                "-m",
                "A4",
                "VirtualA4",
            ],
        )
        ipptool = (
            "ipptool",
            "-q",
            f"ipp://localhost:{IPP_PORT}/ipp/print",
            "get-printer-attributes.test",
        )
        wait_for(lambda: self.ns_run(*ipptool).returncode == 0, timeout=15, what="ippeveprinter")

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def down(self) -> None:
        for name in ("cupsd", "ippeveprinter", "avahi", "ns", "dbus"):
            self.stop(name)

    def printed_files(self) -> list[Path]:
        return sorted((self.root / "ipp").glob("*.pdf"))


@pytest.fixture(scope="module")
def lab() -> Iterator[CupsLab]:
    missing = [b for b in BINARIES if shutil.which(b) is None]
    assert not missing, f"install the CUPS lab packages (scripts/apt/printers.txt): {missing}"
    assert os.geteuid() == 0, "the CUPS lab needs root for its loopback-only network namespace"
    # Not under pytest's 0700 temp folder: cupsd's filters run as lp and must reach the spool.
    root = Path(tempfile.mkdtemp(prefix="zhanhe-cupslab-"))
    root.chmod(0o755)
    lab = CupsLab(root)
    try:
        lab.up()
        yield lab
    finally:
        lab.down()
        shutil.rmtree(root, ignore_errors=True)


def notice_pdf(text: str) -> RenderedDocument:
    out = io.BytesIO()
    page = canvas.Canvas(out, pageCompression=0)
    page.drawString(72, 720, text)
    page.save()
    return RenderedDocument.of(out.getvalue(), "application/pdf", "acceptance_notice", 3, 1)


def pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def a4(lab: CupsLab) -> CupsPrinter:
    config = PrinterConfig(name="A4", kind="cups", queue="VirtualA4", server=str(lab.socket))
    return CupsPrinter(config)


def test_pdf_reaches_the_ipp_printer_with_pwg_media(lab: CupsLab) -> None:
    printer = a4(lab)
    assert printer.status().state is PrinterState.READY
    before = len(lab.printed_files())
    job_id = printer.submit(notice_pdf("ZHANHE CUPS TEST ONE"), title="受理通知书")
    try:
        wait_for(
            lambda: printer.job_state(job_id) is BackendJobState.COMPLETED,
            timeout=90,
            what="completed",
        )
    except AssertionError as error:
        log = (lab.root / "logs/error_log").read_text(errors="replace")[-3000:]
        state = printer.job_state(job_id)
        raise AssertionError(f"{error}; job state {state}; cups log:\n{log}") from error
    wait_for(lambda: len(lab.printed_files()) == before + 1, what="file at the printer")
    assert "ZHANHE CUPS TEST ONE" in pdf_text(lab.printed_files()[-1])


def test_job_held_while_printer_off_completes_after_it_returns(
    lab: CupsLab, tmp_path: Path
) -> None:
    from zhanhe_counter.adapters.storage.engine import open_local_database

    engine: sa.Engine = open_local_database(tmp_path / "station.sqlite3")
    queue = SqlitePrintQueue(engine, {"A4": a4(lab)}, SystemClock(), poll_interval_s=0.2)
    queue.start()
    try:
        lab.stop("ippeveprinter")
        before = len(lab.printed_files())
        job = queue.enqueue(
            PrintJobRequest(
                request_id=uuid.uuid4(),
                case_id=uuid.uuid4(),
                kind="acceptance_notice",
                printer="A4",
                document=notice_pdf("ZHANHE HELD JOB"),
                requested_by="clerk01",
            )
        )
        wait_for(lambda: queue.job(job.job_id).state is PrintJobState.SUBMITTED, what="submitted")
        record = queue.job(job.job_id)
        assert record.backend_job_id  # the CUPS job id is tracked
        time.sleep(1.0)  # CUPS tries the dead printer meanwhile
        assert queue.job(job.job_id).state is PrintJobState.SUBMITTED
        assert len(lab.printed_files()) == before
        lab.start_printer()
        wait_for(
            lambda: queue.job(job.job_id).state is PrintJobState.PRINTED,
            timeout=90,
            what="completed after the printer returned",
        )
        wait_for(lambda: len(lab.printed_files()) == before + 1)
        assert "ZHANHE HELD JOB" in pdf_text(lab.printed_files()[-1])
    finally:
        queue.stop()
        engine.dispose()
