from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import pytest

from zhanhe_counter.adapters.idcard.frames import Command
from zhanhe_counter.adapters.idcard.session import SamStatusError
from zhanhe_counter.adapters.idcard.simulator import (
    SimCard,
    SimFault,
    SimulatedSam,
    sample_cards,
    simulated_reader,
)
from zhanhe_counter.services.ports.idcard import CardType, PhotoStatus, ReaderNotSupportedError
from zhanhe_counter.services.reader_service import (
    ReaderCallbacks,
    ReaderService,
    ReaderSettings,
    ReaderState,
    ReaderStatus,
)

CARDS = sample_cards()
FAST = ReaderSettings(poll_interval=0.002, reconnect_interval=0.002, removal_debounce=2)
WAIT = 10.0  # generous upper bound so a slow CI never hangs; no test asserts on time


class Recorder:
    """Collects callbacks from the worker thread."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.seen: list[tuple[str, Any]] = []
        self.states: list[ReaderState] = []

    def callbacks(self) -> ReaderCallbacks:
        return ReaderCallbacks(
            on_record=lambda r: self.events.put(("record", r)),
            on_card_removed=lambda: self.events.put(("removed", None)),
            on_error=lambda e: self.events.put(("error", e)),
            on_reader_status=lambda s: self.events.put(("status", s)),
            on_state=self.states.append,
        )

    def next(self, kind: str) -> Any:
        while True:
            event = self.events.get(timeout=WAIT)
            self.seen.append(event)
            if event[0] == kind:
                return event[1]

    def drain(self) -> list[str]:
        while not self.events.empty():
            self.seen.append(self.events.get_nowait())
        return [kind for kind, _ in self.seen]


def wait_until(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(int(WAIT / 0.002)):
        if condition():
            return
        done.wait(0.002)
    raise AssertionError("condition not reached")


@pytest.fixture
def run() -> Any:
    services: list[ReaderService] = []

    def start(sam: SimulatedSam, settings: ReaderSettings = FAST, **kwargs: Any):
        recorder = Recorder()
        service = ReaderService(
            simulated_reader(sam), recorder.callbacks(), settings=settings, **kwargs
        )
        services.append(service)
        service.start()
        return service, recorder

    yield start
    for service in services:
        service.stop()
        assert not service.running
    assert not [t for t in threading.enumerate() if t.name == "id-card-reader"]


def finds(sam: SimulatedSam) -> int:
    return sam.commands[Command.FIND_CARD]


def test_insert_gives_one_record_and_a_card_left_on_the_reader_is_not_read_again(run: Any):
    sam = SimulatedSam()
    service, events = run(sam)
    assert events.next("status") is ReaderStatus.CONNECTED
    sam.insert(CARDS[CardType.RESIDENT])
    record = events.next("record")
    assert record.name == "演示用户"
    assert record.photo_status is PhotoStatus.NO_DECODER
    after = finds(sam)
    wait_until(lambda: finds(sam) > after + 20)
    assert events.drain().count("record") == 1
    assert sam.commands[Command.READ_BASE] == 1
    assert service.state is ReaderState.WAITING_REMOVAL


def test_removal_then_another_card(run: Any):
    sam = SimulatedSam(CARDS[CardType.RESIDENT])
    _, events = run(sam)
    events.next("record")
    sam.remove()
    events.next("removed")
    sam.insert(CARDS[CardType.FOREIGN_2023])
    assert events.next("record").card_type is CardType.FOREIGN_2023


def test_same_card_found_again_while_on_the_reader_fills_in_once(run: Any):
    card = CARDS[CardType.RESIDENT]
    # A real SAM: after a read, find fails while the card lies there, then finds it again.
    sam = SimulatedSam(script=[card, None, None, None, card, None, None, None, card])
    service, events = run(sam)
    events.next("record")
    wait_until(lambda: sam.commands[Command.READ_BASE] == 3)
    wait_until(lambda: finds(sam) > 12)
    kinds = events.drain()
    assert kinds.count("record") == 1
    assert kinds.count("removed") >= 1
    sam.remove()
    events.next("removed")
    sam.insert(card)
    wait_until(lambda: sam.commands[Command.READ_BASE] == 4)
    assert events.drain().count("record") == 1  # still the same card: not filled in again
    sam.remove()
    events.next("removed")
    service.forget_last_card()  # a new intake: the same applicant may tap again
    sam.insert(card)
    assert events.next("record").id_number == "410411199001011237"


def test_a_different_card_after_the_same_one_fills_in(run: Any):
    a, b = CARDS[CardType.RESIDENT], CARDS[CardType.GAT_RESIDENCE]
    sam = SimulatedSam(script=[a, None, None, b, None, None, a])
    _, events = run(sam)
    got = [events.next("record").card_type for _ in range(3)]
    assert got == [CardType.RESIDENT, CardType.GAT_RESIDENCE, CardType.RESIDENT]


def test_read_failure_is_retried_then_reported(run: Any):
    sam = SimulatedSam()
    sam.inject(SimFault.READ_FAILURE, times=3)
    _, events = run(sam, ReaderSettings(poll_interval=0.002, read_retries=2))
    sam.insert(CARDS[CardType.RESIDENT])
    error = events.next("error")
    assert isinstance(error, SamStatusError)
    assert error.status == 0x41
    assert sam.commands[Command.READ_BASE] == 3
    assert "record" not in events.drain()


def test_one_failure_is_hidden_by_the_retry(run: Any):
    sam = SimulatedSam()
    sam.inject(SimFault.READ_FAILURE)
    _, events = run(sam)
    sam.insert(CARDS[CardType.RESIDENT])
    assert events.next("record").name == "演示用户"
    assert "error" not in events.drain()


def test_unplugged_reader_reconnects(run: Any):
    sam = SimulatedSam()
    _, events = run(sam)
    assert events.next("status") is ReaderStatus.CONNECTED
    sam.unplug()
    assert events.next("status") is ReaderStatus.DISCONNECTED
    assert "阅读器" in events.next("error").user_message
    sam.insert(CARDS[CardType.RESIDENT])
    sam.plug()
    assert events.next("status") is ReaderStatus.CONNECTED
    assert events.next("record").name == "演示用户"


def test_garbage_answers_are_retried_not_fatal(run: Any):
    sam = SimulatedSam(CARDS[CardType.RESIDENT])
    sam.inject(SimFault.GARBAGE, times=2)
    _, events = run(sam)
    assert events.next("record").name == "演示用户"


def test_presence_debounce_needs_consecutive_finds(run: Any):
    card = CARDS[CardType.RESIDENT]
    sam = SimulatedSam(script=[card, None, card, card, None, card, card, card])
    _, events = run(sam, ReaderSettings(poll_interval=0.002, present_debounce=3))
    events.next("record")
    assert finds(sam) >= 8


class Decoder:
    def __init__(self, result: bytes | None, available: bool = True) -> None:
        self.result = result
        self.available = available
        self.calls = 0

    def decode(self, wlt: bytes) -> bytes | None:
        self.calls += 1
        assert len(wlt) == 1024
        return self.result


@pytest.mark.parametrize(
    ("decoder", "status"),
    [
        (Decoder(b"BM" + bytes(100)), PhotoStatus.DECODED),
        (Decoder(None), PhotoStatus.DECODE_FAILED),
        (Decoder(b"x", available=False), PhotoStatus.NO_DECODER),
    ],
)
def test_photo_decoder_outcomes(run: Any, decoder: Decoder, status: PhotoStatus):
    _, events = run(SimulatedSam(CARDS[CardType.RESIDENT]), photo_decoder=decoder)
    record = events.next("record")
    assert record.photo_status is status
    assert (record.photo_bmp is not None) == (status is PhotoStatus.DECODED)


def test_no_photo_in_the_read(run: Any):
    card = SimCard(CARDS[CardType.RESIDENT].text, photo=b"")
    _, events = run(SimulatedSam(card))
    assert events.next("record").photo_status is PhotoStatus.ABSENT


class PresenceOnlyReader:
    """A reader that sees cards but cannot read them (PC/SC without SAM)."""

    description = "presence only"

    def open(self) -> None: ...

    def close(self) -> None: ...

    def card_present(self) -> bool:
        return True

    def read_card(self) -> Any:
        raise ReaderNotSupportedError("no SAM", "此读卡器只能检测证件")


def test_unsupported_reader_reports_once_per_card():
    events = Recorder()
    service = ReaderService(PresenceOnlyReader(), events.callbacks(), settings=FAST)
    service.start()
    try:
        assert isinstance(events.next("error"), ReaderNotSupportedError)
        assert service.state in (ReaderState.WAITING_REMOVAL, ReaderState.CARD_PRESENT)
    finally:
        service.stop()
    assert events.drain().count("error") == 1
    assert service.state is ReaderState.IDLE
    assert events.states[0] is ReaderState.POLLING


def test_start_twice_and_stop_twice_are_harmless():
    service = ReaderService(simulated_reader(SimulatedSam()), settings=FAST)
    service.start()
    service.start()
    service.stop()
    service.stop()
    assert not service.running
    with pytest.raises(ValueError, match="debounce"):
        ReaderSettings(present_debounce=0)


def test_demo_taps_of_different_cards_each_fill_in(run: Any):
    sam = SimulatedSam()
    service, events = run(sam)
    sam.tap(CARDS[CardType.RESIDENT])
    assert events.next("record").card_type is CardType.RESIDENT
    events.next("removed")
    sam.tap(CARDS[CardType.FOREIGN_2017])
    assert events.next("record").card_type is CardType.FOREIGN_2017
    events.next("removed")
    sam.tap(CARDS[CardType.FOREIGN_2017])  # the same card again: filled in once only
    wait_until(lambda: sam.commands[Command.READ_BASE] == 3)
    events.next("removed")
    service.forget_last_card()
    sam.tap(CARDS[CardType.FOREIGN_2017])
    assert events.next("record").card_type is CardType.FOREIGN_2017
    assert events.drain().count("record") == 3
