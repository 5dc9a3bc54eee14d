"""Composition of one counter station (组装): the adapters and services for a data folder.

Used by both entry points: ``main`` (the GUI adds the Qt pieces on top) and ``cli`` (e.g.
``demo-data``). Nothing here imports Qt. Demo mode seeds the sample catalogue, windows and demo
staff into a fresh data folder and uses simulated printers whose output lands in ``printed/``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher

from zhanhe_counter import __version__
from zhanhe_counter.adapters.calendar import build_work_calendar
from zhanhe_counter.adapters.catalogue import load_catalogue, load_windows
from zhanhe_counter.adapters.clock import SystemClock
from zhanhe_counter.adapters.export import ExportFormat, write_export
from zhanhe_counter.adapters.paths import local_db_path
from zhanhe_counter.adapters.printing.printers.simulated import SimulatedPrinter
from zhanhe_counter.adapters.printing.queue import SqlitePrintQueue
from zhanhe_counter.adapters.printing.settings_file import (
    load_document_settings,
    shipped_settings_path,
)
from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.adapters.storage.audit_tables import SqliteLegacyReveals
from zhanhe_counter.adapters.storage.backup import (
    BACKUP_HOURS_SETTING,
    DEFAULT_BACKUP_HOURS,
    BackupSchedule,
)
from zhanhe_counter.adapters.storage.database_key import (
    backup_key,
    configured_backup_folder,
    database_key,
    open_station_database,
)
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.events_by_kind import SqliteEventsByKind
from zhanhe_counter.adapters.storage.folder_lock import DataFolderLock
from zhanhe_counter.adapters.storage.integrity import SqliteIntegrityProbe
from zhanhe_counter.adapters.storage.owed_documents import SqliteOwedDocuments
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.adapters.storage.signature_tables import SqliteSignatureArchive
from zhanhe_counter.adapters.storage.sync_status import SqliteSyncStatus
from zhanhe_counter.adapters.sync.station_config import (
    KEY_CENTRAL_URL,
    build_sync_engine,
    build_wakeups,
    central_login,
    load_limits,
)
from zhanhe_counter.adapters.tally import sqlite_source
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.windows import HallDirectory
from zhanhe_counter.domain.workdays import OfficeHours, WorkCalendar
from zhanhe_counter.services.backoffice import BackofficeService
from zhanhe_counter.services.case_history import CaseHistoryService
from zhanhe_counter.services.delivery import DeliveryService
from zhanhe_counter.services.document_dispatch import DocumentDispatcher, DocumentPrinter
from zhanhe_counter.services.documents import DocumentService
from zhanhe_counter.services.followups import FollowupService, rectify_days_from
from zhanhe_counter.services.intake import IntakeService
from zhanhe_counter.services.integrity import DatabaseHealth, IdleIntegrityWatch, first_stop
from zhanhe_counter.services.offline_limits import IntakeVerdict, OfflineGate, OfflineLimits
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.printing import DocumentRenderer, Printer, RenderedDocument
from zhanhe_counter.services.ports.storage import StaffRecord
from zhanhe_counter.services.ports.sync import CasePlaces, SecretStore
from zhanhe_counter.services.print_service import PrintService
from zhanhe_counter.services.printer_roles import PrinterRoles
from zhanhe_counter.services.privacy import AuditTrail, PrivacyService
from zhanhe_counter.services.progress_link import ensure_local_check_key
from zhanhe_counter.services.rating import RatingService
from zhanhe_counter.services.station import StationIdentity
from zhanhe_counter.services.supervision import SupervisorDesk
from zhanhe_counter.services.supplements import SupplementsService
from zhanhe_counter.services.sync_engine import SyncStatus, build_status
from zhanhe_counter.services.sync_worker import SyncWorker
from zhanhe_counter.services.tally import StationPlace, TallyDirectory, TallyReport, TallyService
from zhanhe_counter.services.tally_export import TallyExportService

log = logging.getLogger(__name__)

DEMO_STATION_ID = "ZH-DEMO-01"
DEMO_STATION_CODE = "41041101"
DEMO_WINDOW_ID = "QZX-03"
DEMO_PASSWORD = "123456"
#: Demo accounts: (id, name, roles). The password of each is DEMO_PASSWORD.
DEMO_STAFF = (
    ("zhangmin", "张敏", ("window",)),
    ("lina", "李娜", ("window", "delivery")),
    ("wangqiang", "王强", ("backoffice",)),
    ("zhaoli", "赵丽", ("supervisor",)),
)
A4_PRINTER = "A4打印机"
TICKET_PRINTER = "小票打印机"
#: Winter hours of a Henan county hall (docs/domain.md, Office hours), used all year: hard-wired
#: until the office hours become a station setting; summer hours are not applied.
DEFAULT_OFFICE_HOURS = OfficeHours.with_lunch(time(8, 0), time(12, 0), time(14, 30), time(17, 30))


class StationSetupMissing(DomainError):
    """This PC has not been set up yet (本机尚未初始化)."""


@dataclass
class Station:
    """Everything one counter PC runs on (本机服务)."""

    data_dir: Path
    demo: bool
    engine: sa.Engine
    store: SqliteEventStore
    reference: SqliteReferenceStore
    catalogue: Catalogue
    directory: HallDirectory
    calendar: WorkCalendar
    clock: Clock
    identity: StationIdentity
    documents: DocumentService
    printers: dict[str, Printer]
    printer_roles: PrinterRoles
    queue: SqlitePrintQueue
    print_service: PrintService
    intake: IntakeService
    #: The outbox as the UI sees it: counts, waiting and refused events, sessions.
    sync_outbox: SqliteSyncStatus
    sync_limits: OfflineLimits
    #: The offline limits intake asks before each new case; opened when sync starts.
    intake_gate: OfflineGate
    sync_worker: SyncWorker | None = None  # None until the PC is registered (start_sync)
    #: The database's integrity (quick check at open, full check when idle); stops intake.
    health: DatabaseHealth | None = None
    integrity_watch: IdleIntegrityWatch | None = None
    #: Held while this client runs on the folder (one counter client per data folder).
    folder_lock: DataFolderLock | None = None
    #: Scheduled encrypted backups to the configured second place (None: none configured).
    backups: BackupSchedule | None = None
    #: The keyring the centre's password is read from; set by start_sync (None: not yet).
    secrets: SecretStore | None = None
    _closed: bool = field(default=False, repr=False)

    @cached_property
    def renderer(self) -> DocumentRenderer:
        """The form renderer; built on first use because resolving fonts takes a moment."""
        from zhanhe_counter.adapters.printing.pdf import FormRenderer

        return FormRenderer()

    @cached_property
    def dispatcher(self) -> DocumentDispatcher:
        return DocumentDispatcher(
            documents=self.documents,
            printer=self.document_printer,
            owed=SqliteOwedDocuments(self.engine, self.clock),
            cases=self.store,
        )

    def progress_url(self, case_no: str) -> str:
        """The address the receipt's QR code holds ("" while none is configured)."""
        return self.documents.progress_links.url(self.identity.window.hall.id, case_no) or ""

    # -- follow-through (back office, supplements, delivery, ratings), built on first use ----

    @cached_property
    def backoffice(self) -> BackofficeService:
        return BackofficeService(
            store=self.store,
            catalogue=self.catalogue,
            calendar=self.calendar,
            clock=self.clock,
            station=self.identity,
            documents=self.documents,
        )

    @cached_property
    def supplements(self) -> SupplementsService:
        return SupplementsService(
            store=self.store,
            catalogue=self.catalogue,
            calendar=self.calendar,
            clock=self.clock,
            station_id=self.identity.station_id,
        )

    @cached_property
    def delivery(self) -> DeliveryService:
        return DeliveryService(
            store=self.store,
            catalogue=self.catalogue,
            clock=self.clock,
            station_id=self.identity.station_id,
            documents=self.documents,
            signatures=SqliteSignatureArchive(self.engine),
        )

    @cached_property
    def rating(self) -> RatingService:
        return RatingService(
            store=self.store, catalogue=self.catalogue, clock=self.clock, station=self.identity
        )

    @cached_property
    def followups(self) -> FollowupService:
        return FollowupService(
            store=self.store,
            events=SqliteEventsByKind(self.engine),
            catalogue=self.catalogue,
            calendar=self.calendar,
            clock=self.clock,
            station_id=self.identity.station_id,
            rectify_days=rectify_days_from(self.reference.get_setting("bad_review_rectify_days")),
        )

    @cached_property
    def document_printer(self) -> DocumentPrinter:
        return DocumentPrinter(
            renderer=_LazyRenderer(self),
            print_service=self.print_service,
            printers=self.printer_roles,
        )

    @cached_property
    def privacy(self) -> PrivacyService:
        return PrivacyService(
            store=self.store,
            trail=self.print_service.audit,
            legacy=SqliteLegacyReveals(self.engine),
        )

    @cached_property
    def case_history(self) -> CaseHistoryService:
        """办件详情: opening a case is checked (clerks: this station's only) and audited."""
        return CaseHistoryService(
            self.store,
            self.print_service,
            self.catalogue,
            legacy_reveals=SqliteLegacyReveals(self.engine),
        )

    @cached_property
    def tally(self) -> TallyService:
        """This PC's tallies (本机数据), named from the station's own catalogue and staff."""
        return TallyService(sqlite_source(self.engine), self.clock, self.tally_directory)

    @cached_property
    def tally_export(self) -> TallyExportService:
        """统计导出 from the supervisor's page: the CLI's export writers, audited per case."""

        def write(report: TallyReport, file_format: str, out: Path) -> Path:
            return write_export(report, ExportFormat(file_format), out)

        return TallyExportService(self.tally, write, self.print_service.audit)

    @cached_property
    def supervisor_desk(self) -> SupervisorDesk:
        """督查台: this PC's tallies, and the centre's hall/district ones its role allows."""
        centre = None
        secrets = self.secrets
        if secrets is not None:  # start_sync was called: this PC may have a centre
            from zhanhe_counter.adapters.tally.centre_desk import StationCentreTallies

            centre = StationCentreTallies(
                lambda: central_login(self.engine, secrets).sqlalchemy_url()
            )
        return SupervisorDesk(self.tally, self.clock, self.tally_directory, centre)

    def tally_directory(self) -> TallyDirectory:
        """Names of this PC's station, staff, matters and departments for its tallies."""
        window = self.identity.window
        return TallyDirectory(
            stations={
                self.identity.station_id: StationPlace(window=window.name, hall=window.hall.name)
            },
            staff={s.staff_id: s.name for s in self.reference.all_staff()},
            matters={m.id: m.name for m in self.catalogue.matters.values()},
            departments={m.id: m.department for m in self.catalogue.matters.values()},
        )

    # -- sync with the centre ---------------------------------------------------------

    def start_sync(self, secrets: SecretStore) -> str | None:
        """Start the background sync; the Chinese reason when this PC cannot sync yet."""
        if self.sync_worker is not None:
            return None
        self.secrets = secrets
        try:
            places = CasePlaces(
                hall=self.identity.window.hall.id,
                departments={m.id: m.department for m in self.catalogue.matters.values()},
            )
            engine = build_sync_engine(self.engine, secrets, self.clock, __version__, places=places)
            wakeups = build_wakeups(self.engine, secrets)
        except DomainError as error:
            log.warning("sync not started: %s", error)
            return error.user_message
        self.sync_worker = SyncWorker(engine, self.clock, wakeups=wakeups)
        self.intake_gate.open()
        self.store.after_write.append(self.sync_worker.notify_write)
        self.sync_worker.start()
        return None

    def sync_status(self) -> SyncStatus:
        """What the sync bar shows (storage work: call it off the UI thread)."""
        if self.sync_worker is not None:
            return self.sync_worker.status(self.sync_limits)
        return build_status(
            self.sync_outbox.summary(),
            self.sync_limits,
            self.clock.now(),
            online=False,
            configured=False,
        )

    def intake_verdict(self) -> IntakeVerdict:
        """Whether new intake may start: the database is whole and the offline limits allow."""
        if self.health is not None and self.health.state.damaged:
            return self.health.verdict()
        return self.intake_gate()

    def sync_now(self) -> bool:
        if self.sync_worker is None:
            return False
        self.sync_worker.sync_now()
        return True

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.sync_worker is not None:
            self.sync_worker.stop()
        if self.integrity_watch is not None:
            self.integrity_watch.stop()
        if self.backups is not None:
            self.backups.stop()
        self.queue.stop()
        if "supervisor_desk" in self.__dict__:  # built: it may hold a central connection
            self.supervisor_desk.close()
        self.engine.dispose()
        if self.folder_lock is not None:
            self.folder_lock.release()


