"""What the centre publishes takes effect on a registered counter after one pull (issue 17).

A real centre (PostgreSQL via ``tests/pg.py``), a real station folder, the real sync engine; the
counter takes the new data up as at its next login (``Station.refresh_reference``), no restart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.governance.support import (
    SETTINGS,
    WINDOWS,
    CounterPC,
    catalogue_text,
    registered_counter,
)
from tests.services.documents_support import pdf_text, squeezed
from tests.services.followthrough_support import CLERK, NOW
from zhanhe_counter.adapters.centre import governance
from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.cli.app import main
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.checklist import MaterialRecord
from zhanhe_counter.domain.china_time import minute_text
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.payloads import read_payload
from zhanhe_counter.services.auth import AuthService
from zhanhe_counter.services.intake import IntakeRequest, new_action
from zhanhe_counter.services.matter_search import MatterSearch
from zhanhe_counter.services.reference_audit import taken_up

EFFECTIVE = date(2026, 11, 1)  # before the test clock's day (2026-11-26)


@pytest.fixture
def counter(central_url: str, tmp_path: Path, memory_keyring: object) -> Iterator[CounterPC]:
    pc = registered_counter(central_url, tmp_path / "pc")
    yield pc
    pc.close()


def _publish(url: str, kind: str, content: str, version: str, day: date = EFFECTIVE) -> None:
    governance.publish_document(
        url, kind, content, version=version, effective_from=day, actor="admin01"
    )


def test_a_matter_added_changed_and_retired_at_the_centre_changes_what_the_counter_offers(
    central_url: str, counter: CounterPC
) -> None:
    station = counter.station
    assert "ZH-001" in station.catalogue
    assert "ZH-099" not in station.catalogue
    assert not counter.pull()  # nothing published yet: the local files stay in use

    _publish(central_url, "catalogue", catalogue_text(add=True, rename=True, retire=True), "v2")
    assert counter.pull()

    assert "ZH-099" in station.catalogue
    assert station.catalogue.matter("ZH-005").name == "高龄津贴申请（中心更名）"
    assert "ZH-001" not in station.catalogue
    search = MatterSearch(station.catalogue, station.identity.window, station.directory)
    offered = {hit.matter.id for hit in search.search("", limit=1000)}
    assert "ZH-001" not in offered
    # Intake itself runs on the new version, and the case keeps the version it was taken under.
    assert station.intake.catalogue.matter("ZH-005").name.endswith("（中心更名）")
    committed = station.intake.commit(_request(station, "ZH-005"))
    received = next(e for e in committed.events if e.kind.value == "received")
    assert read_payload(received.kind, received.payload).catalogue_version == "v2"  # type: ignore[attr-defined]
    assert (station.data_dir / "reference" / "catalogue-v2.yaml").is_file()


def test_a_version_waits_for_its_effective_day(central_url: str, counter: CounterPC) -> None:
    station = counter.station
    _publish(central_url, "catalogue", catalogue_text(add=True), "2026-12", date(2026, 12, 1))
    assert not counter.pull()
    assert "ZH-099" not in station.catalogue
    counter.clock.current += timedelta(days=5)  # 2026-12-01 in Beijing
    assert counter.station.refresh_reference()
    assert "ZH-099" in station.catalogue


def test_a_window_narrowed_at_the_centre_handles_only_its_matters(
    central_url: str, counter: CounterPC
) -> None:
    station = counter.station
    assert station.identity.window.handles(station.catalogue.matter("ZH-006"))
    text = WINDOWS.read_text(encoding="utf-8")
    start = text.index("    matters: [ZH-003, ZH-004, ZH-005")
    end = text.index("\n\n", start)
    narrowed = text[:start] + "    matters: [ZH-005, ZH-008]" + text[end:]
    _publish(central_url, "windows", narrowed, "w2")
    assert counter.pull()

    window = station.identity.window
    handled = {m.id for m in station.catalogue if window.handles(m)}
    assert handled == {"ZH-005", "ZH-008"}
    with pytest.raises(DomainError):
        station.intake.commit(_request(station, "ZH-006"))


def test_a_staff_account_created_then_disabled_at_the_centre(
    central_url: str, counter: CounterPC
) -> None:
    hasher = Argon2PasswordHasher(fast=True)
    auth = AuthService(counter.station.reference, hasher, counter.clock)
    governance.save_staff(
        central_url,
        "sunli",
        actor="admin01",
        create=True,
        name="孙莉",
        roles=["window"],
        password_hash=hasher.hash("s3cret-1"),
    )
    counter.pull()
    session = auth.login("sunli", "s3cret-1")
    assert session.staff.name == "孙莉"
    assert session.must_change_password  # the bureau chose it: the person sets their own

    governance.save_staff(central_url, "sunli", actor="admin01", active=False)
    counter.pull()
    with pytest.raises(DomainError):
        auth.login("sunli", "s3cret-1")
    log = governance.log_entries(central_url)
    assert [(e.actor, e.action, e.subject) for e in log[:2]] == [
        ("admin01", "staff", "sunli"),
        ("admin01", "staff-create", "sunli"),
    ]
    assert "password_hash" not in log[1].detail  # the log names the change, not the secret


def test_an_offline_counter_stops_accepting_accounts_after_the_offline_limit(
    central_url: str, counter: CounterPC
) -> None:
    station = counter.station
    auth = AuthService(
        station.reference,
        Argon2PasswordHasher(fast=True),
        counter.clock,
        accounts_stale=station.accounts_stale,
    )
    counter.pull()  # the staff list is fresh: the demo clerk logs in
    counter.clock.current = datetime.now(UTC) + timedelta(days=1)
    assert auth.login("zhangmin", "123456").staff.staff_id == "zhangmin"
    # Eight days without a pull: a disabled account could be among them, so none is accepted.
    counter.clock.current = datetime.now(UTC) + timedelta(days=8)
    with pytest.raises(DomainError) as refused:
        auth.login("zhangmin", "123456")
    assert "超过 7 天上限" in refused.value.user_message
    assert station.accounts_stale() == refused.value.user_message


def test_a_holiday_override_at_the_centre_moves_a_deadline(
    central_url: str, counter: CounterPC
) -> None:
    monday = date(2027, 1, 4)
    before = counter.station.calendar.add_workdays(monday, 1).date
    assert before == date(2027, 1, 5)
    governance.set_holiday(central_url, date(2027, 1, 5), workday=False, name="调整", actor="a1")
    assert counter.pull()
    assert counter.station.calendar.add_workdays(monday, 1).date == date(2027, 1, 6)
    assert counter.station.intake.calendar is counter.station.calendar


def test_a_document_setting_changed_at_the_centre_is_printed(
    central_url: str, counter: CounterPC, tmp_path: Path
) -> None:
    text = SETTINGS.read_text(encoding="utf-8")
    changed = text.replace(
        'pickup_place = "湛河区政务服务中心一楼统一出件窗口"',
        'pickup_place = "湛河区政务服务中心二楼新设出件窗口"',
        1,
    ).replace('consult_phone = "0375-1234501"', 'consult_phone = "0375-7654321"', 1)
    assert changed != text
    _publish(central_url, "document_settings", changed, "s2")
    assert counter.pull()

    station = counter.station
    committed = station.intake.commit(_request(station, "ZH-005"))
    receipt = next(
        r
        for r in station.dispatcher.requests_for(committed, CLERK.name)
        if r.kind is DocumentKind.INTAKE_RECEIPT
    )
    printed = squeezed(pdf_text(station, receipt, tmp_path, "receipt"))
    assert "0375-7654321" in printed  # the hall's 咨询电话 on the receipt
    assert "0375-1234501" not in printed


def _request(station: object, matter_id: str) -> IntakeRequest:
    matter = station.catalogue.matter(matter_id)  # type: ignore[attr-defined]
    return IntakeRequest(
        new_action(),
        matter_id,
        Applicant(Person(name="王小明", id_number="410411195001011239", phone="13800001234")),
        {m.name: MaterialRecord.as_required(m) for m in matter.materials},
        CLERK,
    )


def test_an_unpublished_station_never_registered_keeps_its_files(tmp_path: Path) -> None:
    from zhanhe_counter.composition import build_station

    station = build_station(tmp_path, demo=True, start_queue=False)
    try:
        assert not station.refresh_reference()
        assert not (tmp_path / "reference").exists()
        assert isinstance(station.clock.now(), datetime)
    finally:
        station.close()


def test_each_version_taken_up_is_recorded_and_shown_by_db_check(
    central_url: str, counter: CounterPC, capsys: pytest.CaptureFixture[str]
) -> None:
    station = counter.station
    _publish(central_url, "catalogue", catalogue_text(add=True), "v2")
    _publish(central_url, "office_hours", 'sessions: [["08:30", "12:00"]]\n', "oh-1")
    assert counter.pull()
    counter.clock.advance(hours=1)
    assert not counter.pull()  # nothing new: nothing recorded again
    _publish(central_url, "catalogue", catalogue_text(rename=True), "v3")
    assert counter.pull()

    recorded = [(t.kind, t.version, t.at) for t in taken_up(station.reference)]
    assert recorded == [
        ("catalogue", "v2", NOW),
        ("office_hours", "oh-1", NOW),
        ("catalogue", "v3", NOW + timedelta(hours=1)),
    ]
    capsys.readouterr()
    assert main(["--data-dir", str(station.data_dir), "db", "check", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["reference_taken_up"]
    assert [(e["kind"], e["version"]) for e in shown] == [
        ("catalogue", "v3"),
        ("office_hours", "oh-1"),
        ("catalogue", "v2"),
    ]
    assert main(["--data-dir", str(station.data_dir), "db", "check"]) == 0
    text = capsys.readouterr().out
    assert f"{minute_text(NOW + timedelta(hours=1))} 事项目录 v3" in text
    assert "办公时间 oh-1" in text
