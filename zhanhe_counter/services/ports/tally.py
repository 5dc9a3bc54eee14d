"""Tally port (统计端口): what the supervisor tallies need from a database of case events.

A tally is a set of *facts*: one row per thing counted (a received case, a pledge found overdue,
a back-office answer that missed its 20 minutes …), each tied to the case it belongs to. The
case gives every fact its coordinates: the station that opened it (which is a window in a hall),
the clerk who opened it (首办负责人, who follows it to the end) and its matter (which belongs to a
department). Because every fact sits in exactly one cell of (station, clerk, matter), any
grouping is a sum of cells, and the central tally is the sum of the stations' tallies.

Adapters aggregate in the database (``adapters/tally``), by the one coordinate the supervisor's
grouping needs (a big day has nearly a cell per case, but only a few hundred stations, clerks or
matters); the service rolls those up into halls or departments. The cells themselves are read
only to drill into a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from zhanhe_counter.domain.errors import DomainError


class Figure(StrEnum):
    """统计指标. Values are stable: the SQL produces them and exports name columns after them."""

    CONSULTED = "consulted"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    COMPLETE_ON_SPOT = "complete_on_spot"
    RONGQUE_OPEN = "rongque_open"
    RONGQUE_SUPPLEMENTED = "rongque_supplemented"
    RONGQUE_OVERDUE = "rongque_overdue"
    NOTIFIED_ONCE = "notified_once"
    REFUSED = "refused"
    DECIDED = "decided"
    DECIDED_REFUSED = "decided_refused"
    DELIVERED = "delivered"
    BACKOFFICE_MET = "backoffice_met"
    BACKOFFICE_MISSED = "backoffice_missed"
    BACKOFFICE_PENDING = "backoffice_pending"
    PROMISED_DUE = "promised_due"
    PAST_PROMISED = "past_promised"
    RATING_5 = "rating_5"
    RATING_4 = "rating_4"
    RATING_3 = "rating_3"
    RATING_2 = "rating_2"
    RATING_1 = "rating_1"
    BAD_RATING_FOLLOWED_UP = "bad_rating_followed_up"
    BAD_RATING_OPEN = "bad_rating_open"

    @property
    def label(self) -> str:
        return _FIGURE_LABELS[self]


_FIGURE_LABELS = {
    Figure.CONSULTED: "咨询",
    Figure.RECEIVED: "收件",
    Figure.ACCEPTED: "受理",
    Figure.COMPLETE_ON_SPOT: "当场办结",
    Figure.RONGQUE_OPEN: "容缺待补",
    Figure.RONGQUE_SUPPLEMENTED: "容缺已补齐",
    Figure.RONGQUE_OVERDUE: "容缺逾期未补",
    Figure.NOTIFIED_ONCE: "一次性告知",
    Figure.REFUSED: "不予受理",
    Figure.DECIDED: "办结决定",
    Figure.DECIDED_REFUSED: "决定不予办理",
    Figure.DELIVERED: "出件",
    Figure.BACKOFFICE_MET: "后台20分钟内答复",
    Figure.BACKOFFICE_MISSED: "后台超时答复",
    Figure.BACKOFFICE_PENDING: "后台待答复",
    Figure.PROMISED_DUE: "承诺期限届满",
    Figure.PAST_PROMISED: "超过承诺期限",
    Figure.RATING_5: "非常满意",
    Figure.RATING_4: "满意",
    Figure.RATING_3: "基本满意",
    Figure.RATING_2: "不满意",
    Figure.RATING_1: "非常不满意",
    Figure.BAD_RATING_FOLLOWED_UP: "差评已回访",
    Figure.BAD_RATING_OPEN: "差评待回访",
}


class Scope(StrEnum):
    """统计范围: this PC's database, or the central one."""

    LOCAL = "local"
    CENTRAL = "central"

    @property
    def label(self) -> str:
        return "本机数据（仅限本机）" if self is Scope.LOCAL else "中心数据（全区）"


class Grouping(StrEnum):
    """分组方式."""

    HALL = "hall"
    WINDOW = "window"
    CLERK = "clerk"
    DEPARTMENT = "department"
    MATTER = "matter"

    @property
    def label(self) -> str:
        return _GROUPING_LABELS[self]

    @property
    def coordinate(self) -> Coordinate:
        """The fact coordinate whose value decides a fact's group under this grouping."""
        return _GROUPING_COORDINATES[self]


