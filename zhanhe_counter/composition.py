"""Composition of one counter station (组装): the adapters and services for a data folder.

Used by both entry points: ``main`` (the GUI adds the Qt pieces on top) and ``cli`` (e.g.
``demo-data``). Nothing here imports Qt. Demo mode seeds the sample catalogue, windows and demo
staff into a fresh data folder and uses simulated printers whose output lands in ``printed/``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from zhanhe_counter import __version__
from zhanhe_counter.adapters.calendar import build_work_calendar
from zhanhe_counter.adapters.calendar.office_hours import load_office_hours
from zhanhe_counter.adapters.catalogue import load_catalogue, load_windows
from zhanhe_counter.adapters.clock import SystemClock
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
from zhanhe_counter.adapters.storage.central_reference import CentralReference, central_reference
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
from zhanhe_counter.domain.china_time import china_date
from zhanhe_counter.domain.document_settings import DocumentSettings
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.windows import HallDirectory, UnknownWindow, WindowConfig
from zhanhe_counter.domain.workdays import OfficeHours, WorkCalendar
from zhanhe_counter.services.backoffice import BackofficeService
from zhanhe_counter.services.case_history import CaseHistoryService
from zhanhe_counter.services.delivery import DeliveryService
from zhanhe_counter.services.document_dispatch import DocumentDispatcher, DocumentPrinter
from zhanhe_counter.services.documents import DocumentRequest, DocumentService, ServiceGuides
from zhanhe_counter.services.followups import FollowupService, rectify_days_from
from zhanhe_counter.services.intake import IntakeService
from zhanhe_counter.services.integrity import DatabaseHealth, IdleIntegrityWatch, first_stop
from zhanhe_counter.services.materials import (
    MaterialService,
    MaterialUploadWorker,
    SigningService,
)
from zhanhe_counter.services.offline_limits import (
    IntakeVerdict,
    OfflineGate,
    OfflineLimits,
    stale_accounts,
)
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.administration import CentreAdministration
from zhanhe_counter.services.ports.capture import PageSource
from zhanhe_counter.services.ports.printing import DocumentRenderer, Printer, RenderedDocument
from zhanhe_counter.services.ports.storage import StaffRecord
from zhanhe_counter.services.ports.sync import CasePlaces, SecretStore
from zhanhe_counter.services.print_service import PrintService
from zhanhe_counter.services.printer_roles import PrinterRoles
from zhanhe_counter.services.privacy import AuditTrail, PrivacyService
from zhanhe_counter.services.progress_link import ensure_local_check_key
from zhanhe_counter.services.rating import RatingService
from zhanhe_counter.services.reference_audit import record_taken_up
from zhanhe_counter.services.setup import SETUP_SETTING, SetupService, StationSetup
from zhanhe_counter.services.station import StationIdentity
from zhanhe_counter.services.supervision import SupervisorDesk
from zhanhe_counter.services.supplements import SupplementsService
from zhanhe_counter.services.sync_engine import SyncStatus, build_status
from zhanhe_counter.services.sync_worker import SyncWorker
from zhanhe_counter.services.tally import StationPlace, TallyDirectory, TallyReport, TallyService
from zhanhe_counter.services.tally_export import TallyExportService

log = logging.getLogger(__name__)

#: The station setting naming this counter's capture device (docs/materials.md).
CAPTURE_SETTING = "capture_device"

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
#: Winter hours of a Henan county hall (docs/domain.md, Office hours), used all year until the
#: centre publishes office hours (``zhanhe-admin central publish office_hours``).
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
    material_upload: MaterialUploadWorker | None = None  # started with the sync
    #: The database's integrity (quick check at open, full check when idle); stops intake.
    health: DatabaseHealth | None = None
    integrity_watch: IdleIntegrityWatch | None = None
    #: Held while this client runs on the folder (one counter client per data folder).
    folder_lock: DataFolderLock | None = None
    #: Scheduled encrypted backups to the configured second place (None: none configured).
    backups: BackupSchedule | None = None
    #: Which reference data the station runs on (versions from the centre, or local files).
    reference_fingerprint: tuple[Any, ...] = ()
    #: The keyring the centre's password is read from; set by start_sync (None: not yet).
    secrets: SecretStore | None = None
    _closed: bool = field(default=False, repr=False)

    def refresh_reference(self) -> bool:
        """Take up reference data a pull brought (new catalogue, windows, settings, holidays…).

        Called at login: what the centre published takes effect without a restart. Returns
        whether anything changed; the services built on the old data are rebuilt on first use.
        """
        try:
            sources = reference_sources(
                self.engine, self.data_dir, self.reference, self.clock, demo=self.demo
            )
            if sources.fingerprint == self.reference_fingerprint:
                return False  # the usual case: nothing is loaded again
            loaded = load_reference_from(sources, self.reference)
        except DomainError as error:  # keep working on what loaded before
            log.error("new reference data not taken up: %s", error)
            return False
        log.info("reference data changed: %s", loaded.fingerprint)
        record_taken_up(self.reference, loaded.versions, self.clock.now())
        self.reference_fingerprint = loaded.fingerprint
        self.catalogue, self.directory, self.calendar = (
            loaded.catalogue,
            loaded.directory,
            loaded.calendar,
        )
        self.identity = replace(
            self.identity, window=loaded.window, office_hours=loaded.office_hours
        )
        self.documents = _document_service(loaded, self.reference)
        # In place: the screens hold the intake service they were built with.
        self.intake.catalogue, self.intake.directory = loaded.catalogue, loaded.directory
        self.intake.station, self.intake.calendar = self.identity, loaded.calendar
        self.intake.catalogue_version = loaded.catalogue_version
        for name in _REFERENCE_BOUND:
            self.__dict__.pop(name, None)
        return True

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
            owed=SqliteOwedDocuments(self.engine, self.clock),
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
    def materials(self) -> MaterialService:
        """材料影像: pages captured for checklist rows, kept encrypted with the case."""
        from zhanhe_counter.adapters.capture.imaging import PillowImaging
        from zhanhe_counter.adapters.storage.material_store import SqliteMaterialPages

        return MaterialService(
            store=self.store,
            pages=SqliteMaterialPages(self.engine),
            imaging=PillowImaging(),
            clock=self.clock,
            station_id=self.identity.station_id,
        )

    @cached_property
    def signing(self) -> SigningService:
        """签署文书: pledges and receipts signed on the pad, kept with the case."""
        from zhanhe_counter.adapters.printing.signed_pdf import OverlayPdfSigner
        from zhanhe_counter.adapters.storage.material_store import SqliteMaterialPages

        return SigningService(
            store=self.store,
            pages=SqliteMaterialPages(self.engine),
            signer=OverlayPdfSigner(),
            clock=self.clock,
            station_id=self.identity.station_id,
        )

    def sign_document(
        self, case_id: UUID, request: DocumentRequest, signature_png: bytes, actor: str
    ) -> None:
        """Render ``request`` as printed, sign it with the pad's image and keep it with the case
        (docs/materials.md)."""
        rendered = self.renderer.render_pdf(request.kind, request.values)
        self.signing.sign(case_id, request.kind.value, rendered.content, signature_png, actor)

    def capture_source(self, camera: Callable[[str | None], PageSource]) -> PageSource:
        """The device that captures at this counter, by the setting ``capture_device``:
        ``sane:<device>`` a SANE scanner (its feeder), ``camera[:<name>]`` the document camera
        (``camera`` builds it: it lives in the UI), ``simulated`` or the demo the simulated
        camera. Unset means the document camera (docs/materials.md)."""
        from zhanhe_counter.adapters.capture.sane_scanner import SaneScanner
        from zhanhe_counter.adapters.capture.simulated_camera import SimulatedCamera

        value = str(self.reference.get_setting(CAPTURE_SETTING) or "").strip()
        if value.startswith("sane:"):
            return SaneScanner(value.removeprefix("sane:"), adf=True)
        if value == "simulated" or (self.demo and not value):
            return SimulatedCamera()
        return camera(value.removeprefix("camera").removeprefix(":") or None)

    @cached_property
    def delivery(self) -> DeliveryService:
        return DeliveryService(
            store=self.store,
            catalogue=self.catalogue,
            clock=self.clock,
            station_id=self.identity.station_id,
            documents=self.documents,
            signatures=SqliteSignatureArchive(self.engine),
            owed=SqliteOwedDocuments(self.engine, self.clock),
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
            owed=SqliteOwedDocuments(self.engine, self.clock),
        )

    @cached_property
    def guides(self) -> ServiceGuides:
        """办事指南 of the catalogue's matters, with this hall's phones."""
        return ServiceGuides(
            catalogue=self.catalogue,
            settings=self.documents.settings,
            hall=self.identity.window.hall,
            clock=self.clock,
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
            # openpyxl and reportlab's layout engine load on the first export, not at start.
            from zhanhe_counter.adapters.export import ExportFormat, write_export

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

    # -- after the window shows ------------------------------------------------------

    def startup_checks(self) -> None:
        """What a start owes before the first new case but not before the window: the quick
        check of the file, the retention pass and the documents a crash left owed.

        The counter (``build_station(..., startup_checks=False)``) runs this as the first job
        on its window's storage thread, so any intake the clerk starts queues behind it: no new
        case is written before the check has had its say or races the owed documents.
        """
        if self.health is not None:
            self.health.check()  # quick: pages and records; a damaged file stops new intake
            if not self.health.state.damaged:  # never delete from a damaged file
                _prune_expired_cases(self.engine, self.data_dir, self.reference, self.clock)
        if self.folder_lock is not None:  # the running client, not a one-shot command
            _queue_owed_documents(self)

    def warm_up(self) -> None:
        """Load what the first document would otherwise load while an applicant waits: the
        fonts and templates, and one throwaway render of each template (the window warms its
        matter search beside it). For a background thread once the window shows; storage is
        not touched."""
        from zhanhe_counter.adapters.printing.pdf import FormRenderer

        renderer = self.renderer
        if isinstance(renderer, FormRenderer):
            renderer.warm_up()

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
        self._start_material_upload(secrets, self.sync_worker)
        self._start_password_relay(secrets, self.sync_worker)
        return None

    def _start_password_relay(self, secrets: SecretStore, sync_worker: SyncWorker) -> None:
        """Passwords changed at this counter go to the centre after each sync session."""
        from zhanhe_counter.adapters.sync.password_channel import PostgresPasswordChannel
        from zhanhe_counter.adapters.sync.station_config import central_login
        from zhanhe_counter.services.password_relay import PasswordRelay

        channel = PostgresPasswordChannel(central_login(self.engine, secrets))
        sync_worker.subscribe(PasswordRelay(self.reference, channel).after_session)

    def _start_material_upload(self, secrets: SecretStore, sync_worker: SyncWorker) -> None:
        """材料影像 go to the centre after each sync session (their cases go first)."""
        from zhanhe_counter.adapters.storage.material_store import SqliteMaterialPages
        from zhanhe_counter.adapters.sync.material_upload import PostgresMaterialChannel
        from zhanhe_counter.adapters.sync.station_config import central_login

        address = central_login(self.engine, secrets)
        channel = PostgresMaterialChannel(address)
        # Its own connection: the viewer reads on the storage thread, the upload on its own.
        self.materials.remote = PostgresMaterialChannel(address, "zhanhe-counter-viewer")
        self.material_upload = MaterialUploadWorker(channel, SqliteMaterialPages(self.engine))
        sync_worker.subscribe(self.material_upload.kick)
        self.material_upload.start()

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

    def central_address(self) -> str:
        """The centre this PC syncs with, without login ("" when never registered)."""
        return str(self.reference.get_setting(KEY_CENTRAL_URL) or "")

    def centre_console(self, admin_url: str, password: str, actor: str) -> CentreAdministration:
        """The 管理 page's connection to the centre, on an administrator's login (never
        stored); ``actor`` is who the governance log names."""
        from dataclasses import replace as with_field

        from zhanhe_counter.adapters.sync.connection import parse_central_url
        from zhanhe_counter.publishing import CentreConsole

        address = parse_central_url(admin_url)
        if password:
            address = with_field(address, password=password)
        return CentreConsole(address.url(with_password=True), actor, self.clock)

    def accounts_stale(self) -> str | None:
        """Why logins stop: a registered PC that has not pulled the staff list for longer than
        its offline limit cannot know which accounts the centre disabled (None: they go on)."""
        if not self.reference.get_setting(KEY_CENTRAL_URL):
            return None
        return stale_accounts(self.sync_outbox.summary(), self.sync_limits, self.clock.now())

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
        if self.material_upload is not None:
            self.material_upload.stop()
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


#: The services built on first use from the catalogue, calendar or window: rebuilt after a change.
_REFERENCE_BOUND = (
    "backoffice",
    "supplements",
    "delivery",
    "rating",
    "followups",
    "case_history",
    "dispatcher",
)


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
    startup_checks: bool = True,
) -> Station:
    """Open (and in demo mode, seed) the station in ``data_dir``.

    The database key comes from ``secrets`` (default: the OS keyring), or in demo mode from the
    folder's demo key file (:mod:`zhanhe_counter.adapters.storage.database_key`).
    ``startup_checks=False`` leaves :meth:`Station.startup_checks` to the caller (the counter
    window runs it once it shows).
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
    if startup_checks:
        station.startup_checks()
    return station


