"""The centre's wake-up call (中心变更提醒): PostgreSQL ``LISTEN`` on this station's channel.

When an event routed to a station lands, the centre's routing trigger sends ``NOTIFY`` on the
station's login name (c0006); PostgreSQL delivers it at commit. The notification carries no data
(any role may listen on any channel): it only tells the sync worker to run a session now instead
of waiting for its timer, so online an answer crosses the hall in about a second.

One connection, held open by its own thread, with the same TLS and timeout rules as the sync
(libpq keepalives end a dead link within ~20 s). After a drop it reconnects with back-off, and
wakes the worker once on every (re)connect: anything routed while it was away is pulled then.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from zhanhe_counter.adapters.sync.connection import CentralAddress

log = logging.getLogger(__name__)

_POLL_S = 1.0  # how often the listening thread looks up from the socket to check for close()
# How often it asks the centre whether the link is still there: waiting for notifications alone
# never notices a link reset under it (measured: still "listening" 10 s after a reset).
_PING_S = 3.0
_RETRY_BASE_S = 1.0
_RETRY_CAP_S = 30.0


class PostgresWakeups:
    """The ``SyncWakeups`` port on PostgreSQL ``LISTEN``/``NOTIFY``."""

    def __init__(
        self,
        address: CentralAddress,
        channel: str,
        application_name: str = "zhanhe-counter listen",
        *,
        retry_cap: float = _RETRY_CAP_S,
    ) -> None:
        self._address = address
        self._channel = channel
        self._application_name = application_name
        self._retry_cap = retry_cap
        self._closed = threading.Event()
        self.connected = threading.Event()  # set while LISTEN is active (tests and status)

    def listen(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` on every notification (and every reconnect) until :meth:`close`."""
        delay = _RETRY_BASE_S
        while not self._closed.is_set():
            try:
                connection = psycopg.connect(
                    self._address.conninfo(self._application_name), autocommit=True
                )
            except (psycopg.Error, OSError) as error:
                log.debug("wake-up channel: cannot connect (%s); retry in %.0f s", error, delay)
                self._closed.wait(delay)
                delay = min(self._retry_cap, delay * 2)
                continue
            try:
                self._listen_on(connection, wake)
                delay = _RETRY_BASE_S
            except (psycopg.Error, OSError) as error:
                log.info("wake-up channel dropped (%s); reconnecting", error)
            finally:
                self.connected.clear()
                try:
                    connection.close()
                except (psycopg.Error, OSError):  # pragma: no cover - closing a dead socket
                    log.debug("closing the wake-up connection failed", exc_info=True)
            self._closed.wait(delay)

    def _listen_on(self, connection: psycopg.Connection[Any], wake: Callable[[], None]) -> None:
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        self.connected.set()
        wake()  # whatever was routed here while this channel was down
        pinged = time.monotonic()
        while not self._closed.is_set():
            for _notification in connection.notifies(timeout=_POLL_S):
                wake()
            if time.monotonic() - pinged >= _PING_S:
                # Raises on a dead link: reconnect. psycopg keeps a notice that arrives meanwhile
                # for the next notifies(); the 30 s timer would catch anything else.
                connection.execute("SELECT 1")
                pinged = time.monotonic()

    def close(self) -> None:
        """Stop listening (the thread returns within about a second)."""
        self._closed.set()