class Coordinate(StrEnum):
    """A fact's coordinate the database groups by (统计坐标); values are column names."""

    STATION = "station"
    CLERK = "clerk"
    MATTER = "matter"


#: A hall is a set of stations and a department a set of matters (the directory knows which).
_GROUPING_COORDINATES = {
    Grouping.HALL: Coordinate.STATION,
    Grouping.WINDOW: Coordinate.STATION,
    Grouping.CLERK: Coordinate.CLERK,
    Grouping.DEPARTMENT: Coordinate.MATTER,
    Grouping.MATTER: Coordinate.MATTER,
}

_GROUPING_LABELS = {
    Grouping.HALL: "服务场所",
    Grouping.WINDOW: "窗口",
    Grouping.CLERK: "工作人员",
    Grouping.DEPARTMENT: "部门",
    Grouping.MATTER: "事项",
}

#: The longest period one tally may cover; a longer one is a mistake more often than not.
MAX_PERIOD_DAYS = 366


class InvalidPeriod(DomainError):
    """A period that ends before it starts, or is too long (统计期间有误)."""


@dataclass(frozen=True, slots=True)
class Period:
    """统计期间: whole service days (UTC+8), both ends included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidPeriod(
                f"period ends {self.last} before it starts {self.first}",
                f"结束日期 {self.last} 早于开始日期 {self.first}",
            )
        if (self.last - self.first).days >= MAX_PERIOD_DAYS:
            raise InvalidPeriod(
                f"period {self.first}..{self.last} longer than {MAX_PERIOD_DAYS} days",
                f"统计期间不能超过 {MAX_PERIOD_DAYS} 天",
            )

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day)

    @property
    def label(self) -> str:
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"

    @property
    def after_last(self) -> date:
        """The first day after the period."""
        return self.last + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class TallyQuery:
    """What to count: the period, and the instant the states are judged at (截至).

    ``start``/``end`` are the period's bounds as instants (midnight UTC+8, end excluded);
    ``as_of`` is the end of the period, or now if the period has not ended. Overdue pledges,
    missed answers and late cases are judged at ``as_of`` using only events before it, so a past
    period's tally does not change when later events arrive — except that it grows as late
    events from offline stations are synced.
    """

    period: Period
    start: datetime
    end: datetime
    as_of: datetime

    @property
    def as_of_day(self) -> date:
        """The service day ``as_of`` falls on: deadlines before it have passed."""
        return self.as_of.astimezone(self.start.tzinfo).date()


@dataclass(frozen=True, slots=True)
class Cell:
    """One aggregated cell: how many facts of ``figure`` belong to (station, clerk, matter)."""

    station: str
    clerk: str
    matter: str  # "" for a consultation about no particular matter
    figure: Figure
    count: int


@dataclass(frozen=True, slots=True)
class Count:
    """How many facts of ``figure`` have ``value`` at one coordinate (按坐标汇总的数)."""

    value: str
    figure: Figure
    count: int


@dataclass(frozen=True, slots=True)
class CellFilter:
    """Which cells a drill-down covers; ``None`` means any value."""

    stations: frozenset[str] | None = None
    clerks: frozenset[str] | None = None
    matters: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class FactCase:
    """One case behind a number (统计明细)."""

    case_id: UUID
    case_number: str | None
    station: str
    clerk: str
    matter: str
    figure: Figure
    at: datetime  # when the counted event happened


@dataclass(frozen=True, slots=True)
class StationSync:
    """A station and when it last reached the centre (站点同步情况)."""

    station_id: str
    name: str | None
    last_sync_at: datetime | None


class TallySource(Protocol):
    """A database the tallies can be counted in (统计数据源)."""

    @property
    def scope(self) -> Scope: ...

    def counts(self, query: TallyQuery, by: Coordinate) -> list[Count]:
        """The period's facts per value of ``by`` and figure, aggregated in the database."""
        ...

    def cells(self, query: TallyQuery) -> list[Cell]:
        """Every non-empty cell of the period, aggregated in the database."""
        ...

    def cases(
        self, query: TallyQuery, figure: Figure, where: CellFilter, limit: int
    ) -> list[FactCase]:
        """The cases behind ``figure`` in the cells ``where`` selects, oldest first."""
        ...

    def stations_not_synced_since(self, instant: datetime) -> list[StationSync]:
        """Active stations that have not reached the centre since ``instant`` (none locally)."""
        ...