def _queue_owed_documents(station: Station) -> None:
    """Documents a crash left owed are queued before the first new case (issue 18, Deliver 2).

    Before any new intake of this run (first on the window's storage thread, see
    ``Station.startup_checks``), so none can race it; the client holds the folder lock, so no
    other one can either. A failure leaves them owed with the reason, for
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
    health = DatabaseHealth(SqliteIntegrityProbe(engine))  # checked in Station.startup_checks
    store = SqliteEventStore(engine)
    reference = SqliteReferenceStore(engine)
    SqliteSignatureArchive(engine).absorb_files(data_dir)
    clock = clock or SystemClock()
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
    loaded = load_reference(engine, data_dir, reference, clock, demo=demo)
    record_taken_up(reference, loaded.versions, clock.now())
    identity = StationIdentity(
        station_id=station_id,
        station_code=station_code,
        window=loaded.window,
        office_hours=loaded.office_hours,
    )
    catalogue, directory, calendar = loaded.catalogue, loaded.directory, loaded.calendar
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
    intake.catalogue_version = loaded.catalogue_version
    documents = _document_service(loaded, reference)
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
        reference_fingerprint=loaded.fingerprint,
    )


def _document_service(loaded: LoadedReference, reference: SqliteReferenceStore) -> DocumentService:
    return DocumentService(
        catalogue=loaded.catalogue,
        settings=loaded.document_settings,
        calendar=loaded.calendar,
        window=loaded.window,
        staff_names=_StaffNames(reference),
        station_settings=reference,
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
    sources = reference_sources(engine, data_dir, reference, SystemClock())
    catalogue, directory = _catalogue_and_windows(sources)
    return reference, catalogue, directory, engine.dispose


# -- reference data: the centre's published versions, or this PC's files -----------------------


@dataclass(frozen=True)
class ReferenceSources:
    """Where this station's reference data come from.

    On a registered station, each kind the centre published (catalogue, departments, windows,
    document settings, office hours) is the version in effect today, materialised in the data
    folder (``adapters/storage/central_reference.py``); the centre's holiday overrides join the
    calendar. A kind the centre never published, and everything on a station never registered
    (the demo, a fresh PC), comes from the files its settings name, else the packaged samples.
    """

    catalogue: Path
    departments: Path
    windows: Path
    document_settings: Path
    office_hours: Path | None
    central_days: Mapping[date, tuple[bool, str]]
    #: kind → version, for the kinds the centre supplies (empty: all local).
    versions: Mapping[str, str]

    @property
    def fingerprint(self) -> tuple[Any, ...]:
        return (
            tuple(sorted(self.versions.items())),
            tuple(sorted(self.central_days.items())),
            self.catalogue,
            self.departments,
            self.windows,
            self.document_settings,
        )

    @property
    def windows_from_centre(self) -> bool:
        return "windows" in self.versions


def reference_sources(
    engine: sa.Engine,
    data_dir: Path,
    reference: SqliteReferenceStore,
    clock: Clock,
    *,
    demo: bool = False,
) -> ReferenceSources:
    """The reference files in effect today: the centre's where it published them."""
    central = (
        central_reference(engine, data_dir, china_date(clock.now()))
        if reference.get_setting(KEY_CENTRAL_URL)
        else CentralReference()
    )

    def pick(kind: str, setting: str, packaged: Path) -> Path:
        local = reference.get_setting(setting)
        return central.file(kind) or (Path(str(local)) if local else packaged)

    resources = resources_dir()
    return ReferenceSources(
        catalogue=pick("catalogue", "catalogue_file", resources / "catalogue/sample-matters.yaml"),
        departments=pick(
            "departments", "departments_file", resources / "catalogue/departments.yaml"
        ),
        windows=pick("windows", "windows_file", resources / "windows/sample-windows.yaml"),
        document_settings=pick(
            "document_settings", "document_settings_file", shipped_settings_path(demo=demo)
        ),
        office_hours=central.file("office_hours"),
        central_days={d: (h.is_workday, h.name) for d, h in central.holidays.items()},
        versions=dict(central.versions),
    )


