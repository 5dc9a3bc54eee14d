"""A SAM session: the GA 467 command sequence over any transport, statuses mapped to types.

A read cycle is find (answers 9F, not 90) → select → read text+photo (30 01, or 30 10 with the
fingerprint only when configured) → optionally the appended address (30 03; 91 means none).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from zhanhe_counter.adapters.idcard.frames import (
    Command,
    Frame,
    FrameError,
    SamStatus,
    build_command,
)
from zhanhe_counter.services.ports.idcard import (
    CardReadError,
    IdCardError,
    NoCardError,
    ReaderUnavailableError,
)

log = logging.getLogger(__name__)

TEXT_LEN = 256
PHOTO_LEN = 1024
APPENDED_ADDRESS_LEN = 70


class SamTransport(Protocol):
    """A byte pipe to a SAM reader: one command frame out, one checked response frame back."""

    @property
    def description(self) -> str: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def exchange(self, frame: bytes, timeout: float) -> Frame:
        """Send ``frame`` and return the response; raises ReaderUnavailableError on timeout."""
        ...


@dataclass(frozen=True)
class Timeouts:
    """Per-command timeouts in seconds (as in public reader code; docs/idcard.md, Reader protocol
    facts)."""

    control: float = 1.0
    find: float = 0.3
    select: float = 0.3
    read_base: float = 2.0
    read_fingerprint: float = 3.0
    read_address: float = 1.5


@dataclass(frozen=True)
class BaseRead:
    """What 30 01 / 30 10 return: the three blocks, split by their length fields."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None


# User messages per status; the English name comes from the enum.
_STATUS_TEXT: dict[int, str] = {
    SamStatus.CHECKSUM_ERROR: "阅读器收到的命令校验和错误",
    SamStatus.LENGTH_ERROR: "阅读器收到的命令长度错误",
    SamStatus.COMMAND_ERROR: "阅读器不支持该命令",
    SamStatus.UNAUTHORISED: "阅读器拒绝越权操作",
    SamStatus.UNRECOGNISED_ERROR: "阅读器报告无法识别的错误",
    SamStatus.CARD_AUTH_SAM_FAILED: "证件认证安全模块失败，请重新放置证件",
    SamStatus.SAM_AUTH_CARD_FAILED: "安全模块认证证件失败，证件可能无效",
    SamStatus.VERIFY_FAILED: "证件信息验证错误，请重新放置证件",
    SamStatus.UNKNOWN_CARD_TYPE: "无法识别的证件类型",
    SamStatus.READ_FAILED: "读证失败，请把证件放稳后重试",
    SamStatus.RANDOM_FAILED: "取随机数失败，请重新放置证件",
    SamStatus.SELF_TEST_FAILED: "阅读器安全模块自检失败，请联系管理员",
    SamStatus.NOT_AUTHORISED: "阅读器安全模块未经授权，无法使用",
    SamStatus.FIND_FAILED: "未检测到证件，请将证件放到阅读器上",
    SamStatus.SELECT_FAILED: "选卡失败，请把证件放稳后重试",
    SamStatus.NO_CONTENT: "证件中没有此项内容",
}

# The security module itself is broken: no retry on this card will help.
_READER_FAULTS = {SamStatus.SELF_TEST_FAILED, SamStatus.NOT_AUTHORISED}


class SamStatusError(CardReadError):
    """A SAM status other than success for a card operation; ``status`` is the SW3 byte."""

    def __init__(self, status: int, command: int) -> None:
        self.status = status
        self.command = command
        super().__init__(
            f"SAM status {_status_name(status)} for command {command:04X}",
            _STATUS_TEXT.get(status, f"阅读器返回未知状态 0x{status:02X}"),
        )


class SamUnusableError(ReaderUnavailableError):
    """The security module refuses all work (self-test failed, not authorised)."""

    def __init__(self, status: int, command: int) -> None:
        self.status = status
        self.command = command
        super().__init__(
            f"SAM unusable: {_status_name(status)} for command {command:04X}",
            _STATUS_TEXT[status],
        )


def _status_name(status: int) -> str:
    try:
        return f"{SamStatus(status).name}(0x{status:02X})"
    except ValueError:
        return f"0x{status:02X}"


def status_error(status: int, command: int) -> IdCardError:
    """The typed error for a failing SW3 (the caller decides which statuses are success)."""
    if status == SamStatus.FIND_FAILED:
        return NoCardError(f"find card answered {_status_name(status)}")
    if status in _READER_FAULTS:
        return SamUnusableError(status, command)
    return SamStatusError(status, command)


