"""This PC's sync settings (本机同步设置): which station it is and where the centre is.

The station database keeps the station id and the central address *without* a password; the
password lives in the OS keyring under :func:`credential_name`. :func:`build_sync_engine` is the
one place that wires the outbox, the PostgreSQL target and the keyring together for the CLI and
the GUI's composition root.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox
from zhanhe_counter.adapters.sync.connection import CentralAddress, parse_central_url
from zhanhe_counter.services.offline_limits import OfflineLimits
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.sync import CasePlaces, SecretStore, SyncNotConfigured
from zhanhe_counter.services.sync_engine import SyncEngine

if TYPE_CHECKING:  # psycopg loads only once this PC syncs (not in demo mode, not at start)
    from zhanhe_counter.adapters.sync.wakeup import PostgresWakeups

KEY_STATION_ID = "sync.station_id"
KEY_CENTRAL_URL = "sync.central_url"
KEY_LIMITS = "sync.limits"


@dataclass(frozen=True, slots=True)
class StationSyncConfig:
    """Station id and central address of this PC, no secret inside (本机同步设置)."""

    station_id: str
    address: CentralAddress

    @property
    def credential_name(self) -> str:
        return credential_name(self.address)


def credential_name(address: CentralAddress) -> str:
    """The keyring entry name of a station login: ``role@host:port/db``."""
    return f"{address.user}@{address.host}:{address.port}/{address.dbname}"


def save_config(engine: sa.Engine, station_id: str, address: CentralAddress) -> None:
    """Store station id and address (the password is dropped here, never stored)."""
    settings = SqliteReferenceStore(engine)
    settings.set_setting(KEY_STATION_ID, station_id)
    settings.set_setting(KEY_CENTRAL_URL, address.url(with_password=False))


def load_config(engine: sa.Engine) -> StationSyncConfig | None:
    settings = SqliteReferenceStore(engine)
    station_id = settings.get_setting(KEY_STATION_ID)
    url = settings.get_setting(KEY_CENTRAL_URL)
    if not station_id or not url:
        return None
    return StationSyncConfig(str(station_id), parse_central_url(str(url)))


def load_limits(engine: sa.Engine) -> OfflineLimits:
    raw: Any = SqliteReferenceStore(engine).get_setting(KEY_LIMITS)
    return OfflineLimits.from_mapping(raw)


def _login(engine: sa.Engine, secrets: SecretStore) -> tuple[StationSyncConfig, CentralAddress]:
    config = load_config(engine)
    if config is None:
        raise SyncNotConfigured(
            "no station id or central URL in the station database",
            "本机尚未注册到中心，请管理员运行 zhanhe-admin station register。",
        )
    password = secrets.get(config.credential_name)
    if not password:
        raise SyncNotConfigured(
            f"no keyring credential {config.credential_name}",
            "系统密钥库中没有本站的中心库密码，请管理员重新运行 zhanhe-admin station register。",
        )
    return config, config.address.with_login(config.address.user or "", password)


def central_login(engine: sa.Engine, secrets: SecretStore) -> CentralAddress:
    """This station's central address with its password (for one-off reads such as ``cases``)."""
    return _login(engine, secrets)[1]


def build_sync_engine(
    engine: sa.Engine,
    secrets: SecretStore,
    clock: Clock,
    app_version: str,
    *,
    places: CasePlaces | None = None,
) -> SyncEngine:
    """The sync engine of this PC; raises ``SyncNotConfigured`` before registration.

    ``places`` (this station's hall and its matters' departments) travel with each new case so
    the centre routes it to the department's desks and the hall's delivery windows at once.
    """
    from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget

    config, address = _login(engine, secrets)
    target = PostgresSyncTarget(address, application_name=f"zhanhe-counter {config.station_id}")
    outbox = SqliteSyncOutbox(engine, config.station_id)
    if places is not None:
        outbox.places = places
    return SyncEngine(target, outbox, clock, app_version)


def build_wakeups(engine: sa.Engine, secrets: SecretStore) -> PostgresWakeups:
    """The centre's wake-up channel for this PC (its login name; see ``wakeup.py``)."""
    from zhanhe_counter.adapters.sync.wakeup import PostgresWakeups

    config, address = _login(engine, secrets)
    return PostgresWakeups(
        address, address.user or "", application_name=f"zhanhe-counter {config.station_id} listen"
    )
