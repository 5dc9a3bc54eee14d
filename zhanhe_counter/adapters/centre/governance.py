"""The bureau's administration at the centre (中心管理): published documents, holidays, staff.

Every change is written in one transaction with its row in ``governance_log`` (who, what, when),
and every reference table it touches feeds ``ref_change``, so the stations' next pull brings it
(docs/governance.md). Checking a document's content is the caller's business (the CLI loads it
with the station's own loaders before calling :func:`publish_document`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from zhanhe_counter.adapters.centre.station_codes import NumberCollision, collisions
from zhanhe_counter.adapters.sync.connection import parse_central_url
from zhanhe_counter.adapters.sync.errors import translate_central_error
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.administration import CentralStaff

DOCUMENT_KINDS = ("catalogue", "departments", "windows", "document_settings", "office_hours")


class GovernanceRefused(DomainError):
    """A change the centre refuses (an unknown person, a version already published …)."""


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    """One version of a published document at the centre."""

    kind: str
    version: str
    effective_from: date
    content: str
    published_by: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class LogEntry:
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]


def _connect(admin_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(parse_central_url(admin_url).conninfo("zhanhe-admin"))


def _log(
    conn: psycopg.Connection[Any], actor: str, action: str, subject: str, detail: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO governance_log (actor, action, subject, detail) VALUES (%s, %s, %s, %s)",
        (actor, action, subject, Jsonb(detail)),
    )


def versions(admin_url: str, kind: str) -> list[PublishedVersion]:
    """Every published version of ``kind``, the latest effective (then published) first."""
    try:
        with _connect(admin_url) as conn:
            rows = conn.execute(
                "SELECT kind, version, effective_from, content, published_by, published_at "
                "FROM reference_document WHERE kind = %s "
                "ORDER BY effective_from DESC, published_at DESC, version DESC",
                (kind,),
            ).fetchall()
    except psycopg.Error as error:
        raise translate_central_error(error) from error
    return [PublishedVersion(*row) for row in rows]


def in_effect(admin_url: str, kind: str, day: date) -> PublishedVersion | None:
    """The version of ``kind`` stations use on ``day`` (the same rule as theirs)."""
    return next((v for v in versions(admin_url, kind) if v.effective_from <= day), None)


def publish_document(
    admin_url: str,
    kind: str,
    content: str,
    *,
    version: str,
    effective_from: date,
    actor: str,
    matters: Sequence[tuple[str, str, str]] = (),
    today: date | None = None,
) -> PublishedVersion:
    """Publish a checked document under a new version, effective from ``effective_from``.

    For a catalogue, ``matters`` (id, name, department) also go into the centre's own
    ``catalogue_version`` and ``matter`` tables, from which it places a case whose station sent
    no department (c0006); the version is marked current when it is in effect ``today``.
    """
    if kind not in DOCUMENT_KINDS:
        raise GovernanceRefused(f"unknown kind {kind}", f"不认识的发布类别：{kind}")
    checksum = hashlib.sha256(content.encode("utf-8")).hexdigest()
    try:
        with _connect(admin_url) as conn:
            row = conn.execute(
                "INSERT INTO reference_document "
                "(kind, version, effective_from, content, checksum, published_by) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (kind, version) DO NOTHING "
                "RETURNING published_at",
                (kind, version, effective_from, content, checksum, actor),
            ).fetchone()
            if row is None:
                raise GovernanceRefused(
                    f"{kind} version {version} exists",
                    f"{kind} 的版本 {version} 已经发布过；已发布的版本不能修改，请用新的版本号。",
                )
            if kind == "catalogue" and matters:
                _catalogue_rows(
                    conn,
                    version,
                    checksum,
                    matters,
                    current=(today is not None and effective_from <= today),
                )
            _log(
                conn,
                actor,
                "publish",
                f"{kind}:{version}",
                {"effective_from": effective_from.isoformat(), "checksum": checksum},
            )
    except psycopg.Error as error:
        raise translate_central_error(error) from error
    return PublishedVersion(kind, version, effective_from, content, actor, row[0])


def _catalogue_rows(
    conn: psycopg.Connection[Any],
    version: str,
    checksum: str,
    matters: Sequence[tuple[str, str, str]],
    *,
    current: bool,
) -> None:
    if current:
        conn.execute("UPDATE catalogue_version SET is_current = false WHERE is_current")
    conn.execute(
        "INSERT INTO catalogue_version (version, imported_at, source, checksum, is_current) "
        "VALUES (%s, now(), 'published', %s, %s)",
        (version, checksum, current),
    )
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO matter (matter_id, version, name, department_id, body) "
            "VALUES (%s, %s, %s, %s, '{}'::jsonb)",
            # The department's name where it fits the column: routing reads it as the name.
            [(m, version, name, dept if len(dept) <= 64 else None) for m, name, dept in matters],
        )


def set_holiday(admin_url: str, day: date, *, workday: bool, name: str, actor: str) -> None:
    """Declare ``day`` a day off, or (``workday``) a make-up working day (调休上班)."""
    kind = "workday" if workday else "holiday"
    try:
        with _connect(admin_url) as conn:
            conn.execute(
                "INSERT INTO holiday_override (day, kind, name) VALUES (%s, %s, %s) "
                "ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name",
                (day, kind, name),
            )
            _log(conn, actor, "holiday", day.isoformat(), {"kind": kind, "name": name})
    except psycopg.Error as error:
        raise translate_central_error(error) from error


def remove_holiday(admin_url: str, day: date, *, actor: str) -> bool:
    try:
        with _connect(admin_url) as conn:
            gone = conn.execute("DELETE FROM holiday_override WHERE day = %s", (day,)).rowcount
            if gone:
                _log(conn, actor, "holiday-remove", day.isoformat(), {})
    except psycopg.Error as error:
        raise translate_central_error(error) from error
    return bool(gone)


def save_staff(
    admin_url: str,
    staff_id: str,
    *,
    actor: str,
    name: str | None = None,
    roles: Sequence[str] | None = None,
    password_hash: str | None = None,
    active: bool | None = None,
    create: bool = False,
) -> None:
    """Create a person (``create``: name, roles and password hash required) or change one.

    A person is disabled, never deleted: past cases name them. Disabling removes the hash
    from what stations receive (c0007), so no counter accepts the password after its next
    pull; an offline counter stops at its offline limit (``services/offline_limits.py``).
    """
    detail: dict[str, Any] = {
        k: v
        for k, v in {"name": name, "roles": list(roles) if roles is not None else None}.items()
        if v is not None
    }
    if password_hash is not None:
        detail["password"] = "reset"
    if active is not None:
        detail["active"] = active
    try:
        with _connect(admin_url) as conn:
            exists = conn.execute(
                "SELECT 1 FROM staff WHERE staff_id = %s FOR UPDATE", (staff_id,)
            ).fetchone()
            if create:
                if exists:
                    raise GovernanceRefused(
                        f"staff {staff_id} exists", f"工作人员账号 {staff_id} 已存在。"
                    )
                conn.execute(
                    "INSERT INTO staff (staff_id, name, roles, password_hash, active, updated_at, "
                    "must_change_password) VALUES (%s, %s, %s, %s, true, now(), true)",
                    (staff_id, name, Jsonb(list(roles or ())), password_hash),
                )
            elif not exists:
                raise GovernanceRefused(f"no staff {staff_id}", f"没有工作人员账号 {staff_id}。")
            else:
                conn.execute(
                    "UPDATE staff SET name = coalesce(%s, name), "
                    "roles = coalesce(%s, roles), "
                    "password_hash = coalesce(%s, password_hash), "
                    "active = coalesce(%s, active), updated_at = now(), "
                    # A reset password is the bureau's: the person sets their own at login.
                    "must_change_password = must_change_password OR %s WHERE staff_id = %s",
                    (
                        name,
                        Jsonb(list(roles)) if roles is not None else None,
                        password_hash,
                        active,
                        password_hash is not None,
                        staff_id,
                    ),
                )
            _log(conn, actor, "staff-create" if create else "staff", staff_id, detail)
    except psycopg.Error as error:
        raise translate_central_error(error) from error


def list_staff(admin_url: str) -> list[CentralStaff]:
    """Every account the centre holds, by id."""
    try:
        with _connect(admin_url) as conn:
            rows = conn.execute(
                "SELECT staff_id, name, roles, active, must_change_password FROM staff "
                "ORDER BY staff_id"
            ).fetchall()
    except psycopg.Error as error:
        raise translate_central_error(error) from error
    return [
        CentralStaff(r[0], r[1], tuple(str(x) for x in r[2] or ()), bool(r[3]), bool(r[4]))
        for r in rows
    ]


def log_entries(admin_url: str, limit: int = 100) -> list[LogEntry]:
    """The latest administrative changes, newest first."""
    try:
        with _connect(admin_url) as conn:
            rows = conn.execute(
                "SELECT at, actor, action, subject, detail FROM governance_log "
                "ORDER BY log_id DESC LIMIT %s",
                (limit,),
            ).fetchall()
    except psycopg.Error as error:
        raise translate_central_error(error) from error
    return [LogEntry(*row) for row in rows]


def number_collisions(admin_url: str) -> list[NumberCollision]:
    """Cases that reached the centre under a number another case already had."""
    try:
        with _connect(admin_url) as conn:
            return collisions(conn)
    except psycopg.Error as error:
        raise translate_central_error(error) from error
