"""One PC of the hall as its own process, for the multi-process end-to-end test.

The parent starts it with :func:`serve` (multiprocessing, spawn) and sends commands as
``(name, args)`` over a pipe; the process answers ``("ok", value)`` or ``("error", message)``.
The station runs as on a real PC: its own encrypted (demo-key) data folder, its services, and
its background sync worker woken by the centre's NOTIFY, through the parent's proxy.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from tests.adapters.sync.helpers import SystemClock
from tests.services.followthrough_support import (
    APPLICANT_ID,
    CLERK,
    DELIVERY_CLERK,
    REVIEWER,
    Followthrough,
    MovableClock,
    build_followthrough,
)
from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.adapters.storage.database_key import open_station_database
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.adapters.sync.connection import parse_central_url
from zhanhe_counter.adapters.sync.wakeup import PostgresWakeups
from zhanhe_counter.domain.payloads import MaterialItem
from zhanhe_counter.services.backoffice_queues import QueueKind
from zhanhe_counter.services.ports.sync import CasePlaces
from zhanhe_counter.services.sync_engine import SyncEngine
from zhanhe_counter.services.sync_worker import SyncWorker

PNG = b"\x89PNG\r\n\x1a\n" + b"signature" * 8


class _RealClock(MovableClock):
    def now(self) -> datetime:
        return datetime.now(CHINA_TIME)


def _commands(ft: Followthrough, worker: SyncWorker) -> dict[str, Callable[..., Any]]:
    store = ft.station.store

    def status(case_id: str) -> str | None:
        state = store.case_state(UUID(case_id))
        return None if state is None else str(state.status)

    def kinds(case_id: str) -> list[str]:
        return [e.kind.value for e in store.events_for_case(UUID(case_id))]

    def open_case(matter_id: str) -> str:
        return str(ft.open_case(matter_id).case_id)

    def queue(kind: str) -> list[str]:
        return [str(item.case_id) for item in ft.backoffice.queue(QueueKind(kind))]

    def answer(case_id: str) -> dict[str, Any] | None:
        found = ft.backoffice.answer_for(UUID(case_id))
        if found is None:
            return None
        jobs = ft.station.document_printer.print(
            UUID(case_id),
            found.documents,
            request_id=uuid4(),
            actor=CLERK.staff_id,
        )
        return {
            "accepted": found.accepted,
            "reasons": list(found.reasons),
            "printed": [job.kind for job in jobs],
        }

    def deliver(number: str) -> str:
        [found] = ft.delivery.find(number)
        state = store.case_state(found.case_id)
        assert state is not None
        receiver = ft.delivery.verify_receiver(found.case_id, "刘䶮", APPLICANT_ID)
        result = ft.delivery.pickup(
            found.case_id,
            receiver,
            list(state.collect_at_delivery),
            DELIVERY_CLERK.staff_id,
            actor_name=DELIVERY_CLERK.name,
            signature_png=PNG,
        )
        return str(result.case.status)

    def number_of(case_id: str) -> str | None:
        state = store.case_state(UUID(case_id))
        return None if state is None else state.case_number

    def summary() -> tuple[int, int, int]:
        s = worker.status(ft.station.sync_limits)
        return (s.pending, s.rejected, s.conflicts)

    reviewer = REVIEWER.staff_id
    return {
        "status": status,
        "kinds": kinds,
        "open_case": open_case,
        "queue": queue,
        "answer": answer,
        "number": number_of,
        "deliver": deliver,
        "summary": summary,
        "sync_now": worker.sync_now,
        "worker": lambda: repr(worker.snapshot()),
        "accept": lambda c: str(ft.backoffice.accept(UUID(c), reviewer).case.status),
        "refuse": lambda c, reasons: str(
            ft.backoffice.refuse(UUID(c), reasons, reviewer).case.status
        ),
        "notify_once": lambda c: str(
            ft.backoffice.notify_once(
                UUID(c), [MaterialItem("2", "户口簿", "复印件不清晰")], reviewer
            ).case.status
        ),
        "supplement": lambda c, ids: str(
            ft.supplements.receive(UUID(c), ids, CLERK.staff_id).status
        ),
        "approve": lambda c: str(ft.backoffice.approve(UUID(c), reviewer).case.status),
        "certificate": lambda c: str(
            ft.backoffice.make_certificate(
                UUID(c), reviewer, certificate_number="ZH2026-0042"
            ).case.status
        ),
        "handover": lambda c: str(ft.backoffice.hand_to_delivery(UUID(c), reviewer).case.status),
    }


def serve(
    conn: Connection,
    folder: str,
    station_id: str,
    station_code: str,
    login_url: str,
) -> None:
    """Run one station until the parent sends ``("stop", ())``."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    engine = open_station_database(path, demo=True)
    settings = SqliteReferenceStore(engine)
    for key, value in (
        ("station_id", station_id),
        ("station_code", station_code),
        ("window_id", "QZX-03"),
    ):
        settings.set_setting(key, value)
    engine.dispose()
    ft = build_followthrough(path, _RealClock())  # real time, as the centre and the worker run
    address = parse_central_url(login_url)
    outbox = SqliteSyncOutbox(ft.station.engine, station_id)
    outbox.places = CasePlaces(
        hall=ft.station.identity.window.hall.id,
        departments={m.id: m.department for m in ft.station.catalogue.matters.values()},
    )
    sync = SyncEngine(
        PostgresSyncTarget(address, application_name=station_id),
        outbox,
        SystemClock(),
        "0.1.0",
    )
    worker = SyncWorker(sync, SystemClock(), wakeups=PostgresWakeups(address, address.user or ""))
    ft.station.store.after_write.append(worker.notify_write)
    worker.start()
    commands = _commands(ft, worker)
    conn.send(("ok", "ready"))
    try:
        while True:
            name, args = conn.recv()
            if name == "stop":
                break
            try:
                conn.send(("ok", commands[name](*args)))
            except Exception as error:  # reported to the parent, which fails the test
                conn.send(("error", f"{error!r}\n{traceback.format_exc()}"))
    finally:
        worker.stop(10)
        ft.station.close()
        conn.send(("ok", "stopped"))
