"""Building blocks of the sync tests: a station PC, the back office, an in-memory keyring."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import keyring
import psycopg
import pytest
import sqlalchemy as sa
import uuid6
from keyring.backend import KeyringBackend
from psycopg.types.json import Jsonb

from tests.adapters.storage.factories import received_draft
from zhanhe_counter.adapters.centre.schema import register_station
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox
from zhanhe_counter.adapters.storage.tables import case_event
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.adapters.sync.connection import CentralAddress, parse_central_url
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.ports.sync import CasePlaces
from zhanhe_counter.services.station_roles import parse_roles
from zhanhe_counter.services.sync_engine import SyncEngine, SyncReport

APP_VERSION = "0.1.0"


class SystemClock:
    """The real clock (tests never assert on time; rows just need aware timestamps)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict: a test can never fall through to the OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@dataclass
class StationPC:
    """One counter PC: its SQLite store, outbox and sync engine against the real centre."""

    station_id: str
    engine: sa.Engine
    store: SqliteEventStore
    outbox: SqliteSyncOutbox
    address: CentralAddress
    sync: SyncEngine
    case_ids: list[UUID] = field(default_factory=list)
    numbered: int = 0

    def record_cases(self, n: int) -> list[UUID]:
        """Receive ``n`` new cases (one event each); returns their event ids."""
        drafts = []
        for _ in range(n):
            self.numbered += 1
            number = f"{self.station_id}-S{self.numbered:06d}"
            drafts.append(received_draft(station=self.station_id, number=number))
        self.store.append_many(drafts)
        self.case_ids.extend(d.case_id for d in drafts)
        return [d.event_id for d in drafts]

    def run(self) -> SyncReport:
        return self.sync.run_once()

    def states(self) -> dict[UUID, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(case_event.c.event_id, case_event.c.sync_state)).all()
        return {r[0]: r[1] for r in rows}

    def dispose(self) -> None:
        self.engine.dispose()


def make_station(
    central_url: str,
    tmp_path: Path,
    station_id: str = "410411-01",
    *,
    via: CentralAddress | None = None,
    batch_size: int = 500,
    pull_page: int = 1000,
    register: bool = True,
    roles: str | None = None,
    hall: str | None = None,
    departments: dict[str, str] | None = None,
) -> StationPC:
    """A registered station with a fresh local database; ``via`` reroutes (e.g. a proxy).

    ``roles`` (``counter,backoffice=…``) and ``hall`` go to the centre; ``departments`` (matter
    id -> department) and ``hall`` are what the station pushes with the cases it opens.
    """
    if register:
        registration = register_station(
            central_url,
            station_id,
            roles=parse_roles(roles) if roles else None,
            hall=hall,
        )
        address = registration.address
    else:  # pragma: no cover - helper option
        address = parse_central_url(central_url)
    if via is not None:
        address = CentralAddress(
            host=via.host,
            port=via.port,
            dbname=address.dbname,
            user=address.user,
            password=address.password,
        )
    folder = tmp_path / station_id
    engine = open_local_database(folder / "station.sqlite3")
    store = SqliteEventStore(engine)
    outbox = SqliteSyncOutbox(engine, station_id)
    outbox.places = CasePlaces(hall=hall, departments=departments or {})
    engine_ = SyncEngine(
        PostgresSyncTarget(address, application_name=station_id),
        outbox,
        SystemClock(),
        APP_VERSION,
        batch_size=batch_size,
        pull_page=pull_page,
    )
    return StationPC(station_id, engine, store, outbox, address, engine_)


def admin(central_url: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(central_url, autocommit=True)
    conn.execute("SET synchronous_commit = on")
    return conn


_central_seq = iter(range(1, 10**9))


def backoffice_event(
    conn: psycopg.Connection[Any],
    case_id: UUID,
    kind: EventKind = EventKind.ACCEPTED,
    payload: dict[str, Any] | None = None,
    *,
    event_id: UUID | None = None,
    origin_seq: int | None = None,
) -> UUID:
    """Insert one back-office event (origin 'central') in the caller's transaction."""
    event_id = event_id or uuid6.uuid7()
    when = datetime.now(UTC) + timedelta(minutes=1)
    conn.execute(
        "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, occurred_at, "
        "service_day, hlc, actor, schema_version, payload) "
        "VALUES (%s, %s, 'central', %s, %s, %s, %s, %s, 'backoffice01', 1, %s)",
        (
            event_id,
            case_id,
            origin_seq if origin_seq is not None else random.randrange(1, 2**62),
            kind.value,
            when,
            when.date(),
            int(when.timestamp() * 1000) << 16,
            Jsonb(payload if payload is not None else payloads.Accepted().to_payload()),
        ),
    )
    return event_id


def central_rows(central_url: str, origin: str | None = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(central_url) as conn:
        if origin is None:
            return conn.execute(
                "SELECT event_id, origin, origin_seq FROM case_event ORDER BY server_seq"
            ).fetchall()
        return conn.execute(
            "SELECT event_id, origin, origin_seq FROM case_event WHERE origin = %s "
            "ORDER BY origin_seq",
            (origin,),
        ).fetchall()