def split_base_read(data: bytes, *, with_fingerprint: bool) -> BaseRead:
    """Split a 30 01 / 30 10 payload by its big-endian length fields (never fixed offsets)."""
    fields = 3 if with_fingerprint else 2
    head = 2 * fields
    if len(data) < head:
        raise FrameError(f"read payload of {len(data)} bytes has no length fields")
    lengths = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(fields)]
    if head + sum(lengths) != len(data):
        raise FrameError(
            f"read payload lengths {lengths} do not add up to {len(data) - head} bytes",
            "读卡数据长度不符，请重新放置证件",
        )
    if lengths[0] != TEXT_LEN:
        raise FrameError(f"text block of {lengths[0]} bytes", "证件文字信息长度不是256字节")
    text = data[head : head + lengths[0]]
    photo = data[head + lengths[0] : head + lengths[0] + lengths[1]]
    fingerprint = data[head + lengths[0] + lengths[1] :] if with_fingerprint else None
    return BaseRead(text=text, photo=photo, fingerprint=fingerprint or None)


def split_any_base_read(data: bytes) -> BaseRead:
    """Split a payload whose command is unknown (a capture file): 30 01 or 30 10 by its size."""
    try:
        return split_base_read(data, with_fingerprint=False)
    except FrameError:
        return split_base_read(data, with_fingerprint=True)


def format_sam_id(data: bytes) -> str:
    """``AA.BB-CCCCCCCCCC-DDDDDDDDDD-EEEEEEEEEE`` as vendor tools print the 16 SAM id bytes."""
    if len(data) < 16:
        raise FrameError(f"SAM id of {len(data)} bytes", "阅读器安全模块编号长度错误")
    groups = [int.from_bytes(data[i : i + 4], "little") for i in (4, 8, 12)]
    return f"{data[0]:02d}.{data[2]:02d}-{groups[0]:010d}-{groups[1]:010d}-{groups[2]:010d}"


class SamSession:
    """The GA 467 commands over one transport."""

    def __init__(self, transport: SamTransport, timeouts: Timeouts | None = None) -> None:
        self.transport = transport
        self.timeouts = timeouts or Timeouts()

    def _run(self, command: Command, timeout: float, ok: tuple[int, ...] = (0x90,)) -> Frame:
        frame = self.transport.exchange(build_command(command), timeout)
        status = frame.sw3
        log.debug("SAM %s -> SW3 0x%02X, %d data bytes", command.name, status, len(frame.data))
        if status not in ok:
            raise status_error(status, command)
        return frame

    def reset(self) -> None:
        self._run(Command.RESET_SAM, self.timeouts.control)

    def check_status(self) -> None:
        self._run(Command.SAM_STATUS, self.timeouts.control)

    def sam_id(self) -> str:
        return format_sam_id(self._run(Command.SAM_ID, self.timeouts.control).data)

    def find_card(self) -> bool:
        """True when a card answered (9F); False for "no card" (80)."""
        try:
            self._run(Command.FIND_CARD, self.timeouts.find, ok=(SamStatus.FIND_SUCCESS,))
        except NoCardError:
            return False
        return True

    def select_card(self) -> None:
        self._run(Command.SELECT_CARD, self.timeouts.select)

    def read_base(self, *, with_fingerprint: bool = False) -> BaseRead:
        if with_fingerprint:
            # 91 = the card holds no fingerprint: fall back to the plain read.
            try:
                frame = self._run(
                    Command.READ_BASE_WITH_FINGERPRINT, self.timeouts.read_fingerprint
                )
                return split_base_read(frame.data, with_fingerprint=True)
            except SamStatusError as error:
                if error.status != SamStatus.NO_CONTENT:
                    raise
        frame = self._run(Command.READ_BASE, self.timeouts.read_base)
        return split_base_read(frame.data, with_fingerprint=False)

    def read_appended_address(self) -> str | None:
        """The latest appended address (追加住址), or None when the card has none (91)."""
        try:
            frame = self._run(Command.READ_APPENDED_ADDRESS, self.timeouts.read_address)
        except SamStatusError as error:
            if error.status == SamStatus.NO_CONTENT:
                return None
            raise
        if len(frame.data) % 2:
            raise FrameError("appended address of odd length")
        text = frame.data.decode("utf-16-le", errors="replace").rstrip(" \x00")
        return text or None
