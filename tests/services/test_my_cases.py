"""My cases: only the clerk's own, deadlines coloured from the injected clock, search."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.checklist import MaterialRecord
from zhanhe_counter.services.intake import IntakeRequest, new_action
from zhanhe_counter.services.my_cases import CaseSync, MyCasesService
from zhanhe_counter.services.ports.storage import CaseQuery
from zhanhe_counter.services.station import Staff
from zhanhe_counter.services.urgency import Urgency

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=CHINA_TIME)
ME = Staff("zhangmin", "张敏")
OTHER = Staff("lina", "李娜")


class Clock:
    def __init__(self) -> None:
        self.current = NOW

    def now(self) -> datetime:
        return self.current


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def station(tmp_path: Path, clock: Clock) -> Iterator[Station]:
    built = build_station(tmp_path, demo=True, clock=clock, start_queue=False)
    yield built
    built.close()


def _commit(station: Station, matter_id: str, clerk: Staff, name: str, missing: set[int]) -> str:
    matter = station.catalogue.matter(matter_id)
    records = {
        m.name: MaterialRecord.missing() if n in missing else MaterialRecord.as_required(m)
        for n, m in enumerate(matter.materials, start=1)
    }
    committed = station.intake.commit(
        IntakeRequest(
            action=new_action(),
            matter_id=matter_id,
            applicant=Applicant(Person(name=name, id_number="410411199001011237")),
            records=records,
            clerk=clerk,
        )
    )
    return committed.case.case_number or ""


def test_lists_own_cases_with_deadlines(station: Station, clock: Clock) -> None:
    service = MyCasesService(station.store, station.calendar, clock, station.catalogue)
    _commit(station, "ZH-005", ME, "王一", missing={3})  # 容缺: bank card later
    _commit(station, "ZH-003", ME, "王二", missing=set())  # 当场收件, 10 working days
    _commit(station, "ZH-003", OTHER, "别人", missing=set())
    rows = service.list("zhangmin")
    assert {r.applicant_name for r in rows} == {"王一", "王二"}
    rongque = next(r for r in rows if r.applicant_name == "王一")
    assert rongque.deadline_label == "容缺补齐"
    assert rongque.deadline == rongque.rongque_due
    assert rongque.urgency is Urgency.OK
    assert rongque.sync is CaseSync.LOCAL
    assert rongque.applicant_id_masked.count("*") >= 8

    assert rongque.deadline is not None
    clock.current = datetime.combine(rongque.deadline, NOW.timetz()) - timedelta(days=1)
    soon = {r.applicant_name: r.urgency for r in service.list("zhangmin")}
    assert soon["王一"] is Urgency.DUE_SOON
    clock.current = datetime.combine(rongque.deadline, NOW.timetz()) + timedelta(days=1)
    late = service.list("zhangmin")
    assert [r.urgency for r in late] == [Urgency.OVERDUE, Urgency.OVERDUE]
    # The earlier deadline first: 王二's 10 working days end before 王一's 20.
    assert [r.applicant_name for r in late] == ["王二", "王一"]
    assert service.warning_count("zhangmin") >= 1


def test_search_by_number_name_id_and_matter(station: Station, clock: Clock) -> None:
    service = MyCasesService(station.store, station.calendar, clock, station.catalogue)
    number = _commit(station, "ZH-005", ME, "王一", missing=set())
    _commit(station, "ZH-003", ME, "李二", missing=set())
    assert [r.case_number for r in service.list("zhangmin", number)] == [number]
    assert [r.applicant_name for r in service.list("zhangmin", "李")] == ["李二"]
    assert len(service.list("zhangmin", "410411199001011237")) == 2
    assert [r.applicant_name for r in service.list("zhangmin", "高龄津贴")] == ["王一"]
    assert service.list("zhangmin", "不存在的人") == []


def test_an_old_case_stays_listed_however_many_newer_cases_colleagues_record(
    station: Station, clock: Clock
) -> None:
    """The clerk's filter is in the query: 600 newer cases of a colleague hide nothing."""
    service = MyCasesService(station.store, station.calendar, clock, station.catalogue)
    number = _commit(station, "ZH-005", ME, "王一", missing={3})  # 容缺, due in 20 working days
    for i in range(600):
        clock.current = NOW + timedelta(seconds=i + 1)
        _commit(station, "ZH-003", OTHER, f"别人{i}", missing=set())
    rongque = station.store.find_cases(CaseQuery(case_number=number))[0]
    assert rongque.rongque_due is not None
    clock.current = datetime.combine(rongque.rongque_due, NOW.timetz()) + timedelta(days=1)
    rows = service.list("zhangmin")
    assert [(r.case_number, r.urgency) for r in rows] == [(number, Urgency.OVERDUE)]
    assert service.warning_count("zhangmin") == 1
    assert [r.case_number for r in service.list("zhangmin", "王一")] == [number]
    assert len(service.list("lina")) == 600
