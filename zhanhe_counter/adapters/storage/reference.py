"""Reference data on this PC (基础数据): catalogue versions, departments, staff, windows, settings.

Catalogue versions are stored whole and never edited in place: a case keeps the version it was
received under, so importing a new catalogue adds a version and moves the ``is_current`` mark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from zhanhe_counter.adapters.storage.engine import reading, storage_errors
from zhanhe_counter.adapters.storage.tables import (
    catalogue_version,
    department,
    matter,
    setting,
    staff,
    window_config,
)
from zhanhe_counter.services.ports.storage import (
    CatalogueVersionInfo,
    MatterRecord,
    StaffRecord,
    WindowRecord,
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _staff_from(row: sa.Row[Any]) -> StaffRecord:
    return StaffRecord(
        staff_id=row.staff_id,
        name=row.name,
        roles=tuple(row.roles),
        password_hash=row.password_hash,
        failed_logins=int(row.failed_logins),
        locked_until=row.locked_until,
        active=bool(row.active),
        must_change_password=bool(row.must_change_password),
    )


def _window_from(row: sa.Row[Any]) -> WindowRecord:
    return WindowRecord(
        window_id=row.window_id,
        name=row.name,
        station_id=row.station_id,
        can_accept=bool(row.can_accept),
        matter_ids=tuple(row.matter_ids),
        active=bool(row.active),
    )


class SqliteReferenceStore:
    """The ``ReferenceStore`` port on the station SQLite database (本机基础数据)."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime] = _utc_now) -> None:
        self._engine = engine
        self._clock = clock

    # -------------------------------------------------------------------------- catalogue

    def save_catalogue(
        self,
        version: str,
        matters: Sequence[MatterRecord],
        *,
        source: str,
        checksum: str,
        imported_at: datetime,
        make_current: bool = True,
    ) -> CatalogueVersionInfo:
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(sa.delete(matter).where(matter.c.version == version))
            connection.execute(
                sa.delete(catalogue_version).where(catalogue_version.c.version == version)
            )
            if make_current:
                connection.execute(sa.update(catalogue_version).values(is_current=False))
            connection.execute(
                catalogue_version.insert().values(
                    version=version,
                    imported_at=imported_at,
                    source=source,
                    checksum=checksum,
                    is_current=make_current,
                )
            )
            if matters:
                connection.execute(
                    matter.insert(),
                    [
                        {
                            "matter_id": m.matter_id,
                            "version": version,
                            "name": m.name,
                            "department_id": m.department_id,
                            "body": dict(m.body),
                        }
                        for m in matters
                    ],
                )
        return CatalogueVersionInfo(
            version, imported_at, source, checksum, make_current, len(matters)
        )

    def catalogue_versions(self) -> list[CatalogueVersionInfo]:
        counts = (
            sa.select(matter.c.version, sa.func.count().label("n"))
            .group_by(matter.c.version)
            .subquery()
        )
        statement = (
            sa.select(catalogue_version, sa.func.coalesce(counts.c.n, 0).label("matter_count"))
            .outerjoin(counts, counts.c.version == catalogue_version.c.version)
            .order_by(catalogue_version.c.imported_at, catalogue_version.c.version)
        )
        with reading(self._engine) as connection:
            return [
                CatalogueVersionInfo(
                    row.version,
                    row.imported_at,
                    row.source,
                    row.checksum,
                    bool(row.is_current),
                    int(row.matter_count),
                )
                for row in connection.execute(statement)
            ]

    def current_catalogue(self) -> CatalogueVersionInfo | None:
        current = [info for info in self.catalogue_versions() if info.is_current]
        return current[0] if current else None

    def _version_or_current(self, connection: sa.Connection, version: str | None) -> str | None:
        if version is not None:
            return version
        value = connection.execute(
            sa.select(catalogue_version.c.version).where(catalogue_version.c.is_current)
        ).scalar_one_or_none()
        return None if value is None else str(value)

    def matters(self, version: str | None = None) -> list[MatterRecord]:
        with reading(self._engine) as connection:
            chosen = self._version_or_current(connection, version)
            if chosen is None:
                return []
            rows = connection.execute(
                sa.select(matter).where(matter.c.version == chosen).order_by(matter.c.matter_id)
            )
            return [MatterRecord(r.matter_id, r.name, r.department_id, r.body) for r in rows]

    def matter(self, matter_id: str, version: str | None = None) -> MatterRecord | None:
        with reading(self._engine) as connection:
            chosen = self._version_or_current(connection, version)
            row = connection.execute(
                sa.select(matter).where(matter.c.version == chosen, matter.c.matter_id == matter_id)
            ).one_or_none()
        return (
            None
            if row is None
            else MatterRecord(row.matter_id, row.name, row.department_id, row.body)
        )

    # ------------------------------------------------------------------------ departments

    def save_department(self, department_id: str, name: str, active: bool = True) -> None:
        values = {"name": name, "active": active}
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                sqlite_insert(department)
                .values(department_id=department_id, **values)
                .on_conflict_do_update(index_elements=["department_id"], set_=values)
            )

    def departments(self) -> dict[str, str]:
        with reading(self._engine) as connection:
            rows = connection.execute(
                sa.select(department.c.department_id, department.c.name)
                .where(department.c.active)
                .order_by(department.c.department_id)
            )
            return {row.department_id: row.name for row in rows}

    # ------------------------------------------------------------------------------ staff

    def save_staff(self, record: StaffRecord) -> None:
        values = {
            "name": record.name,
            "roles": list(record.roles),
            "password_hash": record.password_hash,
            "failed_logins": record.failed_logins,
            "locked_until": record.locked_until,
            "active": record.active,
            "must_change_password": record.must_change_password,
            "updated_at": self._clock(),
        }
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                sqlite_insert(staff)
                .values(staff_id=record.staff_id, **values)
                .on_conflict_do_update(index_elements=["staff_id"], set_=values)
            )

    def staff(self, staff_id: str) -> StaffRecord | None:
        with reading(self._engine) as connection:
            row = connection.execute(
                sa.select(staff).where(staff.c.staff_id == staff_id)
            ).one_or_none()
        return None if row is None else _staff_from(row)

    def all_staff(self) -> list[StaffRecord]:
        with reading(self._engine) as connection:
            rows = connection.execute(sa.select(staff).order_by(staff.c.staff_id))
            return [_staff_from(row) for row in rows]

    def record_login_failure(self, staff_id: str, lock_until: datetime | None) -> int:
        values: dict[str, Any] = {
            "failed_logins": staff.c.failed_logins + 1,
            "updated_at": self._clock(),
        }
        if lock_until is not None:
            values["locked_until"] = lock_until
        with storage_errors(), self._engine.begin() as connection:
            count = connection.execute(
                sa.update(staff)
                .where(staff.c.staff_id == staff_id)
                .values(**values)
                .returning(staff.c.failed_logins)
            ).scalar_one_or_none()
        return int(count or 0)

    def record_login_success(self, staff_id: str) -> None:
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                sa.update(staff)
                .where(staff.c.staff_id == staff_id)
                .values(failed_logins=0, locked_until=None, updated_at=self._clock())
            )

    # ---------------------------------------------------------------------------- windows

    def save_window(self, record: WindowRecord) -> None:
        values = {
            "name": record.name,
            "station_id": record.station_id,
            "can_accept": record.can_accept,
            "matter_ids": list(record.matter_ids),
            "active": record.active,
        }
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                sqlite_insert(window_config)
                .values(window_id=record.window_id, **values)
                .on_conflict_do_update(index_elements=["window_id"], set_=values)
            )

    def windows(self, station_id: str | None = None) -> list[WindowRecord]:
        statement = sa.select(window_config).order_by(window_config.c.window_id)
        if station_id is not None:
            statement = statement.where(window_config.c.station_id == station_id)
        with reading(self._engine) as connection:
            return [_window_from(row) for row in connection.execute(statement)]

    # --------------------------------------------------------------------------- settings

    def get_setting(self, key: str, default: Any = None) -> Any:
        with reading(self._engine) as connection:
            row = connection.execute(
                sa.select(setting.c.value).where(setting.c.key == key)
            ).one_or_none()
        return default if row is None else row.value

    def set_setting(self, key: str, value: Any) -> None:
        values = {"value": value, "updated_at": self._clock()}
        with storage_errors(), self._engine.begin() as connection:
            connection.execute(
                sqlite_insert(setting)
                .values(key=key, **values)
                .on_conflict_do_update(index_elements=["key"], set_=values)
            )
