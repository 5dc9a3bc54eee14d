"""Integration: the serial transport over a pseudo-terminal pair with a fake SAM process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapters.idcard import devices
from zhanhe_counter.adapters.idcard.frames import FrameError
from zhanhe_counter.adapters.idcard.sam_reader import SamCardReader
from zhanhe_counter.adapters.idcard.serial_transport import SerialSamTransport, list_serial_ports
from zhanhe_counter.adapters.idcard.session import SamSession, Timeouts
from zhanhe_counter.services.ports.idcard import CardType, ReaderUnavailableError

ROOT = Path(__file__).resolve().parents[3]


pty_port = devices.pty_port


def test_full_read_over_a_pty(pty_port: str):
    transport = SerialSamTransport(pty_port)
    reader = SamCardReader(transport, source="serial")
    reader.open()  # sends reset, expects 90
    try:
        assert reader.description == f"串口 {pty_port}"
        assert reader.card_present() is False  # the fake's first find: 80
        assert reader.card_present() is True  # garbage before the 9F frame is skipped
        record = reader.read_card()
    finally:
        reader.close()
        reader.close()
    assert record.card_type is CardType.RESIDENT
    assert record.name == "张三"
    assert record.id_number == "410411199001011237"
    assert record.appended_address == "平顶山市湛河区新地址"
    assert record.photo_wlt == b"\x42" * 1024
    assert record.source == "serial"


def test_silence_is_a_reader_error_and_noise_is_a_frame_error(pty_port: str):
    transport = SerialSamTransport(pty_port)
    transport.open()
    session = SamSession(transport, Timeouts(control=0.3))
    try:
        with pytest.raises(ReaderUnavailableError, match="no answer"):
            session.check_status()
        with pytest.raises(FrameError):
            session.sam_id()
        session.reset()  # the port still works after both
    finally:
        transport.close()
    with pytest.raises(ReaderUnavailableError):
        transport.exchange(b"", 0.1)


def test_missing_port_is_a_clear_error(tmp_path: Path):
    transport = SerialSamTransport(str(tmp_path / "ttyUSB9"))
    with pytest.raises(ReaderUnavailableError) as caught:
        transport.open()
    assert "ttyUSB9" in caught.value.user_message
    assert isinstance(list_serial_ports(), list)
