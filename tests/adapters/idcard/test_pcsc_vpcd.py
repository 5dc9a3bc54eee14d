"""Integration through the real PC/SC stack: pcscd + vsmartcard-vpcd + a virtual card here.

The fixture starts its own pcscd in the foreground with a private reader.conf.d (a vpcd reader on
a free port) and stops it by PID. pcsc-lite 1.9.9's daemon ignores PCSCLITE_CSOCK_NAME, so it
uses the standard socket; a pcscd already running on the machine makes the fixture fail loudly.
Missing pcscd or vpcd driver is a failure, not a skip: CI installs both (scripts/apt/idcard.txt).
"""

from __future__ import annotations

import glob
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.adapters.idcard.fake_sam_process import answer
from zhanhe_counter.adapters.idcard.pcsc import (
    PcscCardReader,
    PcscCardWatcher,
    TunnelConfig,
    list_pcsc_readers,
)
from zhanhe_counter.services.ports.idcard import (
    CardReadError,
    CardType,
    NoCardError,
    ReaderNotSupportedError,
    ReaderUnavailableError,
)
from zhanhe_counter.services.reader_service import ReaderCallbacks, ReaderService, ReaderSettings

ATR = bytes.fromhex("3B8880010000000000718100F9")
CHIP_SERIAL = bytes.fromhex("1122334455667788")
TUNNEL = bytes.fromhex("FF0A0000")  # this virtual reader model's (made-up) vendor tunnel
READER_NAME = "Test VPCD 00 00"


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return int(port)
    raise RuntimeError("no free port pair")


def _vpcd_library() -> str:
    patterns = (
        "/usr/lib/pcsc/drivers/*/libifdvpcd.so*",
        "/usr/lib/*/pcsc/drivers/*/libifdvpcd.so*",
    )
    found = sorted(path for pattern in patterns for path in glob.glob(pattern))
    if not found:
        pytest.fail("vsmartcard-vpcd is not installed (apt-get install vsmartcard-vpcd)")
    return found[0]


