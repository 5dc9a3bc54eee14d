"""The centre against a hostile station, on a real PostgreSQL (issue 18, Deliver 3).

Station A's login tries to have the centre refuse an event in B's name (which used to stop B's
uploads), the reporting role looks for password hashes, a deactivated station tries to carry on,
the server's own log is searched for a station password, and every migration is checked for
index builds that would lock a live table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
import uuid6
from alembic.script import ScriptDirectory
from psycopg.types.json import Jsonb

from tests import pg
from tests.adapters.sync.helpers import admin, make_station
from zhanhe_counter.adapters.centre.schema import (
    MIGRATIONS_DIR,
    STATION_CONNECTION_LIMIT,
    UnknownStation,
    _alembic_config,
    deactivate_station,
    purge_rejection_payloads,
    register_station,
    upgrade_central,
)
from zhanhe_counter.adapters.sync.connection import parse_central_url

_INSERT = (
    "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, occurred_at, "
    "service_day, hlc, actor, schema_version, payload) VALUES "
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _row(case_id: Any, origin: str, seq: int, kind: str) -> tuple[Any, ...]:
    now = datetime.now(UTC)
    payload = Jsonb({"applicant": {"name": "张三"}})
    return (uuid6.uuid7(), case_id, origin, seq, kind, now, now.date(), 1, "x", 1, payload)


def _as(address: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(address.conninfo("test"), autocommit=True)


@pytest.fixture
def two_stations(central_url: str, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    a = make_station(central_url, tmp_path, "410411-01")
    b = make_station(central_url, tmp_path, "410411-02")
    a.record_cases(1)
    b.record_cases(2)
    assert a.run().errors == []
    assert b.run().errors == []
    yield a, b
    a.dispose()
    b.dispose()


def test_a_station_cannot_have_an_event_refused_in_another_stations_name(
    central_url: str, two_stations: tuple[Any, Any]
) -> None:
    a, b = two_stations
    with _as(a.address) as conn:
        # B's number far ahead of B's own, on B's case, with a kind the centre refuses: the
        # screen used to file it (owner rights, before RLS) and B then stopped uploading.
        for case_id in (b.case_ids[0], a.case_ids[0]):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                conn.execute(_INSERT, _row(case_id, b.station_id, 10_000, "no_such_kind"))
        # Its own origin on B's case: a valid kind is RLS's to refuse; a refused kind is filed
        # under A's own origin, where it can only ever stop A.
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(_INSERT, _row(b.case_ids[0], a.station_id, 10_000, "received"))
        conn.execute(_INSERT, _row(b.case_ids[0], a.station_id, 10_001, "no_such_kind"))
    with admin(central_url) as conn:
        assert conn.execute("SELECT origin FROM sync_rejection").fetchall() == [(a.station_id,)]

    b.record_cases(1)
    report = b.run()
    assert report.errors == []
    assert report.problem is None
    assert set(b.states().values()) == {"confirmed"}


def test_the_screen_still_refuses_a_stations_own_bad_event(
    central_url: str, two_stations: tuple[Any, Any]
) -> None:
    a, _ = two_stations
    with _as(a.address) as conn:
        conn.execute(_INSERT, _row(a.case_ids[0], a.station_id, 50, "no_such_kind"))
        assert conn.execute("SELECT count(*) FROM case_event").fetchone() == (1,)
        assert conn.execute("SELECT code FROM sync_rejection").fetchall() == [("kind_not_allowed",)]


def _reporting_login(central_url: str) -> Any:
    with admin(central_url) as conn:
        conn.execute("DROP ROLE IF EXISTS rep_test_login")
        conn.execute("CREATE ROLE rep_test_login LOGIN PASSWORD 'rep' IN ROLE zhanhe_reporting")
    return parse_central_url(central_url).with_login("rep_test_login", "rep")


def test_password_hashes_reach_only_stations_and_keep_no_history(
    central_url: str, two_stations: tuple[Any, Any]
) -> None:
    a, _ = two_stations
    with admin(central_url) as conn:
        conn.execute(
            "INSERT INTO staff VALUES ('clerk01', '李四', '[\"clerk\"]', 'argon2$one', true, now())"
        )
        conn.execute("INSERT INTO staff VALUES ('clerk02', '王五', '[]', 'argon2$x', true, now())")
        for n in range(2, 6):
            conn.execute(
                "UPDATE staff SET password_hash = %s WHERE staff_id = 'clerk01'", (f"argon2${n}",)
            )
        conn.execute("UPDATE staff SET active = false WHERE staff_id = 'clerk02'")
        rows = conn.execute(
            "SELECT entity_key, op, data ->> 'password_hash' FROM ref_change "
            "WHERE entity = 'staff' ORDER BY entity_key"
        ).fetchall()
    # One row per person: the newest state; the departed person's hash is not sent anywhere.
    assert rows == [("clerk01", "upsert", "argon2$5"), ("clerk02", "upsert", None)]

    reporting = _reporting_login(central_url)
    try:
        with _as(reporting) as conn:
            assert conn.execute(
                "SELECT count(*) FROM ref_change WHERE entity = 'staff'"
            ).fetchone() == (0,)
            assert conn.execute(
                "SELECT count(*) FROM ref_change WHERE data::text LIKE '%%argon2%%'"
            ).fetchone() == (0,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT * FROM staff")
    finally:
        with admin(central_url) as conn:
            conn.execute("DROP OWNED BY rep_test_login")
            conn.execute("DROP ROLE rep_test_login")

    # The station that needs them still signs its clerks in with the newest hash.
    assert a.run().errors == []
    with a.engine.connect() as conn:
        local = conn.execute(
            sa.text("SELECT staff_id, active, password_hash FROM staff ORDER BY staff_id")
        ).all()
    assert local == [("clerk01", 1, "argon2$5"), ("clerk02", 0, "")]


def test_a_station_password_never_reaches_the_server_as_plaintext(
    central_url: str, pg_cluster: pg.PgCluster, tmp_path: Path
) -> None:
    database = parse_central_url(central_url).dbname
    with admin(central_url) as conn:
        conn.execute(f"ALTER DATABASE {database} SET log_statement = 'all'")
        conn.execute(f"ALTER DATABASE {database} SET log_min_error_statement = 'info'")
    first = register_station(central_url, "410411-07")
    second = register_station(central_url, "410411-07")  # re-keyed
    log = (pg_cluster.root / "log").read_text(errors="replace")
    assert "CREATE ROLE" in log  # the statements were logged…
    for registration in (first, second):
        assert registration.password not in log  # …without the password
    with admin(central_url) as conn:
        stored, limit, can_login = conn.execute(
            "SELECT rolpassword, rolconnlimit, rolcanlogin FROM pg_authid WHERE rolname = %s",
            (second.role_name,),
        ).fetchone() or (None, None, None)
    assert str(stored).startswith("SCRAM-SHA-256$4096:")
    assert limit == STATION_CONNECTION_LIMIT
    assert can_login
    with _as(second.address) as conn:
        assert conn.execute("SELECT my_station()").fetchone() == ("410411-07",)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _as(first.address).close()


def test_re_keying_ends_the_sessions_of_the_old_password(central_url: str) -> None:
    first = register_station(central_url, "410411-08")
    old = _as(first.address)
    register_station(central_url, "410411-08")
    with pytest.raises(psycopg.OperationalError):
        old.execute("SELECT 1")
    old.close()


def test_a_deactivated_station_can_neither_log_in_nor_carry_on(
    central_url: str, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path, "410411-09")
    station.record_cases(1)
    assert station.run().errors == []
    open_session = _as(station.address)

    result = deactivate_station(central_url, "410411-09")

    assert result.sessions_ended == 1
    with pytest.raises(psycopg.OperationalError):
        open_session.execute("SELECT 1")
    open_session.close()
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        _as(station.address).close()
    report = station.run()
    assert report.problem is not None
    assert report.problem.value == "not_authorised"
    with pytest.raises(UnknownStation):
        deactivate_station(central_url, "410411-99")

    # Registering again (a new password) is how it comes back.
    renewed = register_station(central_url, "410411-09")
    with _as(renewed.address) as conn:
        assert conn.execute("SELECT my_station()").fetchone() == ("410411-09",)
    station.dispose()


def test_rejected_payloads_are_forgotten_after_the_retention_period(
    central_url: str, two_stations: tuple[Any, Any]
) -> None:
    a, _ = two_stations
    with _as(a.address) as conn:
        for seq in (60, 61):
            conn.execute(_INSERT, _row(a.case_ids[0], a.station_id, seq, "no_such_kind"))
    with admin(central_url) as conn:
        conn.execute(
            "UPDATE sync_rejection SET at = now() - interval '91 days' WHERE origin_seq = 60"
        )

    assert purge_rejection_payloads(central_url, days=90) == 1
    assert purge_rejection_payloads(central_url, days=90) == 0  # already forgotten
    with admin(central_url) as conn:
        rows = conn.execute(
            "SELECT origin_seq, code, payload::text FROM sync_rejection ORDER BY origin_seq"
        ).fetchall()
    assert rows[0] == (60, "kind_not_allowed", "{}")  # why it was refused stays; who, not
    assert "张三" in rows[1][2]
    with pytest.raises(ValueError, match="at least one day"):
        purge_rejection_payloads(central_url, days=0)


# -------------------------------------------------------------------------------- migrations

_CREATE_INDEX = re.compile(
    r"\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?:\w+\s+)?ON\s+(?:ONLY\s+)?\"?(\w+)\"?",
    re.IGNORECASE,
)


def test_no_migration_builds_an_index_on_an_existing_table_without_concurrently(
    empty_central_url: str,
) -> None:
    """Step through every central migration and watch the SQL each one sends.

    An index on a table that existed before the migration must be built CONCURRENTLY: a plain
    build holds a lock that blocks every station's push for as long as it runs.
    """
    script = ScriptDirectory.from_config(_alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert len(revisions) >= 5
    engine = sa.create_engine(parse_central_url(empty_central_url).sqlalchemy_url())
    statements: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    offenders = []
    checked = 0
    try:
        for revision in revisions:
            with engine.connect() as conn:
                existing = set(
                    conn.execute(
                        sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    ).scalars()
                )
            statements.clear()
            from alembic import command

            with engine.connect() as conn:
                config = _alembic_config(conn)
                command.upgrade(config, revision)
                conn.commit()
            for statement in statements:
                for match in _CREATE_INDEX.finditer(statement):
                    checked += 1
                    if match.group(2) in existing and not match.group(1):
                        offenders.append((revision, match.group(0)))
    finally:
        engine.dispose()
    assert checked > 0  # the watch saw index builds at all
    assert offenders == []
    assert MIGRATIONS_DIR.is_dir()


def test_upgrading_a_live_centre_keeps_its_data(empty_central_url: str) -> None:
    upgrade_central(empty_central_url, "c0002_followup_kind")
    with admin(empty_central_url) as conn:
        conn.execute(
            "INSERT INTO staff VALUES ('c1', '甲', '[]', 'h1', true, now()), "
            "('c2', '乙', '[]', 'h2', false, now())"
        )
        conn.execute("UPDATE staff SET password_hash = 'h1b' WHERE staff_id = 'c1'")
        assert conn.execute("SELECT count(*) FROM ref_change").fetchone() == (3,)
    upgrade_central(empty_central_url)
    with admin(empty_central_url) as conn:
        rows = conn.execute(
            "SELECT entity_key, data ->> 'password_hash' FROM ref_change ORDER BY entity_key"
        ).fetchall()
        valid = conn.execute(
            "SELECT i.indisvalid FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid "
            "WHERE c.relname = 'ix_case_event_promised_due'"
        ).fetchone()
    assert rows == [("c1", "h1b"), ("c2", None)]
    assert valid == (True,)


def test_admin_commands_deactivate_and_purge(
    central_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from zhanhe_counter.cli import app

    register_station(central_url, "410411-10")
    code = app.main(
        [
            "--data-dir",
            str(tmp_path),
            "central",
            "deactivate-station",
            "410411-10",
            "--url",
            central_url,
            "--json",
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    assert '"sessions_ended": 0' in out
    code = app.main(
        ["--data-dir", str(tmp_path), "central", "purge-rejections", "--url", central_url]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    assert "已清除 0 条超过 90 天" in out
    code = app.main(
        [
            "--data-dir",
            str(tmp_path),
            "central",
            "deactivate-station",
            "nobody",
            "--url",
            central_url,
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert "没有站点 nobody" in err
    assert "Traceback" not in err
