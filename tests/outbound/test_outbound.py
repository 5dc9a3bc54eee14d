"""SMS notices and 好差评 records, from real case events at a real centre to the simulators."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests import pg
from tests.centre_cases import (
    MATTER_CODE,
    NAME,
    PERSONAL_VALUES,
    CentreCase,
    add_matter,
    add_staff,
    admin,
    login_in_role,
    open_case,
)
from zhanhe_counter.adapters.centre.outbound_store import PostgresOutboundStore
from zhanhe_counter.adapters.province.simulator import SimulatedProvince
from zhanhe_counter.adapters.sms.aliyun import AliyunSmsConfig, AliyunSmsGateway
from zhanhe_counter.adapters.sms.simulator import SimulatedSmsGateway
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.check_code import check_code
from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.outbound import (
    OutboundScanner,
    OutboundSender,
    OutboundSettings,
    SendReport,
)
from zhanhe_counter.services.ports.outbound import Channel, Gateway

pg_cluster = pg.pg_cluster
central_url = pg.central_url


class SetClock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


@dataclass
class Centre:
    url: str
    store: PostgresOutboundStore
    sms: SimulatedSmsGateway
    province: SimulatedProvince
    scanner: OutboundScanner
    clock: SetClock
    key: bytes

    def sender(self, gateways: dict[Channel, Gateway] | None = None, **kw: Any) -> OutboundSender:
        chosen = gateways or {Channel.SMS: self.sms, Channel.PROVINCE: self.province}
        return OutboundSender(self.store, chosen, self.clock, **kw)

    def round(self, at: datetime, sender: OutboundSender | None = None) -> SendReport:
        self.clock.at = at
        self.scanner.run_once()
        return (sender or self.sender()).run_once()

    def rows(self) -> dict[str, tuple[str, int]]:
        with admin(self.url) as conn:
            found = conn.execute(
                "SELECT message_key, state, attempts FROM outbound_message"
            ).fetchall()
        return {key: (state, attempts) for key, state, attempts in found}

    def sms_keys(self) -> list[str]:
        return [r["key"] for r in self.sms.journal.records()]


@pytest.fixture
def centre(central_url: str, tmp_path: Path) -> Iterator[Centre]:
    add_matter(central_url)
    add_staff(central_url)
    store = PostgresOutboundStore(login_in_role(central_url, "zhanhe_outbound"))
    key = store.check_key()
    settings = OutboundSettings(check_key=key)
    yield Centre(
        central_url,
        store,
        SimulatedSmsGateway(tmp_path / "sim"),
        SimulatedProvince(tmp_path / "sim"),
        OutboundScanner(store, settings),
        SetClock(datetime(2026, 11, 26, tzinfo=UTC)),
        key,
    )
    store.close()


def decided_and_handed(case: CentreCase) -> None:
    case.step(
        EventKind.ACCEPTED,
        payloads.Accepted(promised_due=date(2026, 12, 4)).to_payload(),
        origin="central",
    )
    case.step(EventKind.DECIDED, payloads.Decided(True).to_payload(), origin="central")
    case.step(
        EventKind.HANDED_TO_DELIVERY, payloads.HandedToDelivery().to_payload(), origin="central"
    )


def delivered(case: CentreCase) -> None:
    case.step(
        EventKind.DELIVERED,
        payloads.Delivered(mode=payloads.DeliveryMode.PICKUP, signer=NAME).to_payload(),
    )


def rated(case: CentreCase, level: int = 2) -> None:
    reasons = ["等候时间长"] if level < 3 else []
    case.step(
        EventKind.RATED,
        payloads.Rated(
            level,
            tuple(reasons),
            case_number=case.number,
            matter_id="M-001",
            staff_id="clerk01",
            window_id="W02",
            channel="窗口评价器",
        ).to_payload(),
        actor="applicant@W02",
    )


def test_a_consenting_applicant_gets_each_notice_once(centre: Centre) -> None:
    case = open_case(centre.url)
    decided_and_handed(case)
    soon = case.at + timedelta(minutes=1)
    report = centre.round(soon)
    assert report.sent == 2
    keys = centre.sms_keys()
    assert keys == [f"sms:accepted:{case.case_id}", f"sms:result_ready:{case.case_id}"]
    delivered(case)
    # The invitation to rate waits three days after 办结, and goes then, once.
    assert centre.round(soon).sent == 0
    assert centre.rows()[f"sms:rating_invite:{case.case_id}"] == ("pending", 0)
    assert centre.round(case.at + timedelta(days=3, minutes=1)).sent == 1
    assert centre.round(case.at + timedelta(days=4)).sent == 0
    records = centre.sms.journal.records()
    assert [r["template"] for r in records] == ["accepted", "result_ready", "rating_invite"]
    code = check_code(centre.key, case.number)
    assert f"no={case.number}&c={code}" in records[0]["text"]
    assert "2026年12月4日前办结" in records[0]["text"]
    assert "统一出件窗口" in records[1]["text"]
    assert records[0]["phone"] == "138****2345"
    # Settled rows keep the number masked only.
    with admin(centre.url) as conn:
        phones = conn.execute("SELECT payload ->> 'phone' FROM outbound_message").fetchall()
    assert phones == [("138****2345",)] * 3


def test_no_consent_no_sms(centre: Centre) -> None:
    case = open_case(centre.url, consent=False)
    decided_and_handed(case)
    centre.round(case.at + timedelta(days=5))
    assert centre.rows() == {}
    assert centre.sms_keys() == []


def test_the_supplement_reminder_comes_two_days_before_the_deadline(centre: Centre) -> None:
    case = open_case(centre.url)
    case.step(
        EventKind.NOTIFIED_ONCE,
        payloads.NotifiedOnce(
            items=[payloads.MaterialItem("3", "经营场所证明", None)], deadline=date(2026, 12, 8)
        ).to_payload(),
    )
    due = datetime(2026, 12, 6, 9, 0, tzinfo=CHINA_TIME)
    assert centre.round(due - timedelta(minutes=1)).sent == 0
    assert centre.round(due).sent == 1
    [record] = centre.sms.journal.records()
    assert record["template"] == "supplement_due"
    assert "2026年12月8日前补齐" in record["text"]


def test_a_supplement_in_time_cancels_the_reminder(centre: Centre) -> None:
    case = open_case(centre.url)
    case.step(
        EventKind.NOTIFIED_ONCE,
        payloads.NotifiedOnce(
            items=[payloads.MaterialItem("3", "经营场所证明", None)], deadline=date(2026, 12, 8)
        ).to_payload(),
    )
    centre.round(case.at + timedelta(minutes=1))
    key = f"sms:supplement_due:{case.case_id}:notified_once"
    assert centre.rows()[key] == ("pending", 0)
    case.step(
        EventKind.SUPPLEMENT_RECEIVED, payloads.SupplementReceived(material_ids=["3"]).to_payload()
    )
    centre.round(datetime(2026, 12, 7, tzinfo=UTC))
    assert centre.rows()[key] == ("cancelled", 0)
    assert centre.sms_keys() == []
    with admin(centre.url) as conn:
        [(phone,)] = conn.execute("SELECT payload ->> 'phone' FROM outbound_message").fetchall()
    assert phone == "138****2345"


def test_a_rating_cancels_the_invitation_and_goes_to_the_province(centre: Centre) -> None:
    case = open_case(centre.url)
    decided_and_handed(case)
    delivered(case)
    centre.round(case.at + timedelta(minutes=1))
    rated(case, level=2)
    centre.round(case.at + timedelta(days=4))
    rows = centre.rows()
    assert rows[f"sms:rating_invite:{case.case_id}"] == ("cancelled", 0)
    [forwarded] = centre.province.journal.records()
    record = forwarded["record"]
    assert forwarded["key"] == f"hcp:{case.events[-1]}"
    assert record["version"] == "2"
    assert record["evaluateId"] == str(case.events[-1])
    assert record["projNo"] == case.number
    assert record["projName"] == "个体工商户设立登记"
    assert record["serviceCode"] == MATTER_CODE
    assert record["serviceVersion"] == "2026.1"
    assert record["deptCode"] == "D-SCJG"
    assert record["deptName"] == "区市场监督管理局"
    assert record["evaluateChannel"] == "PJQ"
    assert record["evaluateLevel"] == 2
    assert record["evaluateLevelName"] == "不满意"
    assert record["badReasons"] == ["等候时间长"]
    assert record["handleState"] == "办结"
    assert record["evaluatedPersonInfo"] == {
        "userId": "clerk01",
        "userName": "李窗口",
        "windowId": "W02",
    }
    assert record["regionCode"] == "410411"
    text = str(record)
    for value in (*PERSONAL_VALUES, NAME):
        assert value not in text


def test_a_station_that_synced_late_sends_no_stale_notice(centre: Centre) -> None:
    case = open_case(centre.url)
    decided_and_handed(case)
    delivered(case)  # all of it reached the centre before the first scan
    centre.round(case.at + timedelta(minutes=1))
    assert centre.sms_keys() == []  # not "accepted", not "ready": it is already collected
    assert f"sms:rating_invite:{case.case_id}" in centre.rows()


def test_a_rescan_from_the_start_adds_nothing(centre: Centre) -> None:
    case = open_case(centre.url)
    decided_and_handed(case)
    centre.round(case.at + timedelta(minutes=1))
    delivered(case)
    rated(case, level=5)
    centre.round(case.at + timedelta(days=4))
    before = centre.rows()
    with admin(centre.url) as conn:
        conn.execute("DELETE FROM outbound_cursor")
    assert centre.scanner.run_once() == 0
    assert centre.sender().run_once().sent == 0
    assert centre.rows() == before
    assert len(centre.sms_keys()) == len(set(centre.sms_keys())) == 2  # accepted, result_ready
    assert len(centre.province.journal.records()) == 1


def test_an_on_the_spot_case_sends_only_the_rating_invitation(centre: Centre) -> None:
    case = open_case(centre.url, flow=payloads.ServiceFlow.COMPLETE_ON_SPOT)
    case.step(EventKind.ACCEPTED, payloads.Accepted().to_payload(), after=timedelta(seconds=1))
    case.step(EventKind.DECIDED, payloads.Decided(True).to_payload(), after=timedelta(seconds=1))
    case.step(
        EventKind.HANDED_TO_DELIVERY,
        payloads.HandedToDelivery().to_payload(),
        after=timedelta(seconds=1),
    )
    delivered(case)
    centre.round(case.at + timedelta(days=3, minutes=1))
    assert centre.sms_keys() == [f"sms:rating_invite:{case.case_id}"]


def test_a_message_the_gateway_refuses_is_failed_and_never_retried(
    centre: Centre, tmp_path: Path
) -> None:
    case = open_case(centre.url)
    decided_and_handed(case)
    no_templates = AliyunSmsGateway(
        AliyunSmsConfig("id", "secret", "签名", templates={}, endpoint="http://127.0.0.1:9/")
    )
    sender = centre.sender({Channel.SMS: no_templates})
    report = centre.round(case.at + timedelta(minutes=1), sender)
    assert report.failed == 2
    assert centre.rows()[f"sms:accepted:{case.case_id}"] == ("failed", 1)
    assert centre.round(case.at + timedelta(days=1), sender).failed == 0


def test_an_unreachable_gateway_backs_off_then_gives_up(centre: Centre) -> None:
    case = open_case(centre.url)
    case.step(
        EventKind.ACCEPTED,
        payloads.Accepted(promised_due=date(2026, 12, 4)).to_payload(),
        origin="central",
    )
    closed = AliyunSmsGateway(
        AliyunSmsConfig(
            "id", "secret", "签名", templates={"accepted": "SMS_1"}, endpoint="http://127.0.0.1:9/"
        )
    )
    sender = centre.sender({Channel.SMS: closed}, max_attempts=2)
    start = case.at + timedelta(minutes=1)
    key = f"sms:accepted:{case.case_id}"
    assert centre.round(start, sender).retried == 1
    assert centre.round(start + timedelta(seconds=10), sender).retried == 0  # backing off
    assert centre.rows()[key] == ("sending", 1)
    assert centre.round(start + timedelta(seconds=31), sender).failed == 1
    assert centre.rows()[key] == ("failed", 2)


def test_the_outbound_role_reads_no_password_and_writes_no_event(centre: Centre) -> None:
    login = login_in_role(centre.url, "zhanhe_outbound")
    with psycopg.connect(login, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT password_hash FROM staff")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM case_event")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM outbound_message")
        assert conn.execute("SELECT name FROM staff").fetchall() == [("李窗口",)]
