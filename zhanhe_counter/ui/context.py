"""What the counter window works with (窗口服务): services only, no adapters.

``main.py`` builds a station (``composition.build_station``) and hands it over; the UI sees it
through the read-only :class:`StationServices` protocol, so it never imports an adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from uuid import UUID

from zhanhe_counter.domain.matters import Catalogue
from zhanhe_counter.domain.windows import HallDirectory
from zhanhe_counter.domain.workdays import WorkCalendar
from zhanhe_counter.services.auth import AuthService
from zhanhe_counter.services.backoffice import BackofficeService
from zhanhe_counter.services.case_history import CaseHistoryService
from zhanhe_counter.services.delivery import DeliveryService
from zhanhe_counter.services.document_dispatch import DocumentDispatcher, DocumentPrinter
from zhanhe_counter.services.documents import DocumentRequest, ServiceGuides
from zhanhe_counter.services.followups import FollowupService
from zhanhe_counter.services.intake import IntakeService
from zhanhe_counter.services.materials import MaterialService
from zhanhe_counter.services.matter_search import MatterSearch
from zhanhe_counter.services.my_cases import MyCasesService
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.administration import CentreAdministration
from zhanhe_counter.services.ports.capture import PageSource
from zhanhe_counter.services.ports.printing import RenderedDocument
from zhanhe_counter.services.ports.security import PasswordHasher
from zhanhe_counter.services.ports.storage import EventStore, ReferenceStore
from zhanhe_counter.services.ports.sync import SyncStatusReader
from zhanhe_counter.services.print_service import PrintService
from zhanhe_counter.services.printer_roles import PrinterRoles
from zhanhe_counter.services.privacy import PrivacyService
from zhanhe_counter.services.rating import RatingService
from zhanhe_counter.services.station import StationIdentity
from zhanhe_counter.services.supervision import SupervisorDesk
from zhanhe_counter.services.supplements import SupplementsService
from zhanhe_counter.services.sync_engine import SyncStatus
from zhanhe_counter.services.tally import TallyService
from zhanhe_counter.services.tally_export import TallyExportService


class StationServices(Protocol):
    """The parts of ``composition.Station`` the window uses."""

    @property
    def demo(self) -> bool: ...
    @property
    def data_dir(self) -> Path: ...
    @property
    def intake(self) -> IntakeService: ...
    @property
    def store(self) -> EventStore: ...
    @property
    def reference(self) -> ReferenceStore: ...
    @property
    def catalogue(self) -> Catalogue: ...
    @property
    def directory(self) -> HallDirectory: ...
    @property
    def calendar(self) -> WorkCalendar: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def identity(self) -> StationIdentity: ...
    @property
    def print_service(self) -> PrintService: ...
    @property
    def case_history(self) -> CaseHistoryService: ...
    @property
    def dispatcher(self) -> DocumentDispatcher: ...
    @property
    def printer_roles(self) -> PrinterRoles: ...

    def progress_url(self, case_no: str) -> str: ...

    @property
    def backoffice(self) -> BackofficeService: ...

    @property
    def supplements(self) -> SupplementsService: ...

    @property
    def materials(self) -> MaterialService: ...

    def capture_source(self, camera: Callable[[str | None], PageSource]) -> PageSource: ...

    def sign_document(
        self, case_id: UUID, request: DocumentRequest, signature_png: bytes, actor: str
    ) -> None: ...

    @property
    def delivery(self) -> DeliveryService: ...

    @property
    def rating(self) -> RatingService: ...

    @property
    def followups(self) -> FollowupService: ...

    @property
    def document_printer(self) -> DocumentPrinter: ...

    @property
    def tally(self) -> TallyService: ...

    @property
    def tally_export(self) -> TallyExportService: ...

    @property
    def supervisor_desk(self) -> SupervisorDesk: ...

    @property
    def privacy(self) -> PrivacyService: ...

    @property
    def guides(self) -> ServiceGuides: ...

    @property
    def sync_outbox(self) -> SyncStatusReader: ...

    def sync_status(self) -> SyncStatus: ...

    def sync_now(self) -> bool: ...

    def refresh_reference(self) -> bool: ...

    def accounts_stale(self) -> str | None: ...

    def central_address(self) -> str: ...

    def centre_console(self, admin_url: str, password: str, actor: str) -> CentreAdministration: ...

    def startup_checks(self) -> None: ...

    def warm_up(self) -> None: ...


@dataclass(frozen=True)
class DemoCard:
    """A sample card the demo "taps" with a shortcut (模拟刷卡)."""

    label: str
    tap: Callable[[], None]


@dataclass
class CounterContext:
    """Everything the window calls, built once per login."""

    station: StationServices
    auth: AuthService
    search: MatterSearch
    my_cases: MyCasesService
    demo_cards: Sequence[DemoCard] = field(default_factory=tuple)
    #: Demo: the stored bytes of printed documents, to show in a preview window.
    printed_documents: Callable[[], list[tuple[str, RenderedDocument]]] | None = None

    @classmethod
    def from_station(
        cls,
        station: StationServices,
        hasher: PasswordHasher,
        *,
        demo_cards: Sequence[DemoCard] = (),
    ) -> CounterContext:
        return cls(
            station=station,
            auth=AuthService(
                station.reference, hasher, station.clock, accounts_stale=station.accounts_stale
            ),
            search=MatterSearch(station.catalogue, station.identity.window, station.directory),
            my_cases=MyCasesService(
                station.store,
                station.calendar,
                station.clock,
                station.catalogue,
                station_id=station.identity.station_id,
            ),
            demo_cards=tuple(demo_cards),
        )

    @property
    def window_title(self) -> str:
        window = self.station.identity.window
        return f"{window.hall.name} · {window.name}（{window.kind.value}）"
