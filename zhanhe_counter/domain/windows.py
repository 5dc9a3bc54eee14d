"""Window configuration (窗口配置): which window handles which matters, where, with what authority.

Two authorisations must not be confused (docs/domain.md, Two authorisations): the department's
authorisation of the comprehensive window (:class:`WindowAuthority`, here) and the applicant's
power of attorney for an agent (a material of the matter).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.matters import Catalogue, Matter, WindowFlow


class ServiceHallLevel(StrEnum):
    """服务场所层级 (办法第十八条)."""

    DISTRICT_CENTRE = "district_centre"
    TOWNSHIP_CENTRE = "township_centre"
    VILLAGE_STATION = "village_station"

    @property
    def label(self) -> str:
        return _HALL_LABELS[self]


_HALL_LABELS = {
    ServiceHallLevel.DISTRICT_CENTRE: "区政务服务中心",
    ServiceHallLevel.TOWNSHIP_CENTRE: "乡镇（街道）便民服务中心",
    ServiceHallLevel.VILLAGE_STATION: "村（社区）便民服务站",
}


class WindowKind(StrEnum):
    """综合窗口类型 (办法第四至六条)."""

    UNDIFFERENTIATED = "无差别"
    DOMAIN = "分领域"


class WindowAuthority(StrEnum):
    """What the departments authorised the window to do on the spot (部门向综合窗口授权)."""

    DECIDE_ON_SPOT = "decide_on_spot"
    ACCEPT_ON_SPOT = "accept_on_spot"
    RECEIVE_ONLY = "receive_only"

    @property
    def label(self) -> str:
        return _AUTHORITY_LABELS[self]

    @property
    def may_accept(self) -> bool:
        return self is not WindowAuthority.RECEIVE_ONLY

    @property
    def may_decide(self) -> bool:
        return self is WindowAuthority.DECIDE_ON_SPOT

    @classmethod
    def implied_by(cls, flow: WindowFlow) -> WindowAuthority:
        """The authority a matter's flow presumes when no window configuration says otherwise."""
        return _AUTHORITY_BY_FLOW[flow]


_AUTHORITY_LABELS = {
    WindowAuthority.DECIDE_ON_SPOT: "授权当场办结",
    WindowAuthority.ACCEPT_ON_SPOT: "授权当场受理",
    WindowAuthority.RECEIVE_ONLY: "仅收件",
}

_AUTHORITY_BY_FLOW = {
    WindowFlow.COMPLETE_ON_SPOT: WindowAuthority.DECIDE_ON_SPOT,
    WindowFlow.ACCEPT_ON_SPOT: WindowAuthority.ACCEPT_ON_SPOT,
    WindowFlow.RECEIVE_ON_SPOT: WindowAuthority.RECEIVE_ONLY,
}


@dataclass(frozen=True, slots=True)
class ServiceHall:
    """服务场所: the district centre, a township centre or a village station."""

    id: str
    name: str
    level: ServiceHallLevel


@dataclass(frozen=True, slots=True)
class WindowConfig:
    """综合窗口.

    A 分领域 window handles every matter of its ``departments`` (办法第五条: any matter of the
    domain, at any of its windows) plus any matter listed in ``matter_ids``; a 无差别 window
    handles exactly the listed matters.
    """

    id: str
    name: str
    kind: WindowKind
    hall: ServiceHall
    matter_ids: frozenset[str] = frozenset()
    default_authority: WindowAuthority = WindowAuthority.RECEIVE_ONLY
    authority_overrides: Mapping[str, WindowAuthority] = field(default_factory=dict)
    departments: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        """Hall and window, as named to the applicant: "湛河区政务服务中心 3号综合窗口"."""
        return f"{self.hall.name} {self.name}"

    def handles(self, matter: Matter) -> bool:
        if matter.id in self.matter_ids:
            return True
        return self.kind is WindowKind.DOMAIN and matter.department in self.departments

    def authority_for(self, matter_id: str) -> WindowAuthority:
        return self.authority_overrides.get(matter_id, self.default_authority)

    @classmethod
    def handling_everything(cls, catalogue: Catalogue, hall: ServiceHall) -> WindowConfig:
        """A 无差别 window handling every matter, each with the authority its flow implies.

        Used where no window configuration is given (the admin CLI, the demo).
        """
        return cls(
            id="ALL",
            name="综合窗口",
            kind=WindowKind.UNDIFFERENTIATED,
            hall=hall,
            matter_ids=frozenset(catalogue.matters),
            default_authority=WindowAuthority.RECEIVE_ONLY,
            authority_overrides={
                m.id: WindowAuthority.implied_by(m.window_flow) for m in catalogue
            },
        )


class UnknownWindow(DomainError):
    """A window id that is not configured."""

    def __init__(self, window_id: str) -> None:
        super().__init__(
            f"unknown window id {window_id!r}", f"窗口配置中没有编号为 {window_id} 的窗口"
        )
        self.window_id = window_id


_LEVEL_ORDER = {level: rank for rank, level in enumerate(ServiceHallLevel)}


@dataclass(frozen=True, slots=True)
class HallDirectory:
    """All windows known, to tell an applicant where a matter is handled (首问负责)."""

    windows: tuple[WindowConfig, ...]

    def __init__(self, windows: Iterable[WindowConfig]) -> None:
        object.__setattr__(self, "windows", tuple(windows))

    def window(self, window_id: str) -> WindowConfig:
        for window in self.windows:
            if window.id == window_id:
                return window
        raise UnknownWindow(window_id)

    def windows_for(
        self, matter: Matter, *, near: WindowConfig | None = None
    ) -> tuple[WindowConfig, ...]:
        """Windows handling ``matter``: the asking window's own hall first, then the district centre
        before townships and villages (where the most windows and authorisations are)."""
        found = [w for w in self.windows if w.handles(matter) and w != near]

        def rank(window: WindowConfig) -> tuple[int, int]:
            same_hall = near is not None and window.hall.id == near.hall.id
            return (0 if same_hall else 1, _LEVEL_ORDER[window.hall.level])

        return tuple(sorted(found, key=rank))

    def where_handled(self, matter: Matter, *, near: WindowConfig | None = None) -> str:
        """The sentence telling the applicant where to go, in Chinese."""
        windows = self.windows_for(matter, near=near)
        if not windows:
            return f"“{matter.name}”暂无窗口受理，请咨询{matter.department}"
        places = "或".join(w.display_name for w in windows[:3])
        return f"该事项请到 {places} 办理"
