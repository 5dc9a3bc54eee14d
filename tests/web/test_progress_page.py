"""The progress page against a real centre and a real server: what it shows, what it never
shows, and how it refuses guessing."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from urllib.parse import urlencode

import psycopg
import pytest

from tests.centre_cases import NAME, PERSONAL_VALUES, CentreCase, open_case
from tests.web.conftest import Site, make_site
from tests.web.live_server import Reply
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.case_number import make_case_number
from zhanhe_counter.domain.check_code import check_code
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.progress import LookupLimits
from zhanhe_counter.web.app import client_key

_ips = (f"10.0.{a}.{b}" for a, b in itertools.product(range(256), range(1, 255)))


def query(site: Site, number: str, code: str, ip: str | None = None) -> Reply:
    return site.server.get(
        "/q?" + urlencode({"no": number, "c": code}),
        headers={"X-Forwarded-For": ip or next(_ips)},
    )


def code_of(site: Site, number: str) -> str:
    return check_code(site.source.check_key(), number)


def assert_no_personal_data(text: str) -> None:
    for value in PERSONAL_VALUES:
        assert value not in text, value


def test_the_form_is_served_with_strict_headers(site: Site) -> None:
    reply = site.server.get("/q")
    assert reply.status == 200
    assert "办件编号" in reply.text
    assert "查询码" in reply.text
    assert "script-src" not in reply.headers["content-security-policy"]
    assert "default-src 'none'" in reply.headers["content-security-policy"]
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert reply.headers["cache-control"] == "no-store"
    assert site.server.get("/").status == 200  # redirected to the form


def test_a_case_waiting_for_a_supplement_says_what_and_by_when(site: Site) -> None:
    case = open_case(site.central_url)
    case.step(
        EventKind.NOTIFIED_ONCE,
        payloads.NotifiedOnce(
            items=[payloads.MaterialItem("3", "经营场所证明", "须加盖产权单位印章")],
            deadline=date(2026, 12, 8),
        ).to_payload(),
    )
    reply = query(site, case.number, code_of(site, case.number))
    assert reply.status == 200, reply.text
    assert "待补正材料" in reply.text
    assert "经营场所证明" in reply.text
    assert "须加盖产权单位印章" in reply.text
    assert "请于2026年12月8日前补齐" in reply.text
    assert "欧阳**" in reply.text
    assert "承诺办结" not in reply.text  # the limit starts again at acceptance
    assert "个体工商户设立登记" in reply.text
    assert "区市场监督管理局" in reply.text
    assert_no_personal_data(reply.text)


def ready_case(site: Site) -> CentreCase:
    case = open_case(site.central_url)
    case.step(
        EventKind.ACCEPTED,
        payloads.Accepted(promised_due=date(2026, 12, 4)).to_payload(),
        origin="central",
    )
    case.step(
        EventKind.INSPECTED,
        payloads.Inspected(
            inspection=payloads.InspectionKind.SIMPLE, findings="核查人员在申请人家中看到的情况"
        ).to_payload(),
        origin="central",
    )
    return case


def test_an_accepted_case_shows_its_promised_date_and_never_the_findings(site: Site) -> None:
    case = ready_case(site)
    reply = query(site, case.number, code_of(site, case.number))
    assert "已受理，审查中" in reply.text
    assert "2026年12月4日前" in reply.text
    assert "现场核查" in reply.text
    assert_no_personal_data(reply.text)


def test_a_result_ready_says_where_and_how_to_collect(site: Site) -> None:
    case = ready_case(site)
    case.step(EventKind.DECIDED, payloads.Decided(True).to_payload(), origin="central")
    case.step(
        EventKind.CERTIFICATE_MADE,
        payloads.CertificateMade(certificate_name="营业执照", certificate_number="N1").to_payload(),
        origin="central",
    )
    case.step(
        EventKind.HANDED_TO_DELIVERY, payloads.HandedToDelivery().to_payload(), origin="central"
    )
    reply = query(site, case.number, code_of(site, case.number))
    assert "办理结果可领取" in reply.text
    assert site.service.office.pickup_place in reply.text
    assert "有效身份证件" in reply.text
    # Picked up: the signer's name never reaches the page.
    case.step(
        EventKind.DELIVERED,
        payloads.Delivered(mode=payloads.DeliveryMode.PICKUP, signer=NAME).to_payload(),
    )
    reply = query(site, case.number, code_of(site, case.number))
    assert "已办结" in reply.text
    assert "领取" in reply.text
    assert_no_personal_data(reply.text)


def test_an_express_delivery_gives_the_waybill(site: Site) -> None:
    case = ready_case(site)
    case.step(EventKind.DECIDED, payloads.Decided(True).to_payload(), origin="central")
    case.step(
        EventKind.HANDED_TO_DELIVERY, payloads.HandedToDelivery().to_payload(), origin="central"
    )
    case.step(
        EventKind.DELIVERED,
        payloads.Delivered(
            mode=payloads.DeliveryMode.EXPRESS, carrier="中国邮政EMS", waybill="1187654321098"
        ).to_payload(),
    )
    reply = query(site, case.number, code_of(site, case.number))
    assert "中国邮政EMS" in reply.text
    assert "1187654321098" in reply.text


def test_wrong_code_and_unknown_number_read_the_same(site: Site) -> None:
    case = open_case(site.central_url)
    right = code_of(site, case.number)
    wrong = ("2" if right[0] != "2" else "3") + right[1:]
    unknown = make_case_number("41041101", "S", date(2026, 11, 26), 9998)
    first = query(site, case.number, wrong)
    second = query(site, unknown, wrong)
    assert first.status == second.status == 404
    assert first.text.replace(case.number, "N") == second.text.replace(unknown, "N")
    assert "编号或查询码不正确" in first.text
    assert NAME[:2] not in first.text


def test_right_code_of_a_case_not_yet_synced(site: Site) -> None:
    unknown = make_case_number("41041101", "S", date(2026, 11, 26), 9997)
    reply = query(site, unknown, code_of(site, unknown))
    assert reply.status == 404
    assert "暂未查到该办件" in reply.text


def test_a_malformed_number_is_explained(site: Site) -> None:
    reply = query(site, "41041101S2026112600", "ABCDEF")
    assert reply.status == 400
    assert "编号应为22位" in reply.text
    assert query(site, "", "").status == 400


def test_guessing_codes_of_one_case_stops_after_five_even_from_many_addresses(
    site: Site,
) -> None:
    case = open_case(site.central_url)
    right = code_of(site, case.number)
    guesses = [c + right[1:] for c in "23456789ABCDEFGH" if c != right[0]][:5]
    statuses = [query(site, case.number, guess).status for guess in guesses]
    assert statuses == [404] * 5
    blocked = query(site, case.number, right)
    assert blocked.status == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "输错次数过多" in blocked.text
    # Another case is not affected.
    other = open_case(site.central_url)
    assert query(site, other.number, code_of(site, other.number)).status == 200


def test_one_address_is_limited_and_others_are_not(site: Site) -> None:
    case = open_case(site.central_url)
    code = code_of(site, case.number)
    limit = site.service.limits.per_ip
    statuses = [query(site, case.number, code, ip="192.0.2.7").status for _ in range(limit + 3)]
    assert statuses[:limit] == [200] * limit
    assert statuses[limit:] == [429] * 3
    assert query(site, case.number, code, ip="192.0.2.8").status == 200


def test_the_progress_role_reads_no_table_and_gets_no_personal_data(site: Site) -> None:
    case = ready_case(site)
    case.step(EventKind.DECIDED, payloads.Decided(True).to_payload(), origin="central")
    case.step(
        EventKind.HANDED_TO_DELIVERY, payloads.HandedToDelivery().to_payload(), origin="central"
    )
    case.step(
        EventKind.DELIVERED,
        payloads.Delivered(mode=payloads.DeliveryMode.PICKUP, signer=NAME).to_payload(),
    )
    with psycopg.connect(site.progress_url, autocommit=True) as conn:
        for table in ("case_event", "case_file", "station", "central_setting", "outbound_message"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT 1 FROM {table} LIMIT 1")
        rows = conn.execute(
            "SELECT p_payload::text FROM progress_case(%s)", (case.number,)
        ).fetchall()
    assert len(rows) == 6
    text = "".join(r[0] for r in rows)
    # The name reaches the service once (it masks it); the signer, the same person, does not.
    assert text.count(NAME) == 1
    assert NAME in rows[0][0]
    assert_no_personal_data(text.replace(NAME, "*"))


def test_the_centre_being_down_is_a_polite_503(central_url: str) -> None:
    sites = make_site(central_url, LookupLimits())
    site = next(sites)
    case = open_case(central_url, day=date(2026, 11, 27))
    code = code_of(site, case.number)
    site.source.close()  # the pool is gone: every lookup now fails to reach the centre
    reply = query(site, case.number, code)
    assert reply.status == 503
    assert "系统暂时无法查询" in reply.text
    assert int(reply.headers["retry-after"]) > 0
    next(sites, None)


def test_steps_are_dated_in_beijing_time(site: Site) -> None:
    case = open_case(site.central_url, day=date(2026, 11, 28))
    case.step(
        EventKind.ACCEPTED,
        payloads.Accepted(promised_due=date(2026, 12, 4)).to_payload(),
        origin="central",
        after=timedelta(hours=17),  # 2026-11-28 17:30 UTC = 11-29 01:30 Beijing
    )
    reply = query(site, case.number, code_of(site, case.number))
    assert "2026年11月29日" in reply.text


def test_ipv6_addresses_share_their_64_block(site: Site) -> None:
    case = open_case(site.central_url)
    code = code_of(site, case.number)
    limit = site.service.limits.per_ip
    statuses = [
        query(site, case.number, code, ip=f"2001:db8:1:2::{n + 1:x}").status
        for n in range(limit + 1)
    ]
    assert statuses[-1] == 429
    assert query(site, case.number, code, ip="2001:db8:1:3::1").status == 200
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key("not-an-address") == "not-an-address"


def test_typed_input_is_escaped_not_run(site: Site) -> None:
    reply = query(site, '"><script>alert(1)</script>', "<b>")
    assert reply.status == 400
    assert "<script>" not in reply.text
    assert "&lt;script&gt;" in reply.text or "&quot;&gt;" in reply.text
