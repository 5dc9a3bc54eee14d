"""Cases written straight into a real central database, as stations and the back office would.

Payloads come from the domain's builders, so every case is one the real state machine accepts;
the applicant carries full personal data (ID number, phone, address, agent) so the tests can
prove none of it leaves through the applicant-facing side.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import uuid6
from psycopg.types.json import Jsonb

from zhanhe_counter.adapters.centre.schema import register_station
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.case_number import make_case_number
from zhanhe_counter.domain.events import EventKind

STATION = "410411-01"
STATION_CODE = "41041101"
ID_NUMBER = "410411199003071234"
PHONE = "13837512345"
ADDRESS = "河南省平顶山市湛河区南环路街道姚孟村3组12号"
NAME = "欧阳明华"
SIGNER = "欧阳明华"
SECRET_FINDINGS = "核查人员在申请人家中看到的情况"

MATTER_CODE = "11410411MB0000001X4000117001"

PERSONAL_VALUES = (ID_NUMBER, PHONE, ADDRESS, SIGNER, SECRET_FINDINGS, "明华", "13837512345")


def applicant() -> Applicant:
    return Applicant(Person(name=NAME, id_number=ID_NUMBER, phone=PHONE, address=ADDRESS))


def admin(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, autocommit=True)


def ensure_station(url: str, station_id: str = STATION) -> None:
    with admin(url) as conn:
        if conn.execute("SELECT 1 FROM station WHERE station_id = %s", (station_id,)).fetchone():
            return
    register_station(url, station_id)


def login_in_role(url: str, role: str) -> str:
    """A new login role, member of ``role``; returns the URL logging in as it."""
    name = f"t_{role}_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    with admin(url) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE {role}")
    host_part = url.split("@", 1)[1]
    return f"postgresql://{name}:{password}@{host_part}"


def add_matter(url: str, matter_id: str = "M-001", name: str = "个体工商户设立登记") -> None:
    with admin(url) as conn:
        conn.execute(
            "INSERT INTO department (department_id, name) VALUES ('D-SCJG', '区市场监督管理局') "
            "ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO catalogue_version (version, imported_at, source, checksum, is_current) "
            "VALUES ('2026.1', now(), 'test', 'x', true) ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO matter (matter_id, version, name, department_id, body) "
            "VALUES (%s, '2026.1', %s, 'D-SCJG', %s) ON CONFLICT DO NOTHING",
            (matter_id, name, Jsonb({"impl_code": MATTER_CODE})),
        )


def add_staff(url: str, staff_id: str = "clerk01", name: str = "李窗口") -> None:
    with admin(url) as conn:
        conn.execute(
            "INSERT INTO staff (staff_id, name, roles, password_hash, updated_at) "
            "VALUES (%s, %s, '[\"counter\"]', 'argon2-secret-hash', now()) ON CONFLICT DO NOTHING",
            (staff_id, name),
        )


_seq = iter(range(1, 10**9))


@dataclass
class CentreCase:
    """One case at the centre; ``step`` appends an event in the case's order."""

    url: str
    case_id: UUID
    number: str
    at: datetime
    station_id: str = STATION
    events: list[UUID] = field(default_factory=list)

    def step(
        self,
        kind: EventKind,
        payload: dict[str, Any],
        *,
        origin: str | None = None,
        after: timedelta = timedelta(hours=1),
        actor: str = "clerk01",
    ) -> UUID:
        self.at = self.at + after
        event_id = uuid6.uuid7()
        origin = origin or self.station_id
        with admin(self.url) as conn:
            conn.execute(
                "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, "
                "occurred_at, service_day, hlc, actor, schema_version, payload) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 1, %s)",
                (
                    event_id,
                    self.case_id,
                    origin,
                    next(_seq),
                    kind.value,
                    self.at,
                    self.at.date(),
                    int(self.at.timestamp() * 1000) << 16,
                    actor,
                    Jsonb(payload),
                ),
            )
        self.events.append(event_id)
        return event_id


def open_case(
    url: str,
    *,
    seq: int | None = None,
    day: date = date(2026, 11, 26),
    consent: bool = True,
    at: datetime | None = None,
    matter_id: str = "M-001",
    station_id: str = STATION,
    flow: payloads.ServiceFlow = payloads.ServiceFlow.RECEIVE_ONLY,
) -> CentreCase:
    """A received case (收件) with full personal data, at the centre."""
    ensure_station(url, station_id)
    number = make_case_number(STATION_CODE, "S", day, seq or (next(_seq) % 9999) + 1)
    case_id = uuid6.uuid7()
    when = at or datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC)
    with admin(url) as conn:
        conn.execute(
            "INSERT INTO case_file (case_id, station_id, matter_id, service_day, created_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            (case_id, station_id, matter_id, day, when),
        )
    case = CentreCase(url, case_id, number, when - timedelta(hours=1), station_id)
    payload = payloads.Received(
        case_number=number,
        matter_id=matter_id,
        applicant=applicant(),
        materials=[payloads.MaterialItem("1", "营业执照申请书", None)],
        flow=flow,
        promised_due=day + timedelta(days=10),
        sms_consent=consent,
    ).to_payload()
    case.step(EventKind.RECEIVED, payload)
    return case