class WindowNotConfigured(DomainError):
    """The window this PC is set up for is in neither the setup nor the windows in use."""


@dataclass(frozen=True)
class LoadedReference:
    """The reference data a station runs on, loaded from its sources."""

    catalogue: Catalogue
    directory: HallDirectory
    window: WindowConfig
    calendar: WorkCalendar
    office_hours: OfficeHours
    document_settings: DocumentSettings
    fingerprint: tuple[Any, ...]
    #: The centre's catalogue version in use; None while this PC's own file is.
    catalogue_version: str | None = None
    #: The centre's version in use of each kind it published (the others are this PC's files).
    versions: Mapping[str, str] = field(default_factory=dict)


def load_reference(
    engine: sa.Engine,
    data_dir: Path,
    reference: SqliteReferenceStore,
    clock: Clock,
    *,
    demo: bool,
) -> LoadedReference:
    """Load the catalogue, windows (with this PC's setup applied), calendar, office hours and
    document settings from :func:`reference_sources`."""
    return load_reference_from(
        reference_sources(engine, data_dir, reference, clock, demo=demo), reference
    )


def load_reference_from(
    sources: ReferenceSources, reference: SqliteReferenceStore
) -> LoadedReference:
    catalogue, directory = _catalogue_and_windows(sources)
    directory, window = _this_window(reference, catalogue, directory, sources)
    return LoadedReference(
        catalogue=catalogue,
        directory=directory,
        window=window,
        calendar=build_work_calendar(central_days=sources.central_days),
        office_hours=(
            load_office_hours(sources.office_hours)
            if sources.office_hours is not None
            else DEFAULT_OFFICE_HOURS
        ),
        document_settings=load_document_settings(sources.document_settings),
        fingerprint=sources.fingerprint,
        catalogue_version=sources.versions.get("catalogue"),
        versions=dict(sources.versions),
    )


