"""Creating and upgrading the central database, and registering stations (中心库管理).

Run by the administrator (``zhanhe-admin central init``, ``station register``) with an owner or
superuser login that is used once and never stored. Stations log in with their own role, which
may only append their own cases and read what row-level security lets them.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg import sql

from zhanhe_counter.adapters.centre.station_codes import (
    assign_station_code,
    has_station_codes,
    retire_code,
)
from zhanhe_counter.adapters.centre.tables import central_metadata
from zhanhe_counter.adapters.sync.connection import (
    CentralAddress,
    parse_central_url,
    redacted,
    station_role_name,
)
from zhanhe_counter.adapters.sync.errors import translate_central_error
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.station_roles import RoleKind, StationRole

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
STATION_GROUP_ROLE = "zhanhe_station"
_STATION_ID_MAX = 32
#: Sessions one station login may hold at once: the sync worker's and an admin command's, with
#: room for a reconnect while the server still tidies a dropped one.
STATION_CONNECTION_LIMIT = 4
#: Days a refused event's payload (personal data) is kept at the centre.
REJECTION_RETENTION_DAYS = 90


class InvalidStationId(DomainError):
    """A station id that cannot be registered (站点编号无效)."""


@dataclass(frozen=True, slots=True)
class CentralSchemaResult:
    """What ``central init`` did (中心库升级结果)."""

    database: str
    from_revision: str | None
    revision: str | None


@dataclass(frozen=True, slots=True)
class StationRegistration:
    """A station login made by ``station register`` (站点注册结果)."""

    station_id: str
    role_name: str
    password: str
    address: CentralAddress  # the station's login, password included; keep it out of logs
    created: bool
    roles: tuple[StationRole, ...] = ()
    hall: str | None = None
    training: bool = False
    #: The code in its case numbers, assigned by the centre (None: a centre before c0009).
    station_code: str | None = None


@dataclass(frozen=True, slots=True)
class StationRoles:
    """A station's roles and hall as the centre holds them (站点角色), after a change."""

    station_id: str
    roles: tuple[StationRole, ...]
    hall: str | None
    routes_added: int  # events newly routed to the station by the change


class UnknownStation(DomainError):
    """No station with this id is registered at the centre (站点未注册)."""


def _alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _engine(url: str) -> sa.Engine:
    address = parse_central_url(url)
    return sa.create_engine(
        address.sqlalchemy_url(),
        connect_args={
            key: value
            for key, value in address.conninfo_kwargs("zhanhe-admin").items()
            if key not in ("host", "port", "dbname", "user", "password")
        },
        poolclass=sa.pool.NullPool,
    )


def _with_connection(url: str, run: Callable[[sa.Connection], Any]) -> Any:
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            return run(connection)
    except (sa.exc.DBAPIError, psycopg.Error) as error:
        raise translate_central_error(error) from error
    finally:
        engine.dispose()


def central_head() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _current(connection: sa.Connection) -> str | None:
    context = MigrationContext.configure(
        connection, opts={"version_table": "alembic_version_central"}
    )
    return context.get_current_revision()


def central_revision(url: str) -> str | None:
    """The central migration the database is at (``None`` when empty)."""
    result: str | None = _with_connection(url, _current)
    return result


def _with_migrations(url: str, run: Callable[[sa.Connection], Any]) -> Any:
    """Run Alembic on a connection outside any transaction: each migration brings its own.

    An index on a live table is built ``CONCURRENTLY``, which PostgreSQL refuses inside a
    transaction block; every other step of a migration is still one transaction.
    """
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            result = run(connection)
            connection.commit()
            return result
    except (sa.exc.DBAPIError, psycopg.Error) as error:
        raise translate_central_error(error) from error
    finally:
        engine.dispose()


