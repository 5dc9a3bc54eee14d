"""Row-level security, roles, TLS/timeouts policy and Alembic round trips on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
import uuid6
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from psycopg.types.json import Jsonb

from tests.adapters.sync.helpers import admin, make_station
from zhanhe_counter.adapters.centre.schema import (
    central_drift,
    central_head,
    central_revision,
    downgrade_central,
    register_station,
    upgrade_central,
)
from zhanhe_counter.adapters.storage import engine as storage
from zhanhe_counter.adapters.storage.tables import full_metadata
from zhanhe_counter.adapters.sync.connection import (
    InvalidCentralUrl,
    parse_central_url,
    redacted,
    station_role_name,
)


def _as(address: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(address.conninfo("test"), autocommit=True)


@pytest.fixture
def two_stations(central_url: str, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    a = make_station(central_url, tmp_path, "410411-01")
    b = make_station(central_url, tmp_path, "410411-02")
    a.record_cases(2)
    assert a.run().errors == []
    yield a, b
    a.dispose()
    b.dispose()


def _event_row(case_id: Any, origin: str, seq: int) -> tuple[Any, ...]:
    now = datetime.now(UTC)
    return (uuid6.uuid7(), case_id, origin, seq, "received", now, now.date(), 1, "x", 1, Jsonb({}))


_INSERT = (
    "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, occurred_at, "
    "service_day, hlc, actor, schema_version, payload) VALUES "
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def test_a_station_reads_only_its_own_cases(two_stations: tuple[Any, Any]) -> None:
    a, b = two_stations
    with _as(b.address) as conn:
        assert conn.execute("SELECT count(*) FROM case_event").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM case_file").fetchone() == (0,)
    with _as(a.address) as conn:
        assert conn.execute("SELECT count(*) FROM case_event").fetchone() == (2,)


def test_a_station_cannot_write_as_another(two_stations: tuple[Any, Any]) -> None:
    a, b = two_stations
    with _as(b.address) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(_INSERT, _event_row(a.case_ids[0], a.station_id, 99))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            # Its own origin, but on a case another station owns.
            conn.execute(_INSERT, _event_row(a.case_ids[0], b.station_id, 1))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "INSERT INTO case_file (case_id, station_id, service_day, created_at) "
                "VALUES (%s, %s, now()::date, now())",
                (uuid6.uuid7(), a.station_id),
            )


def test_synced_facts_cannot_be_changed_or_removed_by_a_station(
    two_stations: tuple[Any, Any],
) -> None:
    a, _ = two_stations
    with _as(a.address) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE case_event SET actor = 'someone'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM case_event")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO staff VALUES ('x', 'x', '[]', 'h', true, now())")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM station")


def test_backoffice_decisions_are_visible_only_to_the_owning_station(
    central_url: str, two_stations: tuple[Any, Any]
) -> None:
    a, b = two_stations
    with admin(central_url) as conn:
        conn.execute("CREATE ROLE bo_test_login LOGIN PASSWORD 'bo' IN ROLE zhanhe_backoffice")
    try:
        backoffice = parse_central_url(central_url).with_login("bo_test_login", "bo")
        with _as(backoffice) as conn:
            conn.execute(
                _INSERT,
                (
                    *_event_row(a.case_ids[0], "central", 1)[:4],
                    "accepted",
                    *_event_row(a.case_ids[0], "central", 1)[5:],
                ),
            )
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(_INSERT, _event_row(a.case_ids[0], a.station_id, 50))
        with _as(a.address) as conn:
            assert conn.execute(
                "SELECT count(*) FROM case_event WHERE origin = 'central'"
            ).fetchone() == (1,)
        with _as(b.address) as conn:
            assert conn.execute("SELECT count(*) FROM case_event").fetchone() == (0,)
    finally:
        with admin(central_url) as conn:
            conn.execute("DROP OWNED BY bo_test_login")
            conn.execute("DROP ROLE bo_test_login")


def test_reference_changes_reach_only_the_stations_they_concern(
    central_url: str, two_stations: tuple[Any, Any]
) -> None:
    a, b = two_stations
    with admin(central_url) as conn, conn.transaction():
        conn.execute("INSERT INTO department VALUES ('D1', '民政局', true)")
        conn.execute(
            "INSERT INTO staff VALUES ('clerk09', '李四', '[\"clerk\"]', 'argon2$x', true, now())"
        )
        conn.execute(
            "INSERT INTO window_config VALUES ('W-A1', 'A 一号窗', %s, true, '[\"M-1\"]', true)",
            (a.station_id,),
        )
        conn.execute(
            "INSERT INTO window_config VALUES ('W-B1', 'B 一号窗', %s, false, '[]', true)",
            (b.station_id,),
        )
        conn.execute(
            "INSERT INTO catalogue_version VALUES ('2026-11-20', now(), 'central', 'abc', true)"
        )
        conn.execute(
            "INSERT INTO matter VALUES ('M-1', '2026-11-20', '婚姻登记', 'D1', '{\"k\": 1}')"
        )
        conn.execute("INSERT INTO holiday_override VALUES ('2026-12-31', 'holiday', '元旦前')")

    report = a.run()

    assert report.pulled_reference == 6  # not the other station's window
    with a.engine.connect() as conn:
        windows = conn.execute(sa.text("SELECT window_id FROM window_config")).scalars().all()
        staff = conn.execute(sa.text("SELECT name, active FROM staff")).all()
        current = (
            conn.execute(sa.text("SELECT version FROM catalogue_version WHERE is_current"))
            .scalars()
            .all()
        )
        matters = conn.execute(sa.text("SELECT matter_id, name FROM matter")).all()
        mirror = (
            conn.execute(
                sa.text("SELECT entity_key FROM reference_mirror WHERE entity = 'holiday_override'")
            )
            .scalars()
            .all()
        )
    assert windows == ["W-A1"]
    assert staff == [("李四", 1)]
    assert current == ["2026-11-20"]
    assert matters == [("M-1", "婚姻登记")]
    assert mirror == ["2026-12-31"]
    assert a.outbox.summary().catalogue_version == "2026-11-20"

    with admin(central_url) as conn:
        conn.execute("DELETE FROM window_config WHERE window_id = 'W-A1'")
        conn.execute("UPDATE staff SET active = false WHERE staff_id = 'clerk09'")
    assert a.run().pulled_reference == 2
    with a.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM window_config")).scalar() == 0
        assert conn.execute(sa.text("SELECT active FROM staff")).scalar() == 0


def test_deactivated_station_is_not_authorised(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    with admin(central_url) as conn:
        conn.execute("UPDATE station SET active = false")
    report = station.run()
    assert report.problem is not None
    assert report.problem.value == "not_authorised"
    assert not report.retryable
    station.dispose()


def test_wrong_password_is_not_authorised(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    register_station(central_url, station.station_id)  # re-keyed: the PC's password is stale
    report = station.run()
    assert report.problem is not None
    assert report.problem.value == "not_authorised"
    station.dispose()


# --------------------------------------------------------------------------- connection policy


def test_remote_hosts_always_get_verify_full_and_timeouts() -> None:
    remote = parse_central_url("postgresql://u:pw@center.example.gov.cn/zhanhe")
    options = remote.conninfo_kwargs("t")
    assert options["sslmode"] == "verify-full"
    assert options["connect_timeout"] == "5"
    assert options["tcp_user_timeout"] == "10000"
    assert options["keepalives"] == "1"
    assert "statement_timeout" in options["options"]
    assert parse_central_url("postgresql://u@127.0.0.1/z").conninfo_kwargs("t")["sslmode"] == (
        "prefer"
    )
    with pytest.raises(InvalidCentralUrl):
        parse_central_url("postgresql://u@10.1.2.3/z?sslmode=require")
    with pytest.raises(InvalidCentralUrl):
        parse_central_url("mysql://u@host/z")
    with pytest.raises(InvalidCentralUrl):
        parse_central_url("postgresql://host")
    assert "pw" not in remote.url()
    assert redacted("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"
    assert station_role_name("410411-03-W02") == "zh_st_410411_03_w02"


# ------------------------------------------------------------------------------------ Alembic


def test_central_upgrade_downgrade_upgrade_without_drift(empty_central_url: str) -> None:
    assert central_revision(empty_central_url) is None
    upgrade_central(empty_central_url)
    assert central_drift(empty_central_url) == []
    downgrade_central(empty_central_url, "base")
    assert central_revision(empty_central_url) is None
    with psycopg.connect(empty_central_url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version_central'"
        ).fetchone()
    assert left == (0,)
    upgrade_central(empty_central_url)
    assert central_revision(empty_central_url) == central_head()
    assert central_drift(empty_central_url) == []


def test_station_sync_migration_round_trip_on_sqlite(tmp_path: Path) -> None:
    engine = storage.open_local_database(tmp_path / "s.sqlite3")
    try:
        assert storage.current_revision(engine) == storage.head_revision()
        storage.downgrade(engine, "0002_print_queue")
        names = set(sa.inspect(engine).get_table_names())
        assert "sync_conflict" not in names
        storage.migrate(engine)
        assert {"sync_conflict", "sync_session", "reference_mirror"} <= set(
            sa.inspect(engine).get_table_names()
        )
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, full_metadata()) == []
    finally:
        engine.dispose()
