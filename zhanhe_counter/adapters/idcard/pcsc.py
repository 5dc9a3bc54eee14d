"""PC/SC readers via pyscard: reader list, presence watching, chip serial, vendor SAM tunnel.

A plain PC/SC contactless reader has no security module, so it can only see that a card is there
and (if it passes ISO 14443-4 APDUs through) read the 8-byte chip serial. Identity data needs a
reader with a built-in SAM that carries the SAM frames inside vendor APDUs; that tunnel is
configured per reader model with :class:`TunnelConfig` and is off by default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from smartcard import scard
from smartcard.Exceptions import SmartcardException
from smartcard.pcsc.PCSCExceptions import BaseSCardException
from smartcard.System import readers as pcsc_readers

from zhanhe_counter.adapters.idcard.frames import Frame, FrameError, FrameParser
from zhanhe_counter.adapters.idcard.sam_reader import ReadOptions, SamCardReader
from zhanhe_counter.adapters.idcard.session import Timeouts
from zhanhe_counter.services.ports.idcard import (
    CardReadError,
    IdCardRecord,
    NoCardError,
    ReaderNotSupportedError,
    ReaderUnavailableError,
)

log = logging.getLogger(__name__)

CHIP_SERIAL_APDU = bytes.fromhex("0036000008")
_PCSC_ERRORS = (SmartcardException, BaseSCardException)
# A tunnel answer can never be longer than the biggest SAM frame; stop a runaway card.
_MAX_TUNNEL_ANSWER = 0x2000


@dataclass(frozen=True)
class TunnelConfig:
    """厂商通道: how a SAM-equipped PC/SC reader carries SAM frames in APDUs.

    Each SAM command frame is sent as ``header + Lc + frame``; the answer's data is the response
    frame, continued with GET RESPONSE while the card answers ``61 xx``. The header is
    vendor-specific (there is no standard) and must come from the reader's documentation.
    """

    header: bytes
    get_response: bytes = bytes.fromhex("00C00000")

    def __post_init__(self) -> None:
        if len(self.header) != 4 or len(self.get_response) != 4:
            raise ValueError("APDU headers are four bytes: CLA INS P1 P2")


def list_pcsc_readers() -> list[str]:
    """Reader names known to the PC/SC service; raises ReaderUnavailableError without one."""
    try:
        return [str(reader) for reader in pcsc_readers()]
    except _PCSC_ERRORS as error:
        raise ReaderUnavailableError(
            f"PC/SC service unavailable: {error}", "智能卡服务（PC/SC）不可用，请检查 pcscd 服务"
        ) from error


def _pcsc_failed(error: Exception, what: str) -> ReaderUnavailableError:
    return ReaderUnavailableError(f"PC/SC {what} failed: {error}", "读卡器（PC/SC）连接失败")


def _release(connection: Any) -> None:
    """Disconnect and free the connection's context now, not in a destructor after pcscd left."""
    try:
        connection.release()
    except _PCSC_ERRORS:
        log.debug("PC/SC connection release failed")


@dataclass(frozen=True)
class PresenceEvent:
    """插拔卡事件: the reader's new state."""

    present: bool
    atr: bytes


class PcscCardWatcher:
    """Watches one reader for card insertion and removal (SCardGetStatusChange)."""

    def __init__(self, reader_name: str) -> None:
        self.reader_name = reader_name
        result, self._context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if result != scard.SCARD_S_SUCCESS:
            raise ReaderUnavailableError(
                f"SCardEstablishContext: {scard.SCardGetErrorMessage(result)}",
                "智能卡服务（PC/SC）不可用，请检查 pcscd 服务",
            )
        self._state = scard.SCARD_STATE_UNAWARE
        self._present: bool | None = None

    def close(self) -> None:
        if self._context is not None:
            scard.SCardReleaseContext(self._context)
            self._context = None

    def _query(self, timeout_ms: int) -> tuple[bool, bytes] | None:
        result, states = scard.SCardGetStatusChange(
            self._context, timeout_ms, [(self.reader_name, self._state)]
        )
        if result == scard.SCARD_E_TIMEOUT:
            return None
        if result != scard.SCARD_S_SUCCESS:
            raise ReaderUnavailableError(
                f"SCardGetStatusChange: {scard.SCardGetErrorMessage(result)}", "读卡器已断开"
            )
        _name, event_state, atr = states[0]
        if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
            raise ReaderUnavailableError(
                f"reader {self.reader_name} gone", f"读卡器“{self.reader_name}”已断开"
            )
        self._state = event_state & ~scard.SCARD_STATE_CHANGED
        return bool(event_state & scard.SCARD_STATE_PRESENT), bytes(atr)

    def is_present(self) -> bool:
        """The current state, without waiting."""
        self._state = scard.SCARD_STATE_UNAWARE
        state = self._query(0)
        present = bool(state and state[0])
        self._present = present
        return present

    def wait_for_change(self, timeout: float) -> PresenceEvent | None:
        """The next insertion or removal within ``timeout`` seconds, or None."""
        if self._present is None:
            self.is_present()
        state = self._query(max(0, int(timeout * 1000)))
        if state is None or state[0] == self._present:
            return None
        self._present = state[0]
        return PresenceEvent(present=state[0], atr=state[1])