class _LazyRenderer:
    """The station's renderer, resolved on the first document: the screens that take a
    renderer are built at login, and loading the CJK fonts then would slow every start."""

    def __init__(self, station: Station) -> None:
        self._station = station

    def render_pdf(self, kind: DocumentKind, values: Mapping[str, Any]) -> RenderedDocument:
        return self._station.renderer.render_pdf(kind, values)

    def render_raster(self, kind: DocumentKind, values: Mapping[str, Any]) -> RenderedDocument:
        return self._station.renderer.render_raster(kind, values)


class _StaffNames:
    """Staff id → name for paper (受理人, 告知人): read when a document is built, so a clerk
    added after start is named too."""

    def __init__(self, reference: SqliteReferenceStore) -> None:
        self._reference = reference

    def __call__(self, staff_id: str) -> str | None:
        for staff in self._reference.all_staff():
            if staff.staff_id == staff_id:
                return staff.name
        return None


def build_station(
    data_dir: Path,
    *,
    demo: bool,
    clock: Clock | None = None,
    start_queue: bool = True,
    printers: dict[str, Printer] | None = None,
    secrets: SecretStore | None = None,
) -> Station:
    """Open (and in demo mode, seed) the station in ``data_dir``.

    The database key comes from ``secrets`` (default: the OS keyring), or in demo mode from the
    folder's demo key file (:mod:`zhanhe_counter.adapters.storage.database_key`).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    # The running client (it starts the print queue) holds the folder; one-shot commands that
    # only read or add cases do not need to, SQLite orders their writes.
    folder_lock = DataFolderLock(data_dir) if start_queue else None
    if folder_lock is not None:
        folder_lock.acquire()
    try:
        station = _build_station(
            data_dir,
            demo,
            clock=clock,
            start_queue=start_queue,
            printers=printers,
            secrets=secrets,
            folder_lock=folder_lock,
        )
    except BaseException:
        if folder_lock is not None:
            folder_lock.release()
        raise
    if start_queue:
        _queue_owed_documents(station)
    return station


def _queue_owed_documents(station: Station) -> None:
    """Documents a crash left owed are queued before the first new case (issue 18, Deliver 2).

    Before the screens open, so no new intake of this run can race it; the client holds the
    folder lock, so no other one can either. A failure leaves them owed with the reason, for
    the next start and ``db check``; the station still opens.
    """
    try:
        count = station.dispatcher.recover_owed()
    except DomainError as error:
        log.warning("owed documents not queued at open: %s", error)
        return
    if count:
        log.info("queued the owed documents of %d print actions at open", count)


def _build_station(
    data_dir: Path,
    demo: bool,
    *,
    clock: Clock | None,
    start_queue: bool,
    printers: dict[str, Printer] | None,
    secrets: SecretStore | None,
    folder_lock: DataFolderLock | None,
) -> Station:
    engine = open_station_database(data_dir, demo=demo, secrets_store=secrets)
    health = DatabaseHealth(SqliteIntegrityProbe(engine))
    health.check()  # quick: pages and records; a damaged file stops new intake (below)
    store = SqliteEventStore(engine)
    reference = SqliteReferenceStore(engine)
    SqliteSignatureArchive(engine).absorb_files(data_dir)
    clock = clock or SystemClock()
    if not health.state.damaged:  # never delete from a damaged file: a restore needs it all
        _prune_expired_cases(engine, data_dir, reference, clock)
    if demo:
        _seed_demo(reference)
    if not reference.get_setting(KEY_CENTRAL_URL):
        # Never registered: its own check-code key (a registered one takes the centre's at sync).
        ensure_local_check_key(reference)
    station_id = reference.get_setting("station_id")
    station_code = reference.get_setting("station_code")
    window_id = reference.get_setting("window_id")
    if not (station_id and station_code and window_id):
        raise StationSetupMissing(
            "station settings missing", "本机尚未完成初始设置（站点、窗口）。请先运行初始设置。"
        )
    resources = resources_dir()
    catalogue = load_catalogue(
        Path(
            reference.get_setting("catalogue_file") or resources / "catalogue/sample-matters.yaml"
        ),
        departments=Path(
            reference.get_setting("departments_file") or resources / "catalogue/departments.yaml"
        ),
    ).catalogue
    directory = load_windows(
        Path(reference.get_setting("windows_file") or resources / "windows/sample-windows.yaml"),
        catalogue,
    ).directory
    window = directory.window(window_id)
    identity = StationIdentity(
        station_id=station_id,
        station_code=station_code,
        window=window,
        office_hours=DEFAULT_OFFICE_HOURS,
    )
    calendar = build_work_calendar()
    if printers is None:
        printers = _printers(data_dir, demo)
    roles = PrinterRoles(
        a4=A4_PRINTER if A4_PRINTER in printers else next(iter(printers)),
        ticket=TICKET_PRINTER if TICKET_PRINTER in printers else None,
    )
    queue = SqlitePrintQueue(engine, printers, clock)
    if start_queue:
        queue.start()
    print_service = PrintService(queue, store, audit=AuditTrail(store, clock, identity.station_id))
    sync_outbox = SqliteSyncStatus(engine, identity.station_id)
    sync_limits = load_limits(engine)
    gate = OfflineGate(sync_outbox.summary, sync_limits, clock)
    intake = IntakeService(
        catalogue=catalogue,
        directory=directory,
        station=identity,
        calendar=calendar,
        store=store,
        clock=clock,
        gate=first_stop(health.verdict, gate),
    )
    documents = DocumentService(
        catalogue=catalogue,
        settings=load_document_settings(
            Path(
                reference.get_setting("document_settings_file") or shipped_settings_path(demo=demo)
            )
        ),
        calendar=calendar,
        window=window,
        staff_names=_StaffNames(reference),
        station_settings=reference,
    )
    watch = IdleIntegrityWatch(health)
    store.after_write.append(watch.notify_write)
    if start_queue:  # the long-running counter, not a one-shot command
        watch.start()
    return Station(
        data_dir=data_dir,
        demo=demo,
        engine=engine,
        store=store,
        reference=reference,
        catalogue=catalogue,
        directory=directory,
        calendar=calendar,
        clock=clock,
        identity=identity,
        documents=documents,
        printers=printers,
        printer_roles=roles,
        queue=queue,
        print_service=print_service,
        intake=intake,
        sync_outbox=sync_outbox,
        sync_limits=sync_limits,
        intake_gate=gate,
        health=health,
        integrity_watch=watch,
        folder_lock=folder_lock,
        backups=_backup_schedule(data_dir, engine, reference, secrets) if start_queue else None,
    )


def _backup_schedule(
    data_dir: Path, engine: sa.Engine, reference: SqliteReferenceStore, secrets: SecretStore | None
) -> BackupSchedule | None:
    """Start the scheduled backups if a backup place is configured (``db backup --configure``)."""
    folder = configured_backup_folder(engine)
    if folder is None:
        return None
    raw_hours = reference.get_setting(BACKUP_HOURS_SETTING)
    hours = raw_hours if isinstance(raw_hours, int) and raw_hours > 0 else DEFAULT_BACKUP_HOURS

    def key() -> bytes:
        secret, _made = backup_key(data_dir, secrets_store=secrets, create=True)
        assert secret is not None
        return secret

    schedule = BackupSchedule(
        local_db_path(data_dir),
        database_key(data_dir, secrets_store=secrets),
        key,
        folder,
        hours,
    )
    schedule.start()
    return schedule


def _prune_expired_cases(
    engine: sa.Engine, data_dir: Path, reference: SqliteReferenceStore, clock: Clock
) -> None:
    """At every start: local copies the centre confirmed, past the retention, go (PIPL Art. 19)."""
    from zhanhe_counter.adapters.storage.retention import SqliteCasePruner
    from zhanhe_counter.services.retention import RetentionService

    try:
        RetentionService(SqliteCasePruner(engine, data_dir), reference, clock).prune()
    except DomainError as error:  # e.g. a retention below the minimum: the counter still opens
        log.warning("retention not applied: %s", error)


def open_for_setup(
    data_dir: Path, secrets: SecretStore | None = None
) -> tuple[SqliteReferenceStore, Catalogue, HallDirectory, Callable[[], None]]:
    """What the first-run setup needs, before the station can be built; call the closer after."""
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_station_database(data_dir, demo=False, secrets_store=secrets)
    reference = SqliteReferenceStore(engine)
    catalogue, directory = _reference_data(reference)
    return reference, catalogue, directory, engine.dispose


def _reference_data(reference: SqliteReferenceStore) -> tuple[Catalogue, HallDirectory]:
    """The catalogue and the hall's windows, from the files this PC is configured with."""
    catalogue = load_catalogue(
        _configured(reference, "catalogue_file", "catalogue/sample-matters.yaml"),
        departments=_configured(reference, "departments_file", "catalogue/departments.yaml"),
    ).catalogue
    directory = load_windows(
        _configured(reference, "windows_file", "windows/sample-windows.yaml"), catalogue
    ).directory
    return catalogue, directory


