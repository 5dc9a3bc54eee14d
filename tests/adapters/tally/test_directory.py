"""The tally's names from the reference tables; a database without them costs names, not the
tally."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.tables import (
    catalogue_version,
    department,
    matter,
    staff,
    window_config,
)
from zhanhe_counter.adapters.tally.directory import read_directory
from zhanhe_counter.services.tally import StationPlace

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def test_names_of_staff_matters_departments_and_stations(tmp_path: Path) -> None:
    engine = open_local_database(tmp_path / "station.sqlite3")
    try:
        with engine.begin() as c:
            c.execute(
                sa.insert(staff).values(
                    staff_id="lina",
                    name="李娜",
                    roles=["window"],
                    password_hash="h",
                    updated_at=NOW,
                )
            )
            c.execute(sa.insert(department).values(department_id="mzj", name="民政局"))
            c.execute(
                sa.insert(catalogue_version).values(
                    version="v1", imported_at=NOW, source="t", checksum=""
                )
            )
            for matter_id, name, department_id in (
                ("ZH-001", "高龄津贴", "mzj"),
                ("ZH-002", "无部门事项", "gone"),
            ):
                c.execute(
                    sa.insert(matter).values(
                        matter_id=matter_id,
                        version="v1",
                        name=name,
                        department_id=department_id,
                        body={},
                    )
                )
            for window_id, name, station_id, active in (
                ("QZX-03", "3号窗口", "ZH-01", True),
                ("QZX-04", "撤销窗口", "ZH-02", False),
            ):
                c.execute(
                    sa.insert(window_config).values(
                        window_id=window_id,
                        name=name,
                        station_id=station_id,
                        matter_ids=[],
                        active=active,
                    )
                )
        directory = read_directory(engine, {"ZH-01": "湛河区政务服务中心", "ZH-09": "曹镇乡"})
    finally:
        engine.dispose()
    assert directory.staff == {"lina": "李娜"}
    assert directory.matters == {"ZH-001": "高龄津贴", "ZH-002": "无部门事项"}
    # A department the table no longer names shows its id.
    assert directory.departments == {"ZH-001": "民政局", "ZH-002": "gone"}
    assert directory.stations == {
        "ZH-01": StationPlace("3号窗口", "湛河区政务服务中心"),
        # A hall known only from the caller: the station id stands in for the window name.
        "ZH-09": StationPlace("ZH-09", "曹镇乡"),
    }


def test_a_database_without_the_tables_gives_ids_only(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        directory = read_directory(engine, {"ZH-01": "中心"})
    finally:
        engine.dispose()
    assert directory.staff == {}
    assert directory.stations == {"ZH-01": StationPlace("ZH-01", "中心")}