def upgrade_central(url: str, revision: str = "head") -> CentralSchemaResult:
    """Create or upgrade the central schema, roles and policies (one transaction a migration)."""

    def run(connection: sa.Connection) -> CentralSchemaResult:
        before = _current(connection)
        connection.commit()  # Alembic must find no transaction open: it starts its own
        command.upgrade(_alembic_config(connection), revision)
        after = _current(connection)
        log.info("central schema %s -> %s at %s", before, after, redacted(url))
        return CentralSchemaResult(str(connection.engine.url.database), before, after)

    result: CentralSchemaResult = _with_migrations(url, run)
    return result


def downgrade_central(url: str, revision: str) -> None:
    """Downgrade the central schema (tests and administrators only)."""
    _with_migrations(url, lambda c: command.downgrade(_alembic_config(c), revision))


def central_drift(url: str) -> list[Any]:
    """Differences between the database and the models (empty when migrations match)."""

    def run(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": "alembic_version_central"}
        )
        return list(compare_metadata(context, central_metadata))

    result: list[Any] = _with_connection(url, run)
    return result


def _check_station_id(station_id: str) -> str:
    cleaned = station_id.strip()
    if not cleaned or len(cleaned) > _STATION_ID_MAX or cleaned.lower() == "central":
        raise InvalidStationId(
            f"unusable station id {station_id!r}",
            f"站点编号无效（1–{_STATION_ID_MAX} 个字符，不能为 central）。",
        )
    return cleaned


def scram_verifier(conn: psycopg.Connection[Any], role: str, password: str) -> str:
    """The ``SCRAM-SHA-256$…`` verifier of ``password``, computed here by libpq.

    ``CREATE/ALTER ROLE … PASSWORD`` then carries only the verifier, so the server's log, its
    statement statistics and anyone reading them never see the password itself.
    """
    verifier = conn.pgconn.encrypt_password(
        password.encode("utf-8"), role.encode("utf-8"), b"scram-sha-256"
    ).decode("ascii")
    if not verifier.startswith("SCRAM-SHA-256$"):  # pragma: no cover - libpq contract
        raise RuntimeError("libpq did not return a SCRAM-SHA-256 verifier")
    return verifier


def _end_sessions(conn: psycopg.Connection[Any], role: str) -> int:
    """Terminate the role's open sessions (a re-keyed or deactivated PC must not keep one)."""
    rows = conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE usename = %s AND pid <> pg_backend_pid()",
        (role,),
    ).fetchall()
    return sum(1 for (ended,) in rows if ended)


