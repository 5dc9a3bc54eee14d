"""Pulled reference changes land in the mirror and in the tables the counter reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.reference_mirror import apply_reference_change
from zhanhe_counter.adapters.storage.sync_tables import reference_mirror
from zhanhe_counter.adapters.storage.tables import (
    catalogue_version,
    department,
    matter,
    staff,
    window_config,
)
from zhanhe_counter.services.ports.sync import RefChange

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def change(entity: str, key: str, data: dict[str, Any] | None, op: str = "upsert") -> RefChange:
    return RefChange(server_seq=1, xid=1, entity=entity, entity_key=key, op=op, data=data)


def apply(engine: sa.Engine, *changes: RefChange) -> None:
    with engine.begin() as connection:
        for one in changes:
            apply_reference_change(connection, one, NOW)


def rows(engine: sa.Engine, table: sa.Table) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(sa.select(table)).mappings()]


def test_staff_are_upserted_and_deactivated_never_deleted(engine: sa.Engine) -> None:
    person = {"staff_id": "lina", "name": "李娜", "roles": ["window"], "password_hash": "h1"}
    apply(engine, change("staff", "lina", person))
    apply(engine, change("staff", "lina", person | {"name": "李娜娜", "password_hash": "h2"}))
    [row] = rows(engine, staff)
    assert (row["name"], row["password_hash"], row["active"]) == ("李娜娜", "h2", True)
    assert row["updated_at"] == NOW  # no time in the change: the moment it was applied
    apply(engine, change("staff", "lina", None, op="delete"))
    [row] = rows(engine, staff)
    assert row["active"] is False  # past events still name her
    assert rows(engine, reference_mirror) == []  # the tombstone removed the mirrored copy


def test_departments_and_windows(engine: sa.Engine) -> None:
    apply(
        engine,
        change("department", "rsj", {"department_id": "rsj", "name": "人社局"}),
        change(
            "window_config",
            "QZX-03",
            {"window_id": "QZX-03", "name": "3号窗口", "station_id": "ZH-01", "can_accept": True,
             "matter_ids": ["ZH-001"]},
        ),
    )  # fmt: skip
    assert rows(engine, department)[0]["active"] is True
    assert rows(engine, window_config)[0]["matter_ids"] == ["ZH-001"]
    apply(
        engine,
        change("department", "rsj", None, op="delete"),
        change("window_config", "QZX-03", None, op="delete"),
    )
    assert rows(engine, department)[0]["active"] is False
    assert rows(engine, window_config) == []


def test_one_catalogue_version_is_current_and_a_matter_brings_its_version(
    engine: sa.Engine,
) -> None:
    apply(
        engine,
        change("catalogue_version", "v1", {"version": "v1", "is_current": True}),
        change("catalogue_version", "v2", {"version": "v2", "is_current": True,
                                            "imported_at": "2026-11-25T08:00:00+08:00"}),
    )  # fmt: skip
    versions = {r["version"]: r for r in rows(engine, catalogue_version)}
    assert (versions["v1"]["is_current"], versions["v2"]["is_current"]) == (False, True)
    assert versions["v2"]["imported_at"] == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    # A matter of a version this PC has not seen (edited away centrally) still lands.
    apply(
        engine,
        change("matter", "ZH-001|v3", {"matter_id": "ZH-001", "version": "v3", "name": "高龄津贴",
                                        "body": {"x": 1}}),
    )  # fmt: skip
    assert {r["version"] for r in rows(engine, catalogue_version)} == {"v1", "v2", "v3"}
    assert rows(engine, matter)[0]["name"] == "高龄津贴"
    apply(engine, change("matter", "ZH-001|v3", None, op="delete"))
    assert rows(engine, matter) == []


def test_an_entity_without_a_table_is_kept_in_the_mirror(engine: sa.Engine) -> None:
    apply(engine, change("holiday", "2026-10-01", {"day": "2026-10-01", "rest": True}))
    [row] = rows(engine, reference_mirror)
    assert (row["entity"], row["entity_key"], row["data"]) == (
        "holiday",
        "2026-10-01",
        {"day": "2026-10-01", "rest": True},
    )