class VirtualCard:
    """A vpcd client: ATR, chip serial, and a SAM behind a vendor APDU tunnel with 61xx chaining."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._pending = b""
        self.finds = 1  # the fake SAM says "no card" to find number 1 only; set 0 to see it

    def insert(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                self._socket = socket.create_connection(("127.0.0.1", self.port), timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._socket.settimeout(None)
        self._thread = threading.Thread(target=self._serve, args=(self._socket,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(5)

    @staticmethod
    def _recv(sock: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                (size,) = struct.unpack(">H", self._recv(sock, 2))
                message = self._recv(sock, size) if size else b""
                if size == 1:
                    if message[0] == 0x04:
                        sock.sendall(struct.pack(">H", len(ATR)) + ATR)
                    continue
                reply = self.apdu(message)
                sock.sendall(struct.pack(">H", len(reply)) + reply)
        except (ConnectionError, OSError):
            return

    def _chunk(self) -> bytes:
        part, self._pending = self._pending[:256], self._pending[256:]
        if self._pending:
            return part + bytes([0x61, min(len(self._pending), 256) & 0xFF])
        return part + b"\x90\x00"

    def apdu(self, apdu: bytes) -> bytes:
        if apdu == bytes.fromhex("0036000008"):
            return CHIP_SERIAL + b"\x90\x00"
        if apdu[:4] == TUNNEL and len(apdu) == 5 + apdu[4]:
            frame = apdu[5:]
            command = int.from_bytes(frame[7:9], "big")
            self.finds += command == 0x2001
            self._pending = answer(command, self.finds) or b""
            return self._chunk()
        if apdu[:4] == bytes.fromhex("00C00000"):
            return self._chunk()
        return b"\x6d\x00"


@pytest.fixture(scope="module")
def vpcd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    pcscd = shutil.which("pcscd") or ("/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists() else "")
    if not pcscd:
        pytest.fail("pcscd is not installed (apt-get install pcscd)")
    library = _vpcd_library()
    running = subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, check=False)
    if running.returncode == 0:
        pytest.fail("another pcscd is already running; stop it before this test")
    port = _free_port_pair()
    config = tmp_path_factory.mktemp("pcsc")
    (config / "vpcd-test").write_text(
        f'FRIENDLYNAME "Test VPCD"\nDEVICENAME /dev/null:0x{port:04X}\n'
        f"LIBPATH {library}\nCHANNELID 0x{port:04X}\n"
    )
    log = (config / "pcscd.log").open("wb")
    process = subprocess.Popen(
        [pcscd, "--foreground", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if READER_NAME in list_pcsc_readers():
                    break
            except ReaderUnavailableError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"pcscd did not come up: {(config / 'pcscd.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def card(vpcd: int) -> Iterator[VirtualCard]:
    virtual = VirtualCard(vpcd)
    virtual.insert()
    watcher = PcscCardWatcher(READER_NAME)
    try:
        _wait(watcher.is_present)
        yield virtual
    finally:
        virtual.remove()
        _wait(lambda: not watcher.is_present())
        watcher.close()


def _wait(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 15
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("PC/SC state not reached")
        time.sleep(0.05)


def test_reader_listing(vpcd: int):
    readers = list_pcsc_readers()
    assert READER_NAME in readers
    assert "Test VPCD 00 01" in readers


def test_presence_watching_insert_and_remove(vpcd: int):
    watcher = PcscCardWatcher(READER_NAME)
    virtual = VirtualCard(vpcd)
    try:
        assert watcher.is_present() is False
        virtual.insert()
        event = None
        deadline = time.monotonic() + 15
        while event is None and time.monotonic() < deadline:
            event = watcher.wait_for_change(1.0)
        assert event is not None
        assert event.present
        assert event.atr == ATR
        virtual.remove()
        event = None
        while event is None and time.monotonic() < deadline + 15:
            event = watcher.wait_for_change(1.0)
        assert event is not None
        assert event.present is False
    finally:
        virtual.remove()
        watcher.close()


def test_chip_serial_and_atr(card: VirtualCard):
    reader = PcscCardReader("Test VPCD 00 00")
    reader.open()
    try:
        assert reader.card_present() is True
        atr, serial = reader.read_presence()
        with pytest.raises(ReaderNotSupportedError):
            reader.read_card()
    finally:
        reader.close()
    assert atr == ATR
    assert serial == CHIP_SERIAL.hex().upper()


def test_vendor_tunnel_reads_the_whole_card(card: VirtualCard):
    card.finds = 0
    reader = PcscCardReader("Test VPCD 00 00", tunnel=TunnelConfig(TUNNEL))
    reader.open()
    try:
        with pytest.raises(NoCardError):
            reader.read_card()  # the fake SAM's first find answers 80
        record = reader.read_card()
    finally:
        reader.close()
    assert record.card_type is CardType.RESIDENT
    assert record.name == "张三"
    assert record.photo_wlt == b"\x42" * 1024  # 1295-byte answer, chained with 61xx
    assert record.appended_address == "平顶山市湛河区新地址"
    assert record.chip_serial == CHIP_SERIAL.hex().upper()
    assert record.source == "pcsc"


def test_wrong_tunnel_header_is_a_clear_error(card: VirtualCard):
    reader = PcscCardReader("Test VPCD 00 00", tunnel=TunnelConfig(bytes.fromhex("80AA0000")))
    reader.open()
    try:
        with pytest.raises(CardReadError) as caught:
            reader.read_card()
    finally:
        reader.close()
    assert "厂商通道" in caught.value.user_message


def test_reader_service_over_pcsc(card: VirtualCard):
    records: list[object] = []
    done = threading.Event()

    def on_record(record: object) -> None:
        records.append(record)
        done.set()

    service = ReaderService(
        PcscCardReader("Test VPCD 00 00", tunnel=TunnelConfig(TUNNEL)),
        ReaderCallbacks(on_record=on_record),
        settings=ReaderSettings(poll_interval=0.02),
    )
    service.start()
    try:
        assert done.wait(15)
    finally:
        service.stop()
    assert len(records) == 1


def test_unknown_reader_name(vpcd: int):
    with pytest.raises(ReaderUnavailableError):
        PcscCardReader("No Such Reader").open()