def register_station(
    admin_url: str,
    station_id: str,
    *,
    name: str | None = None,
    roles: tuple[StationRole, ...] | None = None,
    hall: str | None = None,
    training: bool = False,
    station_code: str | None = None,
    replaces: str | None = None,
) -> StationRegistration:
    """Create (or re-key) the station's login role and its ``station`` row.

    A new random password is set every time: registering again is how a lost or leaked
    credential is replaced, and the sessions opened with the old one are ended. Only the SCRAM
    verifier reaches the server. The returned address carries the password for the keyring only.
    ``roles`` replace the station's roles (a new station without them is a ``counter``; an
    existing one keeps its own); ``hall`` is where it stands; ``training`` marks a demo data
    folder (培训站点). The centre assigns the station code that makes its case numbers unique
    (``station_code`` asks for one; refused when another station holds it or it was retired);
    ``replaces`` names the station this PC replaces: that one is stopped and its code retired.
    """
    station_id = _check_station_id(station_id)
    admin = parse_central_url(admin_url)
    role = station_role_name(station_id)
    password = secrets.token_urlsafe(24)
    try:
        with psycopg.connect(admin.conninfo("zhanhe-admin")) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            identifier = sql.Identifier(role)
            verifier = sql.Literal(scram_verifier(conn, role, password))
            limit = sql.Literal(STATION_CONNECTION_LIMIT)
            if exists:
                conn.execute(
                    sql.SQL("ALTER ROLE {} LOGIN CONNECTION LIMIT {} PASSWORD {}").format(
                        identifier, limit, verifier
                    )
                )
            else:
                conn.execute(
                    sql.SQL(
                        "CREATE ROLE {} LOGIN CONNECTION LIMIT {} PASSWORD {} IN ROLE {}"
                    ).format(identifier, limit, verifier, sql.Identifier(STATION_GROUP_ROLE))
                )
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(STATION_GROUP_ROLE), identifier)
            )
            conn.execute(
                "INSERT INTO station (station_id, role_name, name) VALUES (%s, %s, %s) "
                "ON CONFLICT (station_id) DO UPDATE SET role_name = excluded.role_name, "
                "name = coalesce(excluded.name, station.name), active = true",
                (station_id, role, name),
            )
            final_roles: tuple[StationRole, ...] = ()
            final_hall = None
            # A centre not yet upgraded to routing (before c0006) has no roles to keep.
            if conn.execute("SELECT to_regclass('station_role')").fetchone() != (None,):
                held = _roles_in(conn, station_id)
                if roles is not None or hall is not None or not held:
                    wanted = (
                        roles if roles is not None else (held or (StationRole(RoleKind.COUNTER),))
                    )
                    _replace_roles(conn, station_id, wanted, hall)
                final_roles = _roles_in(conn, station_id)
                final_hall = _hall_of(conn, station_id)
                conn.execute(
                    "UPDATE station SET training = %s WHERE station_id = %s",
                    (training, station_id),
                )
            final_code = None
            if has_station_codes(conn):
                if replaces is not None:
                    _replace(conn, _check_station_id(replaces), station_id)
                final_code = assign_station_code(conn, station_id, station_code)
            conn.commit()  # the new password first, then the old sessions go
            ended = _end_sessions(conn, role) if exists else 0
    except psycopg.Error as error:
        raise translate_central_error(error) from error
    log.info("station %s registered as role %s (%d old sessions ended)", station_id, role, ended)
    return StationRegistration(
        station_id=station_id,
        role_name=role,
        password=password,
        address=admin.with_login(role, password),
        created=not exists,
        roles=final_roles,
        hall=final_hall,
        training=training,
        station_code=final_code,
    )


def _replace(conn: psycopg.Connection[Any], old: str, new: str) -> None:
    """The replaced PC stops (no login, as ``deactivate-station``) and its code is retired."""
    if old == new:
        raise InvalidStationId(
            "a station cannot replace itself", "替换的旧站点编号不能与本站相同。"
        )
    row = conn.execute(
        "UPDATE station SET active = false WHERE station_id = %s RETURNING role_name", (old,)
    ).fetchone()
    if row is None:
        raise UnknownStation(f"no station {old}", f"中心没有站点 {old}。")
    conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(row[0])))
    retire_code(conn, old)


@dataclass(frozen=True, slots=True)
class StationDeactivation:
    """What ``central deactivate-station`` did (站点停用结果)."""

    station_id: str
    role_name: str
    sessions_ended: int


def deactivate_station(admin_url: str, station_id: str) -> StationDeactivation:
    """Stop a station: no more logins, its open sessions ended, its rows kept.

    ``station.active = false`` alone left the role able to log in and its sessions running;
    the role now loses LOGIN and every backend of it is terminated. Registering the station
    again (a new password) brings it back.
    """
    station_id = _check_station_id(station_id)
    admin = parse_central_url(admin_url)
    try:
        with psycopg.connect(admin.conninfo("zhanhe-admin")) as conn:
            row = conn.execute(
                "UPDATE station SET active = false WHERE station_id = %s RETURNING role_name",
                (station_id,),
            ).fetchone()
            if row is None:
                raise UnknownStation(
                    f"station {station_id!r} is not registered",
                    f"中心库中没有站点 {station_id}。",
                )
            role = str(row[0])
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(role)))
            conn.commit()  # refused from now on; then the sessions already open are ended
            ended = _end_sessions(conn, role)
    except psycopg.Error as error:
        raise translate_central_error(error) from error
    log.info("station %s deactivated (%d sessions ended)", station_id, ended)
    return StationDeactivation(station_id, role, ended)