def _configured(reference: SqliteReferenceStore, key: str, packaged: str) -> Path:
    """A data file chosen in this PC's settings, else the packaged sample."""
    value = reference.get_setting(key)
    return Path(value) if value else resources_dir() / packaged


def _printers(data_dir: Path, demo: bool) -> dict[str, Printer]:
    if demo:
        folder = data_dir / "printed"
        return {
            A4_PRINTER: SimulatedPrinter(A4_PRINTER, folder / "a4"),
            TICKET_PRINTER: SimulatedPrinter(TICKET_PRINTER, folder / "ticket"),
        }
    from zhanhe_counter.adapters.printing.printers.config import (
        default_config_path,
        load_printer_configs,
    )
    from zhanhe_counter.adapters.printing.printers.factory import build_printer

    config_path = default_config_path(data_dir)
    if not config_path.exists():
        from zhanhe_counter.adapters.printing.printers.unconfigured import UnconfiguredPrinter

        # Never to files: an applicant's documents would lie unencrypted in the data folder.
        log.warning("no printer configuration at %s; print jobs wait in the queue", config_path)
        return {A4_PRINTER: UnconfiguredPrinter(A4_PRINTER)}
    configs = load_printer_configs(config_path)
    return {name: build_printer(c, base_dir=data_dir) for name, c in configs.items()}


