"""The centre as a supervisor station's own login sees it (中心统计，按本站账号).

The same login and the same row-level security as ``zhanhe-admin tally --scope central
--as-station``: the station's central address with its password from the keyring (given by the
composition as ``login``, read when first needed), its roles and hall from
``my_station_roles()`` (migration c0012).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from zhanhe_counter.adapters.tally.source import SqlTallySource, TallyUnavailable, central_source
from zhanhe_counter.services.station_roles import RoleKind, StationRole
from zhanhe_counter.services.supervision import DeskPlace

log = logging.getLogger(__name__)

OFFLINE_MESSAGE = "暂时连不上中心，只能查看本机统计；本厅、全区统计请稍后再试。"


class StationCentreTallies:
    """``CentreTallies`` over the central PostgreSQL with this station's login."""

    def __init__(self, login: Callable[[], str]) -> None:
        self._login = login  # the SQLAlchemy URL; raises a DomainError before registration
        self._engine: sa.Engine | None = None

    def _central(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(
                self._login(),
                pool_pre_ping=True,
                # A supervisor waits for an answer, not for a TCP timeout.
                connect_args={"connect_timeout": 5},
            )
        return self._engine

    def place(self) -> DeskPlace:
        try:
            with self._central().connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT r_role, r_scope, r_hall FROM my_station_roles()")
                ).all()
        except sa_exc.SQLAlchemyError as error:
            log.warning("station roles unavailable from the centre: %s", error)
            raise TallyUnavailable(f"centre unreachable: {error}", OFFLINE_MESSAGE) from error
        roles = tuple(
            StationRole(RoleKind(str(role)), str(scope or ""))
            for role, scope, _hall in rows
            if role in {kind.value for kind in RoleKind}
        )
        hall = next((str(h) for _r, _s, h in rows if h), None)
        return DeskPlace(roles, hall)

    def source(self, hall: str | None) -> SqlTallySource:
        # No connection yet: a tally that cannot reach the centre fails with its own message.
        return central_source(self._central(), hall)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