def purge_rejection_payloads(admin_url: str, days: int = REJECTION_RETENTION_DAYS) -> int:
    """The retention job of ``sync_rejection``: forget refused events' payloads after ``days``.

    A refused event's payload carries the applicant's personal data; the row itself (code,
    message, numbers) stays so the station still learns why, and the handshake keeps its
    highest number. Run it daily (cron or a systemd timer, docs/centre-security.md).
    """
    if days < 1:
        raise ValueError("retention must be at least one day")

    def run(connection: sa.Connection) -> int:
        purged = connection.execute(
            sa.text("SELECT purge_rejection_payloads(:days)"), {"days": days}
        ).scalar_one()
        return int(purged)

    result: int = _with_connection(admin_url, run)
    log.info("purged the payloads of %d sync rejections older than %d days", result, days)
    return result


def set_station_roles(
    admin_url: str,
    station_id: str,
    roles: tuple[StationRole, ...],
    *,
    hall: str | None = None,
) -> StationRoles:
    """Change a registered station's roles (and hall) and re-route its cases at once.

    Cases it no longer should hold stop reaching it (it keeps what it pulled); newly routed
    cases bring their whole history, in the centre's commit order.
    """
    station_id = _check_station_id(station_id)
    admin = parse_central_url(admin_url)
    try:
        with psycopg.connect(admin.conninfo("zhanhe-admin")) as conn:
            if (
                conn.execute(
                    "SELECT 1 FROM station WHERE station_id = %s", (station_id,)
                ).fetchone()
                is None
            ):
                raise UnknownStation(
                    f"station {station_id} is not registered",
                    f"中心没有编号为 {station_id} 的站点，请先运行 zhanhe-admin station register。",
                )
            added = _replace_roles(conn, station_id, roles, hall)
            result = StationRoles(
                station_id, _roles_in(conn, station_id), _hall_of(conn, station_id), added
            )
    except psycopg.Error as error:
        raise translate_central_error(error) from error
    log.info("station %s roles now %s (%d events routed)", station_id, result.roles, added)
    return result


def _roles_in(conn: psycopg.Connection[Any], station_id: str) -> tuple[StationRole, ...]:
    rows = conn.execute(
        "SELECT role, scope FROM station_role WHERE station_id = %s ORDER BY role, scope",
        (station_id,),
    ).fetchall()
    return tuple(sorted(StationRole(RoleKind(r[0]), r[1]) for r in rows))


def _hall_of(conn: psycopg.Connection[Any], station_id: str) -> str | None:
    row = conn.execute("SELECT hall FROM station WHERE station_id = %s", (station_id,)).fetchone()
    return None if row is None else row[0]


def _replace_roles(
    conn: psycopg.Connection[Any],
    station_id: str,
    roles: tuple[StationRole, ...],
    hall: str | None,
) -> int:
    """Store ``roles`` (and ``hall``: given, else a delivery or supervisor hall) and re-route."""
    if hall is None:
        hall = next(
            (
                r.scope
                for r in sorted(roles)
                if r.kind in (RoleKind.DELIVERY, RoleKind.SUPERVISOR) and r.scope != "district"
            ),
            None,
        )
    if hall is not None:
        conn.execute("UPDATE station SET hall = %s WHERE station_id = %s", (hall, station_id))
    conn.execute("DELETE FROM station_role WHERE station_id = %s", (station_id,))
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO station_role (station_id, role, scope) VALUES (%s, %s, %s)",
            [(station_id, r.kind.value, r.scope) for r in roles],
        )
    row = conn.execute("SELECT reroute_station(%s)", (station_id,)).fetchone()
    return int(row[0]) if row else 0
