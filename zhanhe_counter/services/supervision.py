"""The supervisor desk (督查台): which tallies a supervisor PC may show, and the lists to act on.

A supervisor PC tallies this PC's own database (本机) and, when the centre gives its station a
supervisor role, the centre's figures for its scope: ``supervisor=HALL`` adds its hall (本厅),
``supervisor=district`` its hall and the whole district (全区). The centre's figures are read
with the station's own login, exactly as ``zhanhe-admin tally --scope central --as-station``
reads them, so row-level security decides what the desk can see (docs/hall.md, Roles).

Beside the figures the desk lists the cases to act on across the stations of the scope: the
差评 of the period (open and called back) and the overdue ones (past the promised date, 容缺
pledges not supplied in time, back-office answers later than 20 minutes), each listed by the
same SQL that counts the figure, so a list and its number cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.tally import FactCase, Figure, TallySource
from zhanhe_counter.services.station_roles import DISTRICT, RoleKind, StationRole
from zhanhe_counter.services.tally import TallyDirectory, TallyReport, TallyService


class ViewScope(StrEnum):
    """统计范围 on the supervisor desk."""

    STATION = "station"
    HALL = "hall"
    DISTRICT = "district"

    @property
    def label(self) -> str:
        return _SCOPE_LABELS[self]


_SCOPE_LABELS = {
    ViewScope.STATION: "本机",
    ViewScope.HALL: "本厅",
    ViewScope.DISTRICT: "全区",
}

#: The figures behind each list (差评回访, 逾期办件).
BAD_RATING_FIGURES = (Figure.BAD_RATING_OPEN, Figure.BAD_RATING_FOLLOWED_UP)
OVERDUE_FIGURES = (Figure.PAST_PROMISED, Figure.RONGQUE_OVERDUE, Figure.BACKOFFICE_MISSED)
#: Each list shows at most this many cases per figure; the supervisor narrows the period.
LIST_LIMIT = 200


@dataclass(frozen=True, slots=True)
class DeskPlace:
    """This station's roles and hall as the centre holds them (站点角色与服务场所)."""

    roles: tuple[StationRole, ...]
    hall: str | None

    def scopes(self) -> tuple[ViewScope, ...]:
        """The scopes the roles allow, this PC first."""
        supervised = {r.scope for r in self.roles if r.kind is RoleKind.SUPERVISOR}
        scopes = [ViewScope.STATION]
        district = DISTRICT in supervised
        if self.hall and (district or self.hall in supervised):
            scopes.append(ViewScope.HALL)
        if district:
            scopes.append(ViewScope.DISTRICT)
        return tuple(scopes)


class CentreTallies(Protocol):
    """The centre as this station's own login sees it (中心统计，按本站账号)."""

    def place(self) -> DeskPlace:
        """This station's roles and hall; raises a DomainError with a Chinese message offline."""
        ...

    def source(self, hall: str | None) -> TallySource:
        """The centre's tally source for what this login may read, limited to ``hall``."""
        ...

    def close(self) -> None:
        """Let go of the central connections."""
        ...


@dataclass(frozen=True, slots=True)
class AttentionLists:
    """The cases to act on in a tally's period and scope (待处理清单)."""

    bad_ratings: tuple[FactCase, ...]
    overdue: tuple[FactCase, ...]


class SupervisorDesk:
    """督查台: this PC's tallies, and the centre's for the scopes the station's role allows."""

    def __init__(
        self,
        local: TallyService,
        clock: Clock,
        directory: TallyDirectory | Callable[[], TallyDirectory] | None = None,
        centre: CentreTallies | None = None,
    ) -> None:
        self._local = local
        self._clock = clock
        self._directory = directory
        self._centre = centre
        self._place: DeskPlace | None = None

    @property
    def registered(self) -> bool:
        """Whether this PC has a centre to ask at all."""
        return self._centre is not None

    def scopes(self) -> tuple[ViewScope, ...]:
        """The scopes to offer (reads the centre: call it off the UI thread).

        Raises the centre's DomainError when it cannot be reached; 本机 always works.
        """
        if self._centre is None:
            return (ViewScope.STATION,)
        self._place = self._centre.place()
        return self._place.scopes()

    def service(self, scope: ViewScope) -> TallyService:
        """The tally service of ``scope`` (one of :meth:`scopes`' answer)."""
        if scope is ViewScope.STATION:
            return self._local
        place, centre = self._place, self._centre
        if centre is None or place is None or scope not in place.scopes():
            raise ValueError(f"scope {scope} not offered to this station")
        hall = place.hall if scope is ViewScope.HALL else None
        return TallyService(centre.source(hall), self._clock, self._directory)

    def close(self) -> None:
        if self._centre is not None:
            self._centre.close()

    @staticmethod
    def attention(service: TallyService, report: TallyReport) -> AttentionLists:
        """The 差评 and overdue cases of ``report``'s period and scope, oldest first."""

        def listed(figures: tuple[Figure, ...]) -> tuple[FactCase, ...]:
            cases = [
                case
                for figure in figures
                if report.total[figure]
                for case in service.drill(report, None, figure, LIST_LIMIT)
            ]
            return tuple(sorted(cases, key=lambda c: (c.at, c.case_number or "")))

        return AttentionLists(listed(BAD_RATING_FIGURES), listed(OVERDUE_FIGURES))
