"""A simulated SAM reader: scripted cards and injectable faults, speaking real frames.

:class:`SimulatedSam` answers command frames byte for byte as a reader would;
:class:`SimulatedTransport` carries them through the same :class:`FrameParser` the serial
transport uses. Used by ``--demo``, training, the probe command, tests and the benchmark.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from zhanhe_counter.adapters.idcard.frames import (
    Command,
    Frame,
    FrameError,
    FrameParser,
    SamStatus,
    build_response,
    parse_exact_frame,
)
from zhanhe_counter.adapters.idcard.sam_reader import ReadOptions, SamCardReader
from zhanhe_counter.adapters.idcard.session import APPENDED_ADDRESS_LEN, PHOTO_LEN
from zhanhe_counter.adapters.idcard.text_block import encode_text_block
from zhanhe_counter.services.ports.idcard import CardType, ReaderUnavailableError

SAM_ID_BYTES = bytes.fromhex("05000100") + (
    (12345678).to_bytes(4, "little")
    + (1234567890).to_bytes(4, "little")
    + (987654321).to_bytes(4, "little")
)


class SimFault(StrEnum):
    """故障注入: what the next matching exchange does wrong."""

    NO_CARD = "no_card"  # the next find answers 80 although a card is there
    READ_FAILURE = "read_failure"  # the next read answers 41 (card moved mid-read)
    GARBAGE = "garbage"  # the next answer is line noise with a broken frame
    UNPLUGGED = "unplugged"  # the next exchange finds the reader gone


@dataclass(frozen=True)
class SimCard:
    """模拟证件: what one card holds."""

    text: bytes
    photo: bytes = bytes(PHOTO_LEN)
    fingerprint: bytes | None = None
    appended_address: str | None = None
    chip_serial: bytes = bytes.fromhex("0123456789ABCDEF")

    @classmethod
    def from_fields(
        cls,
        card_type: CardType,
        fields: Mapping[str, str],
        *,
        photo: bytes = bytes(PHOTO_LEN),
        fingerprint: bytes | None = None,
        appended_address: str | None = None,
    ) -> SimCard:
        return cls(
            text=encode_text_block(card_type, fields),
            photo=photo,
            fingerprint=fingerprint,
            appended_address=appended_address,
        )


def sample_cards() -> dict[CardType, SimCard]:
    """One obviously fictitious card per layout (valid check characters, for demos and tests)."""
    common = {"birth": "19900101", "valid_from": "20200101", "valid_until": "长期"}
    return {
        CardType.RESIDENT: SimCard.from_fields(
            CardType.RESIDENT,
            {
                **common,
                "name": "演示用户",
                "sex": "1",
                "nation": "01",
                "address": "河南省平顶山市湛河区演示路1号",
                "id_number": "410411199001011237",
                "issuer": "平顶山市公安局湛河分局",
            },
            appended_address="河南省平顶山市湛河区演示路2号",
        ),
        CardType.GAT_RESIDENCE: SimCard.from_fields(
            CardType.GAT_RESIDENCE,
            {
                **common,
                "valid_until": "20300101",
                "name": "演示港澳",
                "sex": "1",
                "address": "河南省平顶山市湛河区演示路3号",
                "id_number": "810000199001011230",
                "issuer": "平顶山市公安局",
                "pass_number": "H12345678",
                "issue_count": "01",
            },
        ),
        CardType.FOREIGN_2017: SimCard.from_fields(
            CardType.FOREIGN_2017,
            {
                **common,
                "valid_until": "20300101",
                "name_en": "DEMO, SAMPLE",
                "sex": "1",
                "id_number": "USA110190010137",
                "nationality": "USA",
                "name": "演示",
                "card_version": "10",
                "authority_code": "1100",
            },
        ),
        CardType.FOREIGN_2023: SimCard.from_fields(
            CardType.FOREIGN_2023,
            {
                **common,
                "valid_until": "20300101",
                "name": "演示永居",
                "sex": "1",
                "renewal_count": "00",
                "name_en": "SAMPLE DEMONSTRATION PERSON WITH LONG NAME",
                "id_number": "91184019900101123X",
                "nationality": "840",
                "old_number_link": "011",
            },
        ),
    }


class SimulatedSam:
    """模拟安全模块: answers GA 467 command frames like a reader with a SAM.

    Thread-safe: the reader service polls it from its worker thread while a test or the demo UI
    inserts and removes cards. ``script`` is consumed one entry per find command (a card, or None
    for an empty field) before the manually inserted card is used.
    """

    def __init__(
        self,
        card: SimCard | None = None,
        *,
        script: Iterable[SimCard | None] = (),
        find_fails_after_read: bool = False,
    ) -> None:
        self._lock = threading.Lock()
        self._card = card
        self._script: deque[SimCard | None] = deque(script)
        self._faults: Counter[SimFault] = Counter()
        # Real SAMs answer 80 to find after a good read until the card leaves the field.
        self.find_fails_after_read = find_fails_after_read
        self._read_done = False
        self._leave_after_read = False
        self.plugged = True
        self.commands: Counter[int] = Counter()

    # -- test and demo controls --------------------------------------------------------------
    def insert(self, card: SimCard) -> None:
        with self._lock:
            self._card = card
            self._read_done = False
            self._leave_after_read = False

    def remove(self) -> None:
        with self._lock:
            self._card = None
            self._read_done = False
            self._leave_after_read = False

    def tap(self, card: SimCard) -> None:
        """Put ``card`` down and take it away once it has been read (a demo "tap")."""
        with self._lock:
            self._card = card
            self._read_done = False
            self._leave_after_read = True

    def inject(self, fault: SimFault, times: int = 1) -> None:
        with self._lock:
            self._faults[fault] += times

    def unplug(self) -> None:
        with self._lock:
            self.plugged = False

    def plug(self) -> None:
        with self._lock:
            self.plugged = True

    def _take(self, fault: SimFault) -> bool:
        if self._faults[fault] > 0:
            self._faults[fault] -= 1
            return True
        return False

    # -- the device ------------------------------------------------------------------------------
    def handle(self, command_frame: bytes) -> bytes:
        """The bytes the reader sends back for one command frame."""
        with self._lock:
            if self._take(SimFault.UNPLUGGED) or not self.plugged:
                raise ReaderUnavailableError("simulated reader unplugged", "阅读器未连接")
            try:
                command = parse_exact_frame(command_frame).command
            except FrameError:
                return build_response(SamStatus.CHECKSUM_ERROR)
            self.commands[command] += 1
            if self._take(SimFault.GARBAGE):
                broken = bytearray(build_response(SamStatus.SUCCESS, b"\x01\x02"))
                broken[-1] ^= 0xFF
                return b"\x13\x37\xaa\x96" + bytes(broken)
            return self._answer(command)

    def _answer(self, command: int) -> bytes:
        if command in (Command.RESET_SAM, Command.SAM_STATUS):
            return build_response(SamStatus.SUCCESS)
        if command == Command.SAM_ID:
            return build_response(SamStatus.SUCCESS, SAM_ID_BYTES)
        if command == Command.FIND_CARD:
            if self._script:
                self._card = self._script.popleft()
                self._read_done = False
            if (
                self._card is None
                or self._take(SimFault.NO_CARD)
                or (self.find_fails_after_read and self._read_done)
            ):
                return build_response(SamStatus.FIND_FAILED)
            return build_response(SamStatus.FIND_SUCCESS, bytes(4))
        card = self._card
        if card is None:
            failed = SamStatus.SELECT_FAILED if command == Command.SELECT_CARD else 0x41
            return build_response(failed)
        if command == Command.SELECT_CARD:
            return build_response(SamStatus.SUCCESS, bytes(8))
        if command in (Command.READ_BASE, Command.READ_BASE_WITH_FINGERPRINT):
            if self._take(SimFault.READ_FAILURE):
                return build_response(SamStatus.READ_FAILED)
            self._read_done = True
            return build_response(SamStatus.SUCCESS, self._base_payload(card, command))
        if command == Command.READ_APPENDED_ADDRESS:
            if self._leave_after_read:
                self._card = None
            if not card.appended_address:
                return build_response(SamStatus.NO_CONTENT)
            raw = card.appended_address.ljust(APPENDED_ADDRESS_LEN // 2).encode("utf-16-le")
            return build_response(SamStatus.SUCCESS, raw[:APPENDED_ADDRESS_LEN])
        return build_response(SamStatus.COMMAND_ERROR)

    @staticmethod
    def _base_payload(card: SimCard, command: int) -> bytes:
        lengths = [len(card.text), len(card.photo)]
        blocks = [card.text, card.photo]
        if command == Command.READ_BASE_WITH_FINGERPRINT:
            fingerprint = card.fingerprint or b""
            lengths.append(len(fingerprint))
            blocks.append(fingerprint)
        return b"".join(n.to_bytes(2, "big") for n in lengths) + b"".join(blocks)

    def chip_serial(self) -> str | None:
        with self._lock:
            return self._card.chip_serial.hex().upper() if self._card else None


class SimulatedTransport:
    """A :class:`SamTransport` onto a :class:`SimulatedSam`, optionally fragmenting its answers."""

    def __init__(self, sam: SimulatedSam, *, chunk_size: int = 0) -> None:
        self.sam = sam
        self.chunk_size = chunk_size
        self._parser = FrameParser()
        self.is_open = False

    @property
    def description(self) -> str:
        return "模拟阅读器"

    def open(self) -> None:
        if not self.sam.plugged:
            raise ReaderUnavailableError("simulated reader unplugged", "阅读器未连接")
        self._parser.reset()
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    def exchange(self, frame: bytes, timeout: float) -> Frame:
        if not self.is_open:
            raise ReaderUnavailableError("simulated reader not open", "阅读器未连接")
        answer = self.sam.handle(frame)
        step = self.chunk_size or len(answer)
        frames: list[Frame] = []
        for start in range(0, len(answer), step):
            frames.extend(self._parser.feed(answer[start : start + step]))
        if not frames:
            self._parser.reset()
            raise FrameError("no valid frame in the simulated answer")
        return frames[0]


def simulated_reader(
    sam: SimulatedSam | None = None,
    *,
    options: ReadOptions | None = None,
    chunk_size: int = 0,
) -> SamCardReader:
    """A ready :class:`SamCardReader` on a simulator (a demo resident card unless given one)."""
    sam = sam or SimulatedSam(sample_cards()[CardType.RESIDENT])
    return SamCardReader(
        SimulatedTransport(sam, chunk_size=chunk_size),
        options=options,
        source="sim",
        chip_serial=sam.chip_serial,
    )