class PcscTunnelTransport:
    """A SamTransport through a vendor APDU tunnel on an open PC/SC connection."""

    def __init__(self, transmit: Callable[[bytes], tuple[bytes, int, int]], config: TunnelConfig):
        self._transmit = transmit
        self.config = config

    @property
    def description(self) -> str:
        return "PC/SC 厂商通道"

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def exchange(self, frame: bytes, timeout: float) -> Frame:
        if len(frame) > 255:
            raise FrameError("SAM command too long for a short APDU")
        data, sw1, sw2 = self._transmit(self.config.header + bytes([len(frame)]) + frame)
        answer = bytearray(data)
        while sw1 == 0x61 and len(answer) < _MAX_TUNNEL_ANSWER:
            data, sw1, sw2 = self._transmit(self.config.get_response + bytes([sw2]))
            answer += data
        if (sw1, sw2) != (0x90, 0x00):
            raise CardReadError(
                f"vendor tunnel answered SW {sw1:02X}{sw2:02X}",
                "读卡器不支持所配置的厂商通道命令，请检查读卡器型号设置",
            )
        frames = FrameParser().feed(bytes(answer))
        if not frames:
            raise FrameError("vendor tunnel answer holds no valid SAM frame")
        return frames[0]


class PcscCardReader:
    """身份证阅读器（PC/SC）: presence and chip serial always; identity only via a tunnel."""

    def __init__(
        self,
        reader_filter: str = "",
        *,
        tunnel: TunnelConfig | None = None,
        options: ReadOptions | None = None,
        timeouts: Timeouts | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.reader_filter = reader_filter
        self.tunnel = tunnel
        self.options = options or ReadOptions(reset_on_open=False)
        self.timeouts = timeouts
        self._today = today
        self.reader_name: str | None = None
        self._watcher: PcscCardWatcher | None = None
        self._reader: Any = None

    @property
    def description(self) -> str:
        return f"PC/SC {self.reader_name or self.reader_filter or '（自动选择）'}"

    def open(self) -> None:
        if self._watcher is not None:
            return
        try:
            found = [r for r in pcsc_readers() if self.reader_filter in str(r)]
        except _PCSC_ERRORS as error:
            raise _pcsc_failed(error, "reader list") from error
        if not found:
            raise ReaderUnavailableError(
                f"no PC/SC reader matches {self.reader_filter!r}", "未找到读卡器（PC/SC）"
            )
        self._reader = found[0]
        self.reader_name = str(found[0])
        self._watcher = PcscCardWatcher(self.reader_name)

    def close(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.close()

    def _require_watcher(self) -> PcscCardWatcher:
        if self._watcher is None:
            raise ReaderUnavailableError("PC/SC reader not open", "读卡器未连接")
        return self._watcher

    def card_present(self) -> bool:
        return self._require_watcher().is_present()

    def wait_for_change(self, timeout: float) -> PresenceEvent | None:
        return self._require_watcher().wait_for_change(timeout)

    def _connect(self) -> Any:
        self._require_watcher()
        try:
            connection = self._reader.createConnection()
        except _PCSC_ERRORS as error:
            raise _pcsc_failed(error, "connection") from error
        try:
            connection.connect()
        except _PCSC_ERRORS as error:
            _release(connection)
            raise NoCardError(f"PC/SC connect failed: {error}") from error
        return connection

    @staticmethod
    def _transmitter(connection: Any) -> Callable[[bytes], tuple[bytes, int, int]]:
        def transmit(apdu: bytes) -> tuple[bytes, int, int]:
            try:
                data, sw1, sw2 = connection.transmit(list(apdu))
            except _PCSC_ERRORS as error:
                raise CardReadError(
                    f"PC/SC transmit failed: {error}", "读卡过程中证件被移开，请重新放置"
                ) from error
            return bytes(data), sw1, sw2

        return transmit

    @staticmethod
    def _chip_serial(transmit: Callable[[bytes], tuple[bytes, int, int]]) -> str | None:
        try:
            data, sw1, sw2 = transmit(CHIP_SERIAL_APDU)
        except CardReadError:
            return None
        if (sw1, sw2) != (0x90, 0x00) or len(data) != 8:
            return None
        return data.hex().upper()

    def read_presence(self) -> tuple[bytes, str | None]:
        """The ATR and the chip serial (None when the reader does not pass the APDU through)."""
        connection = self._connect()
        try:
            atr = bytes(connection.getATR())
            return atr, self._chip_serial(self._transmitter(connection))
        finally:
            _release(connection)

    def read_card(self) -> IdCardRecord:
        if self.tunnel is None:
            raise ReaderNotSupportedError(
                "PC/SC reader without a configured SAM tunnel cannot read identity data",
                "此读卡器只能检测证件，无法读取身份信息（需要带安全模块的阅读器或厂商通道配置）",
            )
        connection = self._connect()
        try:
            transmit = self._transmitter(connection)
            serial = self._chip_serial(transmit)
            sam_reader = SamCardReader(
                PcscTunnelTransport(transmit, self.tunnel),
                options=self.options,
                timeouts=self.timeouts,
                source="pcsc",
                today=self._today,
                chip_serial=lambda: serial,
            )
            # The tunnel reader polls with the card already connected: find, then read.
            if not sam_reader.card_present():
                raise NoCardError("SAM behind the PC/SC tunnel finds no card")
            return sam_reader.read_card()
        finally:
            _release(connection)
