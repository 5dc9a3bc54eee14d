"""A :class:`CardReader` for any reader that speaks the SAM protocol (serial, tunnel, simulator)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from zhanhe_counter.adapters.idcard.session import SamSession, SamTransport, Timeouts
from zhanhe_counter.adapters.idcard.text_block import parse_text_block
from zhanhe_counter.services.ports.idcard import IdCardRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadOptions:
    """What to read from each card (fingerprints only when the business requires them)."""

    read_appended_address: bool = True
    read_fingerprint: bool = False
    reset_on_open: bool = True


class SamCardReader:
    """身份证阅读器（安全模块协议）: polls and reads cards through a :class:`SamSession`."""

    def __init__(
        self,
        transport: SamTransport,
        *,
        options: ReadOptions | None = None,
        timeouts: Timeouts | None = None,
        source: str = "serial",
        today: Callable[[], date] = date.today,
        chip_serial: Callable[[], str | None] | None = None,
    ) -> None:
        self.transport = transport
        self.session = SamSession(transport, timeouts)
        self.options = options or ReadOptions()
        self.source = source
        self._today = today
        self._chip_serial = chip_serial

    @property
    def description(self) -> str:
        return self.transport.description

    def open(self) -> None:
        self.transport.open()
        if self.options.reset_on_open:
            self.session.reset()
        log.info("ID card reader ready: %s", self.description)

    def close(self) -> None:
        self.transport.close()

    def sam_id(self) -> str:
        return self.session.sam_id()

    def card_present(self) -> bool:
        return self.session.find_card()

    def read_card(self) -> IdCardRecord:
        self.session.select_card()
        base = self.session.read_base(with_fingerprint=self.options.read_fingerprint)
        address = ""
        if self.options.read_appended_address:
            address = self.session.read_appended_address() or ""
        serial = self._chip_serial() if self._chip_serial else None
        record = parse_text_block(
            base.text,
            today=self._today(),
            photo_wlt=base.photo,
            fingerprint=base.fingerprint,
            appended_address=address,
            chip_serial=serial,
            source=self.source,
        )
        log.info("card read: %r", record)
        return record
