"""The reader service: polls a card reader on a worker thread and reports through callbacks.

States: idle → polling → card_present → reading → record_ready → waiting_removal → polling.
A card must answer ``present_debounce`` polls in a row before it is read, and stay silent
``removal_debounce`` polls before it counts as removed. A failed read is retried
``read_retries`` times (a real SAM needs find again before each retry). An unplugged reader is
reopened every ``reconnect_interval`` seconds until it answers again.

The same card read again without another card in between is reported once: real SAMs stop
answering "find" after a good read, and some readers then find the card again while it still
lies there. :meth:`ReaderService.forget_last_card` (a new intake) allows the same card again.

Callbacks run on the worker thread; the Qt bridge turns them into queued signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from zhanhe_counter.services.ports.idcard import (
    CardReader,
    CardReadError,
    IdCardError,
    IdCardRecord,
    NoCardError,
    PhotoDecoder,
    PhotoStatus,
    ReaderNotSupportedError,
    ReaderUnavailableError,
)

log = logging.getLogger(__name__)


class ReaderState(StrEnum):
    """读卡状态."""

    IDLE = "idle"
    POLLING = "polling"
    CARD_PRESENT = "card_present"
    READING = "reading"
    RECORD_READY = "record_ready"
    WAITING_REMOVAL = "waiting_removal"


class ReaderStatus(StrEnum):
    """阅读器连接状态."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class ReaderSettings:
    """Polling settings; defaults follow public reader code (poll about twice a second)."""

    poll_interval: float = 0.5
    present_debounce: int = 1
    removal_debounce: int = 2
    read_retries: int = 2
    reconnect_interval: float = 2.0

    def __post_init__(self) -> None:
        if self.present_debounce < 1 or self.removal_debounce < 1 or self.read_retries < 0:
            raise ValueError("debounce counts must be >= 1 and retries >= 0")


def _ignore(*_args: object) -> None:
    return None


@dataclass
class ReaderCallbacks:
    """Plain callbacks, called on the worker thread. They must not block for long."""

    on_record: Callable[[IdCardRecord], None] = _ignore
    on_card_removed: Callable[[], None] = _ignore
    on_error: Callable[[IdCardError], None] = _ignore
    on_reader_status: Callable[[ReaderStatus], None] = _ignore
    on_state: Callable[[ReaderState], None] = field(default=_ignore)


class ReaderService:
    """读卡服务: one reader, one worker thread."""

    def __init__(
        self,
        reader: CardReader,
        callbacks: ReaderCallbacks | None = None,
        *,
        settings: ReaderSettings | None = None,
        photo_decoder: PhotoDecoder | None = None,
    ) -> None:
        self.reader = reader
        self.callbacks = callbacks or ReaderCallbacks()
        self.settings = settings or ReaderSettings()
        self.photo_decoder = photo_decoder
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_record: IdCardRecord | None = None
        self._state = ReaderState.IDLE
        self._opened = False
        self._warned_no_decoder = False
        self._present_run = 0
        self._absent_run = 0

    # -- control, from any thread ------------------------------------------------------------
    @property
    def state(self) -> ReaderState:
        return self._state

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="id-card-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling and close the reader; returns when the worker has ended."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.error("reader thread did not stop within %.1fs", timeout)
        self._thread = None

    def forget_last_card(self) -> None:
        """Let the same card fill in again (a new intake was started)."""
        with self._lock:
            self._last_record = None

    # -- the worker ---------------------------------------------------------------------------
    def _set_state(self, state: ReaderState) -> None:
        if state is not self._state:
            self._state = state
            self.callbacks.on_state(state)

    def _wait(self, seconds: float) -> bool:
        """Sleep unless stopped; True when asked to stop."""
        return self._stop.wait(seconds)

    def _run(self) -> None:
        self._set_state(ReaderState.POLLING)
        try:
            while not self._stop.is_set():
                if not self._opened and not self._open():
                    self._wait(self.settings.reconnect_interval)
                    continue
                try:
                    self._poll_once()
                except ReaderUnavailableError as error:
                    self._lost(error)
                    continue
                self._wait(self.settings.poll_interval)
        finally:
            self._close()
            self._set_state(ReaderState.IDLE)

    def _open(self) -> bool:
        try:
            self.reader.open()
        except IdCardError as error:
            log.warning("reader open failed: %s", error)
            self._report(error)
            return False
        self._opened = True
        self._present_run = 0
        self._absent_run = 0
        log.info("reader connected: %s", self.reader.description)
        self.callbacks.on_reader_status(ReaderStatus.CONNECTED)
        return True

    def _close(self) -> None:
        if self._opened:
            self._opened = False
            try:
                self.reader.close()
            except IdCardError as error:
                log.debug("reader close failed: %s", error)

    def _lost(self, error: ReaderUnavailableError) -> None:
        log.warning("reader lost: %s", error)
        self._close()
        self.callbacks.on_reader_status(ReaderStatus.DISCONNECTED)
        self._report(error)
        self._set_state(ReaderState.POLLING)
        self._wait(self.settings.reconnect_interval)

    def _report(self, error: IdCardError) -> None:
        try:
            self.callbacks.on_error(error)
        except Exception:  # a broken UI handler must not stop the reader
            log.exception("on_error callback failed")

    def _poll_once(self) -> None:
        present = self.reader.card_present()
        if self._state is ReaderState.WAITING_REMOVAL:
            self._absent_run = 0 if present else self._absent_run + 1
            if self._absent_run >= self.settings.removal_debounce:
                self._absent_run = 0
                self._present_run = 0
                self._set_state(ReaderState.POLLING)
                self.callbacks.on_card_removed()
            return
        self._present_run = self._present_run + 1 if present else 0
        if self._present_run < self.settings.present_debounce:
            return
        self._set_state(ReaderState.CARD_PRESENT)
        record = self._read_with_retries()
        if record is not None:
            self._deliver(record)
        self._absent_run = 0
        self._set_state(ReaderState.WAITING_REMOVAL)

    def _read_with_retries(self) -> IdCardRecord | None:
        self._set_state(ReaderState.READING)
        attempts = self.settings.read_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self.reader.read_card()
            except NoCardError:
                log.info("card left the field during the read")
                return None
            except ReaderNotSupportedError as error:
                self._report(error)
                return None
            except CardReadError as error:
                log.info("card read attempt %d/%d failed: %s", attempt, attempts, error)
                if attempt == attempts or self._stop.is_set():
                    self._report(error)
                    return None
                if not self.reader.card_present():
                    return None
        return None  # pragma: no cover - the loop always returns

    def _deliver(self, record: IdCardRecord) -> None:
        with self._lock:
            duplicate = record.same_card_as(self._last_record)
            self._last_record = record
        if duplicate:
            log.info("same card read again; not filled in twice: %r", record)
            return
        record = self._with_photo(record)
        self._set_state(ReaderState.RECORD_READY)
        self.callbacks.on_record(record)

    def _with_photo(self, record: IdCardRecord) -> IdCardRecord:
        if not record.photo_wlt:
            return replace(record, photo_status=PhotoStatus.ABSENT)
        decoder = self.photo_decoder
        if decoder is None or not decoder.available:
            if not self._warned_no_decoder:
                self._warned_no_decoder = True
                log.warning("no photo decoder configured; photos show a placeholder")
            return replace(record, photo_status=PhotoStatus.NO_DECODER)
        bmp = decoder.decode(record.photo_wlt)
        status = PhotoStatus.DECODED if bmp else PhotoStatus.DECODE_FAILED
        return replace(record, photo_bmp=bmp, photo_status=status)
