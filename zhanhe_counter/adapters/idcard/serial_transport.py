"""Serial SAM readers (USB-UART bridges: CH340, CP210x, PL2303) via pyserial, 115200 8N1."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import serial
from serial.tools import list_ports

from zhanhe_counter.adapters.idcard.frames import Frame, FrameError, FrameParser
from zhanhe_counter.services.ports.idcard import ReaderUnavailableError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SerialPortInfo:
    """串口: one port the operating system lists."""

    device: str
    description: str
    vid: int | None
    pid: int | None


def list_serial_ports() -> list[SerialPortInfo]:
    return [
        SerialPortInfo(port.device, port.description or "", port.vid, port.pid)
        for port in sorted(list_ports.comports(), key=lambda p: p.device)
    ]


class SerialSamTransport:
    """A :class:`SamTransport` over a serial port: header first, then as many bytes as it says."""

    def __init__(self, port: str, *, baudrate: int = 115200, read_slice: float = 0.05) -> None:
        self.port = port
        self.baudrate = baudrate
        self.read_slice = read_slice
        self._serial: serial.Serial | None = None
        self._parser = FrameParser()

    @property
    def description(self) -> str:
        return f"串口 {self.port}"

    def open(self) -> None:
        if self._serial is not None:
            return
        try:
            self._serial = serial.Serial(
                self.port,
                self.baudrate,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=self.read_slice,
                write_timeout=1.0,
            )
        except (serial.SerialException, OSError, ValueError) as error:
            raise ReaderUnavailableError(
                f"cannot open serial port {self.port}: {error}",
                f"无法打开阅读器串口 {self.port}，请检查连接和端口设置",
            ) from error
        self._parser.reset()

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                log.debug("serial close failed on %s", self.port)

    def _unplugged(self, error: Exception) -> ReaderUnavailableError:
        self.close()
        return ReaderUnavailableError(
            f"serial port {self.port} failed: {error}", f"阅读器串口 {self.port} 已断开"
        )

    def exchange(self, frame: bytes, timeout: float) -> Frame:
        port = self._serial
        if port is None:
            raise ReaderUnavailableError("serial transport not open", "阅读器未连接")
        try:
            # A late answer to an earlier, timed-out command must not be taken for this one.
            port.reset_input_buffer()
            self._parser.reset()
            noise_before = self._parser.bad_frames + self._parser.dropped_bytes
            port.write(frame)
            port.flush()
            deadline = time.monotonic() + timeout
            while True:
                chunk = port.read(max(1, port.in_waiting))
                frames = self._parser.feed(chunk) if chunk else []
                if frames:
                    return frames[0]
                if time.monotonic() >= deadline:
                    break
        except (serial.SerialException, OSError) as error:
            raise self._unplugged(error) from error
        noise = self._parser.bad_frames + self._parser.dropped_bytes - noise_before
        if noise or self._parser.pending:
            raise FrameError(f"no valid answer from {self.port} within {timeout:.1f}s")
        raise ReaderUnavailableError(
            f"no answer from {self.port} within {timeout:.1f}s",
            f"阅读器（{self.port}）无响应，请检查连接和波特率",
        )
