"""Tally sources (统计数据源): the ``TallySource`` port on the station SQLite database and on the
central PostgreSQL database, both running the SQL of ``facts_sql``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from zhanhe_counter.adapters.storage.tables import UtcDateTime
from zhanhe_counter.adapters.tally.facts_sql import (
    POSTGRES,
    SQLITE,
    Dialect,
    cases_sql,
    cells_sql,
    counts_sql,
)
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.tally import (
    Cell,
    CellFilter,
    Coordinate,
    Count,
    FactCase,
    Figure,
    Scope,
    StationSync,
    TallyQuery,
)

log = logging.getLogger(__name__)


class TallyUnavailable(DomainError):
    """The database could not be read for the tally (统计数据无法读取)."""


_TYPES: dict[str, Any] = {
    "start": UtcDateTime,
    "end": UtcDateTime,
    "as_of": UtcDateTime,
    "first_day": sa.Date,
    "last_day": sa.Date,
    "as_of_day": sa.Date,
}


def _bound(statement: sa.TextClause) -> sa.TextClause:
    """Type the parameters the statement uses (each dialect's SQL uses a different set)."""
    used = set(statement._bindparams)
    return statement.bindparams(
        *(sa.bindparam(name, type_=kind) for name, kind in _TYPES.items() if name in used)
    )


def _params(query: TallyQuery) -> dict[str, Any]:
    return {
        "start": query.start,
        "end": query.end,
        "as_of": query.as_of,
        "first_day": query.period.first,
        "last_day": query.period.last,
        "as_of_day": query.as_of_day,
        # The promised-date index holds ISO date texts: bounds as texts too.
        "first_text": query.period.first.isoformat(),
        "after_text": query.period.after_last.isoformat(),
    }


class SqlTallySource:
    """Counts the facts in the database with one GROUP BY; never loops over events in Python."""

    def __init__(self, engine: sa.Engine, scope: Scope, hall: str | None = None) -> None:
        self._engine = engine
        self._scope = scope
        self._dialect: Dialect = POSTGRES if engine.dialect.name == "postgresql" else SQLITE
        # Only the central database knows a case's hall (case_file.hall).
        self._hall = hall if self._dialect is POSTGRES else None
        in_hall = self._hall is not None
        self._cells = _bound(sa.text(cells_sql(self._dialect, hall=in_hall)))
        self._counts = {
            by: _bound(sa.text(counts_sql(self._dialect, by.value, hall=in_hall)))
            for by in Coordinate
        }

    @property
    def scope(self) -> Scope:
        return self._scope

    @property
    def hall(self) -> str | None:
        """The hall the central figures are limited to (None: all the login may read)."""
        return self._hall

    def _params(self, query: TallyQuery) -> dict[str, Any]:
        params = _params(query)
        if self._hall is not None:
            params["hall"] = self._hall
        return params

    def counts(self, query: TallyQuery, by: Coordinate) -> list[Count]:
        rows = self._run(self._counts[by], self._params(query))
        known = _FIGURE_BY_VALUE
        return [
            Count(value, known[figure], n)
            for value, figure, n in map(tuple, rows)
            if figure in known
        ]

    def cells(self, query: TallyQuery) -> list[Cell]:
        rows = self._run(self._cells, self._params(query))
        # A big day has thousands of cells: figures looked up by value, not constructed, and
        # rows unpacked as tuples (a Row's attribute access cost a third of the tally).
        known = _FIGURE_BY_VALUE
        return [
            Cell(station, clerk, matter, known[figure], n)
            for station, clerk, matter, figure, n in map(tuple, rows)
            if figure in known
        ]

    def cases(
        self, query: TallyQuery, figure: Figure, where: CellFilter, limit: int
    ) -> list[FactCase]:
        filters = ""
        binds: list[sa.BindParameter[Any]] = [sa.bindparam("figure"), sa.bindparam("limit")]
        params: dict[str, Any] = {**self._params(query), "figure": figure.value, "limit": limit}
        for column, values in (
            ("station", where.stations),
            ("clerk", where.clerks),
            ("matter", where.matters),
        ):
            if values is not None:
                filters += f" AND {column} IN :{column}s"
                binds.append(sa.bindparam(f"{column}s", expanding=True))
                params[f"{column}s"] = sorted(values)
        sql = cases_sql(self._dialect, filters, hall=self._hall is not None)
        statement = _bound(sa.text(sql)).bindparams(*binds)
        rows = self._run(statement, params)
        return [
            FactCase(
                case_id=_uuid(r.case_id),
                case_number=r.case_number,
                station=str(r.station),
                clerk=str(r.clerk),
                matter=str(r.matter),
                figure=Figure(r.figure),
                at=_instant(r.at),
            )
            for r in rows
        ]

    def stations_not_synced_since(self, instant: datetime) -> list[StationSync]:
        if self._scope is Scope.LOCAL:
            return []
        # A hello starts every sync run and is followed by the push of everything outstanding.
        # Training stations are not counted, so they are not waited for either.
        in_hall = " AND hall = :hall" if self._hall is not None else ""
        statement = sa.text(
            "SELECT station_id, name, greatest(last_push_at, last_hello_at) AS seen "
            f"FROM station WHERE active AND NOT training{in_hall} "
            "AND (greatest(last_push_at, last_hello_at) IS NULL "
            "     OR greatest(last_push_at, last_hello_at) < :instant) "
            "ORDER BY station_id"
        ).bindparams(sa.bindparam("instant", type_=UtcDateTime))
        params: dict[str, Any] = {"instant": instant}
        if self._hall is not None:
            params["hall"] = self._hall
        rows = self._run(statement, params)
        return [
            StationSync(r.station_id, r.name, None if r.seen is None else _instant(r.seen))
            for r in rows
        ]

    def _run(self, statement: sa.TextClause, params: dict[str, Any]) -> list[sa.Row[Any]]:
        try:
            with self._engine.connect() as connection:
                if self._dialect is POSTGRES:
                    # The planner's estimate of the correlated subqueries crosses jit_above_cost;
                    # compiling then costs ~0.9 s on a query that runs in milliseconds.
                    connection.execute(sa.text("SET LOCAL jit = off"))
                return list(connection.execute(statement, params).all())
        except sa_exc.SQLAlchemyError as error:
            log.warning("tally query failed on %s: %s", self._engine.dialect.name, error)
            where = "本机数据库" if self._scope is Scope.LOCAL else "中心数据库"
            raise TallyUnavailable(
                f"tally query failed: {error}", f"无法读取{where}，统计未完成。请稍后重试。"
            ) from error


_FIGURE_BY_VALUE = {f.value: f for f in Figure}


def _uuid(value: Any) -> UUID:
    # Text SQL skips the column types: SQLite hands back the 32 hex digits it stores.
    return value if isinstance(value, UUID) else UUID(str(value))


def _instant(value: Any) -> datetime:
    # SQLite stores instants as naive UTC text; PostgreSQL returns aware datetimes.
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(instant, datetime)
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def sqlite_source(engine: sa.Engine) -> SqlTallySource:
    """The local scope: this PC's station database (本机数据)."""
    return SqlTallySource(engine, Scope.LOCAL)


def central_source(engine: sa.Engine, hall: str | None = None) -> SqlTallySource:
    """The central scope: the district's PostgreSQL database (中心数据), or one hall of it."""
    return SqlTallySource(engine, Scope.CENTRAL, hall)
