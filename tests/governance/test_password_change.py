"""A password changed at one counter works at another after its pull (issue 17).

Two registered stations on a real centre (PostgreSQL via ``tests/pg.py``), their real SQLite
databases and sync engines; the change goes through ``change_staff_password`` (c0013).
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.adapters.sync.helpers import StationPC, make_station
from tests.services.followthrough_support import NOW, MovableClock
from zhanhe_counter.adapters.centre import governance
from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.adapters.sync.connection import parse_central_url
from zhanhe_counter.adapters.sync.password_channel import PostgresPasswordChannel
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.auth import AuthService
from zhanhe_counter.services.password_relay import PasswordRelay, pending_changes
from zhanhe_counter.services.sync_worker import WorkerSnapshot

HASHER = Argon2PasswordHasher(fast=True)


def _auth(pc: StationPC) -> AuthService:
    return AuthService(SqliteReferenceStore(pc.engine), HASHER, MovableClock(NOW))


def _relay(pc: StationPC) -> PasswordRelay:
    return PasswordRelay(SqliteReferenceStore(pc.engine), PostgresPasswordChannel(pc.address))


def _pull(pc: StationPC) -> None:
    report = pc.run()
    assert not report.errors, report.errors


def _new_account(central_url: str, password: str) -> None:
    governance.save_staff(
        central_url,
        "sunli",
        actor="admin01",
        create=True,
        name="孙莉",
        roles=["window"],
        password_hash=HASHER.hash(password),
    )


def test_a_password_changed_at_counter_a_works_at_counter_b_after_its_pull(
    central_url: str, tmp_path: Path, memory_keyring: object
) -> None:
    a = make_station(central_url, tmp_path, "QZX-A")
    b = make_station(central_url, tmp_path, "QZX-B")
    _new_account(central_url, "from-bureau-1")
    _pull(a)
    _pull(b)
    assert _auth(b).login("sunli", "from-bureau-1").must_change_password

    # The forced first-login change at A, while A is offline: queued, works at A at once.
    _auth(a).change_password("sunli", "from-bureau-1", "my-own-2")
    assert "sunli" in pending_changes(SqliteReferenceStore(a.engine))
    # The next sync session at A; the relay listens to the worker and sends after it.
    relay = _relay(a)
    relay.after_session(WorkerSnapshot(True, True, None, None, 0))  # during a session: waits
    assert "sunli" in pending_changes(SqliteReferenceStore(a.engine))
    relay.after_session(WorkerSnapshot(False, True, a.run(), None, 1))
    assert pending_changes(SqliteReferenceStore(a.engine)) == {}

    _pull(b)
    session = _auth(b).login("sunli", "my-own-2")
    assert not session.must_change_password  # set once, at A: B does not ask again
    with pytest.raises(DomainError):
        _auth(b).login("sunli", "from-bureau-1")

    # A later change of the person's own password (no longer forced) also travels.
    _auth(b).change_password("sunli", "my-own-2", "my-own-3")
    assert _relay(b).send_pending() == 1
    _pull(a)
    assert _auth(a).login("sunli", "my-own-3").staff.staff_id == "sunli"
    with pytest.raises(DomainError):
        _auth(a).login("sunli", "my-own-2")

    log = governance.log_entries(central_url)
    changes = [(e.actor, e.action, e.detail) for e in log if e.action == "password: changed"]
    assert changes == [
        ("sunli", "password: changed", {"station": "QZX-B"}),
        ("sunli", "password: changed", {"station": "QZX-A"}),
    ]
    assert all("$argon2" not in str(e.detail) for e in log)  # the log never holds a hash


def test_the_centre_refuses_a_change_from_a_counter_that_did_not_know_its_password(
    central_url: str, tmp_path: Path, memory_keyring: object
) -> None:
    a = make_station(central_url, tmp_path, "QZX-A")
    _new_account(central_url, "from-bureau-1")
    channel = PostgresPasswordChannel(a.address)
    assert channel.send("sunli", "whatever", HASHER.hash("x-1")) == "changed"  # must change
    # Now it need not: a station that does not hold the current hash cannot replace it.
    assert channel.send("sunli", HASHER.hash("x-1"), HASHER.hash("x-2")) == "stale"
    assert channel.send("nobody", "", HASHER.hash("x-3")) == "unknown"
    with psycopg.connect(central_url) as conn:
        must = conn.execute("SELECT must_change_password FROM staff WHERE staff_id = 'sunli'")
        assert must.fetchone() == (False,)


def test_a_change_waits_in_the_queue_while_the_centre_is_away(tmp_path: Path) -> None:
    engine = open_local_database(tmp_path / "station.sqlite3")
    reference = SqliteReferenceStore(engine)
    AuthService(reference, HASHER, MovableClock(NOW)).create_staff("sunli", "孙莉", "first-1")
    auth = AuthService(reference, HASHER, MovableClock(NOW))
    auth.change_password("sunli", "first-1", "second-2")
    first_old = pending_changes(reference)["sunli"]["old"]
    auth.change_password("sunli", "second-2", "third-3")
    assert pending_changes(reference)["sunli"]["old"] == first_old  # the one the centre knows

    away = PostgresPasswordChannel(parse_central_url("postgresql://st@127.0.0.1:1/zhanhe"))
    assert PasswordRelay(reference, away).send_pending() == 0
    assert set(pending_changes(reference)) == {"sunli"}  # kept for the next session