def _seed_demo(reference: SqliteReferenceStore) -> None:
    """Settings and staff of the demo station; existing values are kept."""
    defaults = {
        "station_id": DEMO_STATION_ID,
        "station_code": DEMO_STATION_CODE,
        "window_id": DEMO_WINDOW_ID,
        "demo": True,
    }
    for key, value in defaults.items():
        if reference.get_setting(key) is None:
            reference.set_setting(key, value)
    if reference.all_staff():
        return
    hasher = PasswordHasher()
    password_hash = hasher.hash(DEMO_PASSWORD)
    for staff_id, name, roles in DEMO_STAFF:
        reference.save_staff(
            StaffRecord(staff_id=staff_id, name=name, roles=roles, password_hash=password_hash)
        )


def station_places(engine: sa.Engine) -> CasePlaces:
    """Where this PC's cases belong: its window's hall and each matter's department, from the
    catalogue and windows files its settings name (the samples when none is set)."""
    settings = SqliteReferenceStore(engine)

    def path(key: str, default: str) -> Path:
        return Path(str(settings.get_setting(key) or resources_dir() / default))

    try:
        catalogue = load_catalogue(
            path("catalogue_file", "catalogue/sample-matters.yaml"),
            departments=path("departments_file", "catalogue/departments.yaml"),
        ).catalogue
    except DomainError:
        return CasePlaces()
    departments = {m.id: m.department for m in catalogue.matters.values()}
    hall = None
    window_id = settings.get_setting("window_id")
    if window_id:
        try:
            directory = load_windows(
                path("windows_file", "windows/sample-windows.yaml"), catalogue
            ).directory
            hall = directory.window(str(window_id)).hall.id
        except DomainError:
            hall = None
    return CasePlaces(hall=hall, departments=departments)
