"""First-run setup of this PC (本机设置): which station and window it is, what the window handles.

Stored as one setting (``SETUP_SETTING``) in the station database, so it survives restarts and
needs no file. A window already in the hall directory keeps its hall and the departments'
authorisations; setup may narrow or widen its matters and change its kind. A window that is not
in the directory is created here with the cautious authority 仅收件 (receive only): authorising a
window to accept or decide is the departments' act, not a counter PC's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from zhanhe_counter.domain.case_number import validate_station_code
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.windows import (
    HallDirectory,
    ServiceHall,
    WindowAuthority,
    WindowConfig,
    WindowKind,
)
from zhanhe_counter.services.ports.storage import ReferenceStore

SETUP_SETTING = "station.setup"
#: Settings composition reads too: station_id, station_code, window_id.


class SetupInvalid(DomainError):
    """本机设置不完整或有误."""


@dataclass(frozen=True, slots=True)
class StationSetup:
    """本机设置: station, window, window kind and the matters it handles."""

    station_id: str
    station_code: str
    window_id: str
    window_name: str
    hall_id: str
    kind: WindowKind
    matter_ids: tuple[str, ...] = ()
    departments: tuple[str, ...] = field(default=())

    def to_setting(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["matter_ids"] = list(self.matter_ids)
        data["departments"] = list(self.departments)
        return data

    @classmethod
    def from_setting(cls, data: Any) -> StationSetup | None:
        """The stored setup, or None when the setting is missing or unreadable."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                station_id=str(data["station_id"]),
                station_code=str(data["station_code"]),
                window_id=str(data["window_id"]),
                window_name=str(data["window_name"]),
                hall_id=str(data["hall_id"]),
                kind=WindowKind(data["kind"]),
                matter_ids=tuple(str(m) for m in data.get("matter_ids", ())),
                departments=tuple(str(d) for d in data.get("departments", ())),
            )
        except (KeyError, ValueError, TypeError):
            return None


class SetupService:
    """本机设置服务."""

    def __init__(
        self, reference: ReferenceStore, catalogue: Catalogue, directory: HallDirectory
    ) -> None:
        self._reference = reference
        self.catalogue = catalogue
        self.directory = directory

    def current(self) -> StationSetup | None:
        """The stored setup; a PC set up only with the three basic keys (the demo) gets a setup
        built from its directory window."""
        stored = StationSetup.from_setting(self._reference.get_setting(SETUP_SETTING))
        if stored is not None:
            return stored
        station_id = self._reference.get_setting("station_id")
        station_code = self._reference.get_setting("station_code")
        window_id = self._reference.get_setting("window_id")
        if not (station_id and station_code and window_id):
            return None
        if not any(w.id == window_id for w in self.directory.windows):
            return None
        proposal = self.proposal_for(str(window_id), station_code=str(station_code))
        return replace(proposal, station_id=str(station_id))

    def is_done(self) -> bool:
        return self.current() is not None

    def halls(self) -> tuple[ServiceHall, ...]:
        seen: dict[str, ServiceHall] = {}
        for window in self.directory.windows:
            seen.setdefault(window.hall.id, window.hall)
        return tuple(seen.values())

    def proposal_for(self, window_id: str, *, station_code: str) -> StationSetup:
        """A setup prefilled from a window of the directory (the common case)."""
        window = self.directory.window(window_id)
        handled = tuple(m.id for m in self.catalogue if window.handles(m))
        return StationSetup(
            station_id=f"{window.hall.id}-{window.id}",
            station_code=station_code,
            window_id=window.id,
            window_name=window.name,
            hall_id=window.hall.id,
            kind=window.kind,
            matter_ids=handled if window.kind is WindowKind.UNDIFFERENTIATED else (),
            departments=window.departments,
        )

    def save(self, setup: StationSetup) -> WindowConfig:
        """Check and store the setup; returns the window it configures."""
        setup = self.validated(setup)
        window = self.window_config(setup)
        self._reference.set_setting(SETUP_SETTING, setup.to_setting())
        # The keys ``composition.build_station`` reads.
        self._reference.set_setting("station_id", setup.station_id)
        self._reference.set_setting("station_code", setup.station_code)
        self._reference.set_setting("window_id", setup.window_id)
        return window

    def validated(self, setup: StationSetup) -> StationSetup:
        problems: list[str] = []
        code = setup.station_code
        try:
            code = validate_station_code(setup.station_code)
        except DomainError as error:
            problems.append(error.user_message)
        if not setup.station_id.strip():
            problems.append("请填写站点编号。")
        if not setup.window_id.strip() or not setup.window_name.strip():
            problems.append("请填写窗口编号和名称。")
        if setup.hall_id not in {h.id for h in self.halls()}:
            problems.append(f"没有编号为 {setup.hall_id} 的服务场所。")
        unknown = [m for m in setup.matter_ids if m not in self.catalogue]
        if unknown:
            problems.append(f"事项目录中没有：{'、'.join(unknown)}。")
        known_departments = set(self.catalogue.department_names)
        strangers = [d for d in setup.departments if d not in known_departments]
        if strangers:
            problems.append(f"事项目录中没有部门：{'、'.join(strangers)}。")
        if setup.kind is WindowKind.UNDIFFERENTIATED and not setup.matter_ids:
            problems.append("无差别窗口至少要选择一个事项。")
        if setup.kind is WindowKind.DOMAIN and not (setup.departments or setup.matter_ids):
            problems.append("分领域窗口至少要选择一个部门或事项。")
        if problems:
            raise SetupInvalid(f"setup invalid: {len(problems)} problem(s)", "\n".join(problems))
        return replace(
            setup,
            station_code=code,
            station_id=setup.station_id.strip(),
            window_id=setup.window_id.strip(),
            window_name=setup.window_name.strip(),
        )

    def window_config(self, setup: StationSetup) -> WindowConfig:
        """The window this PC serves, as the checklist evaluation sees it."""
        hall = next(h for h in self.halls() if h.id == setup.hall_id)
        known = next((w for w in self.directory.windows if w.id == setup.window_id), None)
        base = known or WindowConfig(
            id=setup.window_id,
            name=setup.window_name,
            kind=setup.kind,
            hall=hall,
            default_authority=WindowAuthority.RECEIVE_ONLY,
        )
        return replace(
            base,
            name=setup.window_name,
            kind=setup.kind,
            hall=hall,
            matter_ids=frozenset(setup.matter_ids),
            departments=setup.departments,
        )

    def directory_with(self, window: WindowConfig) -> HallDirectory:
        """The hall directory with this PC's window as configured (replacing its old entry)."""
        others: Iterable[WindowConfig] = (w for w in self.directory.windows if w.id != window.id)
        return HallDirectory([*others, window])
