"""Centrally edited reference data pulled into the station database (基础数据镜像).

Every change is kept verbatim in ``reference_mirror`` (what the centre sent, by entity and key),
and the entities the counter reads (departments, staff, windows, catalogue versions, matters)
are also upserted into their own tables. Staff and departments are deactivated, never deleted:
past events name them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from zhanhe_counter.adapters.storage.sync_marks import instant
from zhanhe_counter.adapters.storage.sync_tables import reference_mirror
from zhanhe_counter.adapters.storage.tables import (
    catalogue_version,
    department,
    matter,
    staff,
    window_config,
)
from zhanhe_counter.services.ports.sync import RefChange


def apply_reference_change(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    key = {"entity": change.entity, "entity_key": change.entity_key}
    if change.op == "delete" or change.data is None:
        connection.execute(
            sa.delete(reference_mirror).where(
                reference_mirror.c.entity == change.entity,
                reference_mirror.c.entity_key == change.entity_key,
            )
        )
    else:
        values = {"data": dict(change.data), "server_seq": change.server_seq, "updated_at": now}
        connection.execute(
            sqlite_insert(reference_mirror)
            .values(**key, **values)
            .on_conflict_do_update(index_elements=["entity", "entity_key"], set_=values)
        )
    apply = _REFERENCE_APPLIERS.get(change.entity)
    if apply is not None:
        apply(connection, change, now)


def _upsert(
    connection: sa.Connection, table: sa.Table, keys: Sequence[str], values: Mapping[str, Any]
) -> None:
    updates = {k: v for k, v in values.items() if k not in keys}
    statement = sqlite_insert(table).values(**values)
    if updates:
        connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates))
    else:
        connection.execute(statement.on_conflict_do_nothing(index_elements=keys))


def _required_instant(value: Any, default: datetime) -> datetime:
    parsed = instant(value) if isinstance(value, str) else None
    return parsed or default


def _department(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    data = change.data or {}
    if change.op == "delete":
        connection.execute(
            sa.update(department)
            .where(department.c.department_id == change.entity_key)
            .values(active=False)
        )
        return
    _upsert(
        connection,
        department,
        ["department_id"],
        {
            "department_id": data["department_id"],
            "name": data["name"],
            "active": bool(data.get("active", True)),
        },
    )


def _staff(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    data = change.data or {}
    if change.op == "delete":
        # Deactivated, never deleted: past events name this person.
        connection.execute(
            sa.update(staff).where(staff.c.staff_id == change.entity_key).values(active=False)
        )
        return
    _upsert(
        connection,
        staff,
        ["staff_id"],
        {
            "staff_id": data["staff_id"],
            "name": data["name"],
            "roles": list(data.get("roles") or []),
            # The centre sends a hash only while the person is active (c0007): a departed
            # person's row keeps no hash here either, and no password matches an empty one.
            "password_hash": data.get("password_hash") or "",
            "active": bool(data.get("active", True)),
            "must_change_password": bool(data.get("must_change_password", False)),
            "updated_at": _required_instant(data.get("updated_at"), now),
        },
    )


def _window(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    data = change.data or {}
    if change.op == "delete":
        connection.execute(
            sa.delete(window_config).where(window_config.c.window_id == change.entity_key)
        )
        return
    _upsert(
        connection,
        window_config,
        ["window_id"],
        {
            "window_id": data["window_id"],
            "name": data["name"],
            "station_id": data["station_id"],
            "can_accept": bool(data.get("can_accept", False)),
            "matter_ids": list(data.get("matter_ids") or []),
            "active": bool(data.get("active", True)),
        },
    )


def _ensure_catalogue_version(connection: sa.Connection, version: str, now: datetime) -> None:
    connection.execute(
        sqlite_insert(catalogue_version)
        .values(version=version, imported_at=now, source="central", checksum="", is_current=False)
        .on_conflict_do_nothing(index_elements=["version"])
    )


def _catalogue_version(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    data = change.data or {}
    if change.op == "delete":
        connection.execute(
            sa.delete(catalogue_version).where(catalogue_version.c.version == change.entity_key)
        )
        return
    current = bool(data.get("is_current", False))
    if current:
        connection.execute(sa.update(catalogue_version).values(is_current=False))
    _upsert(
        connection,
        catalogue_version,
        ["version"],
        {
            "version": data["version"],
            "imported_at": _required_instant(data.get("imported_at"), now),
            "source": data.get("source") or "central",
            "checksum": data.get("checksum") or "",
            "is_current": current,
        },
    )


def _matter(connection: sa.Connection, change: RefChange, now: datetime) -> None:
    data = change.data or {}
    if change.op == "delete":
        matter_id, _, version = change.entity_key.partition("|")
        connection.execute(
            sa.delete(matter).where(matter.c.matter_id == matter_id, matter.c.version == version)
        )
        return
    # Rows arrive in central commit order, but a version row may have been edited away.
    _ensure_catalogue_version(connection, data["version"], now)
    _upsert(
        connection,
        matter,
        ["matter_id", "version"],
        {
            "matter_id": data["matter_id"],
            "version": data["version"],
            "name": data["name"],
            "department_id": data.get("department_id"),
            "body": dict(data.get("body") or {}),
        },
    )


_REFERENCE_APPLIERS = {
    "department": _department,
    "staff": _staff,
    "window_config": _window,
    "catalogue_version": _catalogue_version,
    "matter": _matter,
}