def _catalogue_and_windows(sources: ReferenceSources) -> tuple[Catalogue, HallDirectory]:
    catalogue = load_catalogue(sources.catalogue, departments=sources.departments).catalogue
    return catalogue, load_windows(sources.windows, catalogue).directory


def _this_window(
    reference: SqliteReferenceStore,
    catalogue: Catalogue,
    directory: HallDirectory,
    sources: ReferenceSources,
) -> tuple[HallDirectory, WindowConfig]:
    """This PC's window. The first-run setup (its matters, kind, a window of its own) applies
    while the windows are this PC's files; once the centre publishes windows, the centre's
    configuration of the window governs and the setup only names which window it is."""
    window_id = str(reference.get_setting("window_id"))
    setup = StationSetup.from_setting(reference.get_setting(SETUP_SETTING))
    if setup is not None and setup.window_id == window_id and not sources.windows_from_centre:
        service = SetupService(reference, catalogue, directory)
        try:
            window = service.window_config(setup)
        except StopIteration:  # its hall is gone from the windows file
            log.warning("setup of window %s names an unknown hall %s", window_id, setup.hall_id)
        else:
            return service.directory_with(window), window
    try:
        return directory, directory.window(window_id)
    except UnknownWindow as error:
        where = "中心下发的窗口配置" if sources.windows_from_centre else "窗口配置文件"
        raise WindowNotConfigured(
            f"window {window_id!r} is not in {sources.windows}",
            f"本机设置的窗口“{window_id}”不在{where}中，无法开始办件。"
            "请管理员在中心添加该窗口，或重新运行本机初始设置选择现有窗口。",
        ) from error


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
    """Settings and staff of the demo station; existing values are kept.

    The demo accounts' password is printed on the login dialog, so their hashes use the fast
    parameters (``main`` checks demo logins with the same): the full ones cost 0.3–0.75 s
    of every demo start and protect nothing here.
    """
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
    from zhanhe_counter.adapters.security import Argon2PasswordHasher

    password_hash = Argon2PasswordHasher(fast=True).hash(DEMO_PASSWORD)
    for staff_id, name, roles in DEMO_STAFF:
        reference.save_staff(
            StaffRecord(staff_id=staff_id, name=name, roles=roles, password_hash=password_hash)
        )


def station_catalogue(engine: sa.Engine, data_dir: Path | None = None) -> Catalogue | None:
    """The catalogue this station runs on (the centre's once pulled, else its files or the
    samples); None when it cannot be read."""
    settings = SqliteReferenceStore(engine)
    folder = data_dir if data_dir is not None else Path(str(engine.url.database)).parent
    try:
        sources = reference_sources(engine, folder, settings, SystemClock(), demo=False)
        return _catalogue_and_windows(sources)[0]
    except DomainError:
        return None


def station_places(engine: sa.Engine, data_dir: Path | None = None) -> CasePlaces:
    """Where this PC's cases belong: its window's hall and each matter's department, from the
    reference data it runs on (the centre's once pulled, else its files or the samples)."""
    catalogue = station_catalogue(engine, data_dir)
    if catalogue is None:
        return CasePlaces()
    settings = SqliteReferenceStore(engine)
    folder = data_dir if data_dir is not None else Path(str(engine.url.database)).parent
    try:
        hall: str | None = load_reference(
            engine, folder, settings, SystemClock(), demo=False
        ).window.hall.id
    except DomainError:
        hall = None
    return CasePlaces(
        hall=hall, departments={m.id: m.department for m in catalogue.matters.values()}
    )
