"""A registered counter PC for the governance tests: a real station folder, synced with the
real centre through the real sync engine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.adapters.sync.helpers import APP_VERSION, SystemClock
from tests.services.followthrough_support import NOW, MovableClock
from zhanhe_counter.adapters.centre.schema import register_station
from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.adapters.sync.station_config import save_config
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.services.sync_engine import SyncEngine

CATALOGUE = resources_dir() / "catalogue/sample-matters.yaml"
WINDOWS = resources_dir() / "windows/sample-windows.yaml"
SETTINGS = resources_dir() / "documents/demo-settings.toml"


@dataclass
class CounterPC:
    station: Station
    sync: SyncEngine
    clock: MovableClock

    def pull(self) -> bool:
        """One sync session, then the reference data taken up (as at the next login)."""
        report = self.sync.run_once()
        assert not report.errors, report.errors
        return self.station.refresh_reference()

    def close(self) -> None:
        self.station.close()


def registered_counter(central_url: str, folder: Path) -> CounterPC:
    clock = MovableClock(NOW)
    station = build_station(folder, demo=True, clock=clock, start_queue=False)
    station_id = station.identity.station_id
    registration = register_station(central_url, station_id, hall="QZX")
    save_config(station.engine, registration.station_id, registration.address)
    sync = SyncEngine(
        PostgresSyncTarget(registration.address, application_name=station_id),
        SqliteSyncOutbox(station.engine, station_id),
        SystemClock(),
        APP_VERSION,
    )
    return CounterPC(station, sync, clock)


def catalogue_text(*, add: bool = False, rename: bool = False, retire: bool = False) -> str:
    """The sample catalogue with a matter added (ZH-099), renamed (ZH-005) or retired (ZH-001)."""
    text = CATALOGUE.read_text(encoding="utf-8")
    start, cut, end = (text.index(f"  - id: {m}\n") for m in ("ZH-002", "ZH-003", "ZH-001"))
    if add:
        block = text[start:cut].replace("id: ZH-002", "id: ZH-099", 1)
        block = block.replace("name: 个体工商户设立登记", "name: 测试新增事项", 1)
        text = text + ("" if text.endswith("\n") else "\n") + block
    if rename:
        text = text.replace("name: 高龄津贴申请\n", "name: 高龄津贴申请（中心更名）\n", 1)
    if retire:
        text = text[:end] + text[start:]
    return text
