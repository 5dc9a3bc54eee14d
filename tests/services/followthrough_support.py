"""Shared set-up of the follow-through tests: a demo station on a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.adapters.storage.events_by_kind import SqliteEventsByKind
from zhanhe_counter.adapters.storage.signature_tables import SqliteSignatureArchive
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.case import CaseState
from zhanhe_counter.domain.checklist import MaterialRecord
from zhanhe_counter.services.backoffice import BackofficeService
from zhanhe_counter.services.delivery import DeliveryService
from zhanhe_counter.services.document_dispatch import DocumentPrinter
from zhanhe_counter.services.followups import FollowupService
from zhanhe_counter.services.intake import IntakeRequest, new_action
from zhanhe_counter.services.rating import RatingService
from zhanhe_counter.services.station import Staff
from zhanhe_counter.services.supplements import SupplementsService
from zhanhe_counter.ui.backoffice.context import FollowthroughServices

#: Thursday 26 November 2026, 09:30 at the counter: a working day, morning session.
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=CHINA_TIME)
CLERK = Staff("zhangmin", "张敏")
REVIEWER = Staff("wangqiang", "王强")
DELIVERY_CLERK = Staff("lina", "李娜")
APPLICANT_ID = "410411195001011239"
AGENT_ID = "410411198803150015"
APPLICANT = Applicant(Person(name="刘䶮", id_number=APPLICANT_ID, phone="13800001234"))
WITH_AGENT = Applicant(
    Person(name="刘䶮", id_number=APPLICANT_ID, phone="13800001234"),
    agent=Person(name="王五", id_number=AGENT_ID),
)


class MovableClock:
    """The ``Clock`` port on a time the test sets; nothing ever sleeps."""

    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.current = moment


@dataclass
class Followthrough:
    """A demo station with every follow-through service wired to it."""

    station: Station
    clock: MovableClock
    backoffice: BackofficeService
    supplements: SupplementsService
    delivery: DeliveryService
    rating: RatingService
    followups: FollowupService

    def open_case(
        self,
        matter_id: str,
        missing: Iterable[int] = (),
        applicant: Applicant = APPLICANT,
    ) -> CaseState:
        """Open a case through the real intake at the demo window."""
        matter = self.station.catalogue.matter(matter_id)
        gone = set(missing)
        records = {
            m.name: MaterialRecord.missing() if n in gone else MaterialRecord.as_required(m)
            for n, m in enumerate(matter.materials, start=1)
        }
        request = IntakeRequest(
            action=new_action(),
            matter_id=matter_id,
            applicant=applicant,
            records=records,
            clerk=CLERK,
        )
        return self.station.intake.commit(request).case

    def ready_for_delivery(
        self,
        matter_id: str = "ZH-005",
        *,
        applicant: Applicant = APPLICANT,
        missing: Iterable[int] = (),
    ) -> CaseState:
        """A 当场收件 case taken through acceptance, approval, certificate and handover."""
        case = self.open_case(matter_id, missing, applicant)
        if case.outstanding_rongque:
            self.supplements.receive(
                case.case_id, [i.material_id for i in case.outstanding_rongque], CLERK.staff_id
            )
        self.backoffice.accept(case.case_id, REVIEWER.staff_id)
        self.backoffice.approve(case.case_id, REVIEWER.staff_id)
        self.backoffice.make_certificate(
            case.case_id, REVIEWER.staff_id, certificate_number="ZH2026-0001"
        )
        return self.backoffice.hand_to_delivery(case.case_id, REVIEWER.staff_id).case


def build_followthrough(data_dir: Path, clock: MovableClock | None = None) -> Followthrough:
    clock = clock or MovableClock()
    station = build_station(data_dir, demo=True, clock=clock, start_queue=False)
    return Followthrough(
        station=station,
        clock=clock,
        backoffice=BackofficeService(
            store=station.store,
            catalogue=station.catalogue,
            calendar=station.calendar,
            clock=clock,
            station=station.identity,
            documents=station.documents,
        ),
        supplements=SupplementsService(
            store=station.store,
            catalogue=station.catalogue,
            calendar=station.calendar,
            clock=clock,
            station_id=station.identity.station_id,
        ),
        delivery=DeliveryService(
            store=station.store,
            catalogue=station.catalogue,
            clock=clock,
            station_id=station.identity.station_id,
            documents=station.documents,
            signatures=SqliteSignatureArchive(station.engine),
        ),
        rating=RatingService(
            store=station.store, catalogue=station.catalogue, clock=clock, station=station.identity
        ),
        followups=FollowupService(
            store=station.store,
            events=SqliteEventsByKind(station.engine),
            catalogue=station.catalogue,
            calendar=station.calendar,
            clock=clock,
            station_id=station.identity.station_id,
        ),
    )


def followthrough_services(ft: Followthrough, staff: Staff) -> FollowthroughServices:
    """The bundle the follow-through screens take, for ``staff``."""
    return FollowthroughServices(
        backoffice=ft.backoffice,
        supplements=ft.supplements,
        delivery=ft.delivery,
        rating=ft.rating,
        followups=ft.followups,
        printer=DocumentPrinter(
            renderer=ft.station.renderer,
            print_service=ft.station.print_service,
            printers=ft.station.printer_roles,
        ),
        catalogue=ft.station.catalogue,
        clock=ft.clock,
        staff=staff,
        audit=ft.station.print_service.audit,
        staff_names=lambda: {s.staff_id: s.name for s in ft.station.reference.all_staff()},
    )
