"""Names for the tally (统计名称表), read from the reference tables both databases share:
``staff``, ``matter`` + ``department`` and ``window_config`` (a window belongs to a station)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from zhanhe_counter.services.tally import StationPlace, TallyDirectory

log = logging.getLogger(__name__)


def read_directory(engine: sa.Engine, halls: Mapping[str, str] | None = None) -> TallyDirectory:
    """The names known to ``engine``'s database; ``halls`` maps station id → hall name.

    Missing tables or rows only cost names (the ids are shown instead), never the tally.
    """
    halls = halls or {}
    staff: dict[str, str] = {}
    matters: dict[str, str] = {}
    departments: dict[str, str] = {}
    stations: dict[str, StationPlace] = {}
    try:
        with engine.connect() as connection:
            for staff_id, name in connection.execute(sa.text("SELECT staff_id, name FROM staff")):
                staff[str(staff_id)] = str(name)
            names = {
                str(department_id): str(name)
                for department_id, name in connection.execute(
                    sa.text("SELECT department_id, name FROM department")
                )
            }
            rows = connection.execute(
                sa.text("SELECT matter_id, name, department_id FROM matter ORDER BY version")
            )
            for matter_id, name, department_id in rows:
                matters[str(matter_id)] = str(name)
                if department_id:
                    departments[str(matter_id)] = str(names.get(department_id, department_id))
            windows = connection.execute(
                sa.text(
                    "SELECT station_id, name FROM window_config WHERE active ORDER BY window_id"
                )
            )
            for station_id, name in windows:
                stations.setdefault(
                    str(station_id), StationPlace(str(name), halls.get(str(station_id), ""))
                )
    except sa_exc.SQLAlchemyError as error:
        log.warning("tally names unavailable: %s", error)
    for station_id, hall in halls.items():
        stations.setdefault(station_id, StationPlace(station_id, hall))
    return TallyDirectory(stations=stations, staff=staff, matters=matters, departments=departments)
