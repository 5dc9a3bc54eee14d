"""GA 467 SAM frames (``AA AA AA 96 69 | LEN | … | XOR``): builder, streaming parser, statuses.

The length field is big-endian and counts every byte after itself, checksum included; the
checksum is the XOR of the length bytes and the body. There is no byte stuffing, so a parser
resynchronises by scanning for the preamble again after garbage or a bad checksum.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from zhanhe_counter.services.ports.idcard import CardDataError

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_LEN = len(PREAMBLE) + 2
# The biggest answer in the protocol is 30 10 (0x090A); anything much larger is line noise.
MAX_BODY_LEN = 0x2000
_BAD_FRAME_TEXT = "读卡数据校验失败，请重新放置证件"


class Command(IntEnum):
    """SAM command codes (CMD and PARA packed as one 16-bit value)."""

    RESET_SAM = 0x10FF
    SAM_STATUS = 0x11FF
    SAM_ID = 0x12FF
    FIND_CARD = 0x2001
    SELECT_CARD = 0x2002
    READ_BASE = 0x3001
    READ_APPENDED_ADDRESS = 0x3003
    READ_BASE_WITH_FINGERPRINT = 0x3010

    @property
    def cmd(self) -> int:
        return self.value >> 8

    @property
    def para(self) -> int:
        return self.value & 0xFF


class SamStatus(IntEnum):
    """SW3: the security module's own status byte (GA 467)."""

    SUCCESS = 0x90
    NO_CONTENT = 0x91
    FIND_SUCCESS = 0x9F
    CHECKSUM_ERROR = 0x10
    LENGTH_ERROR = 0x11
    COMMAND_ERROR = 0x21
    UNAUTHORISED = 0x23
    UNRECOGNISED_ERROR = 0x24
    CARD_AUTH_SAM_FAILED = 0x31
    SAM_AUTH_CARD_FAILED = 0x32
    VERIFY_FAILED = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SELF_TEST_FAILED = 0x60
    NOT_AUTHORISED = 0x66
    FIND_FAILED = 0x80
    SELECT_FAILED = 0x81


class FrameError(CardDataError):
    """A frame that cannot be trusted: bad checksum, truncated, or not a frame at all."""

    def __init__(
        self, message: str, user_message: str = "读卡数据校验失败，请重新放置证件"
    ) -> None:
        super().__init__(message, user_message)


def xor_checksum(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def _frame(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor_checksum(length + body)])


def build_command(command: Command | int, data: bytes = b"") -> bytes:
    """A command frame; ``command`` packs CMD and PARA, e.g. ``0x2001`` for find card."""
    return _frame(int(command).to_bytes(2, "big") + data)


def build_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """A response frame, as a reader sends it (used by the simulator)."""
    return _frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Frame:
    """One checked frame: the body between the length field and the checksum."""

    body: bytes

    @property
    def sw3(self) -> int:
        """The SAM status of a response frame."""
        if len(self.body) < 3:
            raise FrameError("response frame shorter than its status bytes")
        return self.body[2]

    @property
    def data(self) -> bytes:
        """The response data after SW1 SW2 SW3."""
        return self.body[3:]

    @property
    def command(self) -> int:
        """CMD and PARA of a command frame, packed like :class:`Command`."""
        if len(self.body) < 2:
            raise FrameError("command frame shorter than CMD PARA")
        return int.from_bytes(self.body[:2], "big")

    def describe(self) -> str:
        """Header-only description safe for logs (never the payload)."""
        return f"frame len={len(self.body) + 1} head={self.body[:3].hex(' ')}"


class FrameParser:
    """Streaming parser: feed any chunks, get complete checked frames back.

    Garbage before a preamble is dropped; a frame with a bad checksum or an absurd length is
    dropped and counted, and scanning resumes one byte after its preamble.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.dropped_bytes = 0
        self.bad_frames = 0

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def reset(self) -> None:
        self._buffer.clear()

    def feed(self, chunk: bytes) -> list[Frame]:
        self._buffer += chunk
        frames: list[Frame] = []
        while True:
            start = self._buffer.find(PREAMBLE)
            if start < 0:
                # Keep a possible partial preamble at the end for the next chunk.
                keep = self._partial_preamble_len()
                self.dropped_bytes += len(self._buffer) - keep
                del self._buffer[: len(self._buffer) - keep]
                return frames
            if start:
                self.dropped_bytes += start
                del self._buffer[:start]
            if len(self._buffer) < HEADER_LEN:
                return frames
            length = int.from_bytes(self._buffer[5:7], "big")
            if length < 2 or length > MAX_BODY_LEN:
                self._skip_bad_frame()
                continue
            end = HEADER_LEN + length
            if len(self._buffer) < end:
                return frames
            raw = bytes(self._buffer[:end])
            if xor_checksum(raw[5:-1]) != raw[-1]:
                self._skip_bad_frame()
                continue
            del self._buffer[:end]
            frames.append(Frame(raw[HEADER_LEN:-1]))

    def _skip_bad_frame(self) -> None:
        self.bad_frames += 1
        self.dropped_bytes += 1
        del self._buffer[:1]

    def _partial_preamble_len(self) -> int:
        for size in range(min(len(PREAMBLE) - 1, len(self._buffer)), 0, -1):
            if self._buffer.endswith(PREAMBLE[:size]):
                return size
        return 0


def parse_exact_frame(data: bytes) -> Frame:
    """Parse bytes that must hold exactly one frame (a capture file); raise :class:`FrameError`."""
    start = data.find(PREAMBLE)
    if start != 0:
        raise FrameError(
            "data does not start with the frame preamble", "数据不是以 AA AA AA 96 69 开头的读卡帧"
        )
    if len(data) < HEADER_LEN:
        raise FrameError("frame shorter than its header", "读卡帧不完整（被截断）")
    length = int.from_bytes(data[5:7], "big")
    if length < 2:
        raise FrameError(f"frame length field {length} too small", "读卡帧长度字段错误")
    end = HEADER_LEN + length
    if len(data) < end:
        raise FrameError(
            f"frame truncated: {len(data)} of {end} bytes",
            f"读卡帧不完整（被截断）：应有 {end} 字节，只有 {len(data)} 字节",
        )
    if len(data) > end:
        raise FrameError(
            f"{len(data) - end} bytes after the frame", "读卡帧后面还有多余数据（长度字段不符）"
        )
    if xor_checksum(data[5:-1]) != data[-1]:
        raise FrameError("frame checksum mismatch", "读卡帧校验和错误，数据已损坏")
    return Frame(data[HEADER_LEN:-1])
