"""Exporting a tally from the supervisor's page: the CLI's writers, an audit record per case."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from zhanhe_counter.adapters.clock import CHINA_TIME
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.checklist import MaterialRecord
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.intake import IntakeRequest, new_action
from zhanhe_counter.services.ports.tally import Grouping, Period
from zhanhe_counter.services.station import Staff
from zhanhe_counter.services.tally_export import default_file_name

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=CHINA_TIME)
CLERK = Staff("zhangmin", "张敏")


class Clock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    built = build_station(tmp_path / "data", demo=True, clock=Clock(), start_queue=False)
    yield built
    built.close()


def _commit(station: Station, matter_id: str) -> None:
    matter = station.catalogue.matter(matter_id)
    station.intake.commit(
        IntakeRequest(
            action=new_action(),
            matter_id=matter_id,
            applicant=Applicant(Person(name="王一", id_number="410411199001011237")),
            records={m.name: MaterialRecord.as_required(m) for m in matter.materials},
            clerk=CLERK,
        )
    )


def test_export_writes_the_file_after_auditing_every_case_it_counts(
    station: Station, tmp_path: Path
) -> None:
    _commit(station, "ZH-005")
    _commit(station, "ZH-003")
    report = station.tally.tally(Period(NOW.date(), NOW.date()), Grouping.WINDOW)
    exporter = station.tally_export
    cases = exporter.cases_behind(report)
    assert len(cases) == 2
    done = exporter.export(report, "csv", tmp_path / "day", "zhaoli")
    assert done.path == tmp_path / "day.csv"  # the format's suffix is added
    assert done.cases == 2
    with done.path.open(encoding="utf-8-sig") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert "合计" in cells
    for case_id in cases:
        audit = [
            e for e in station.store.events_for_case(case_id) if e.kind is EventKind.CASE_EXPORTED
        ]
        assert [e.actor for e in audit] == ["zhaoli"]
    assert default_file_name(report, "xlsx") == "统计_按窗口_2026-11-26.xlsx"


def test_an_unknown_format_is_refused_in_chinese(station: Station, tmp_path: Path) -> None:
    report = station.tally.tally(Period(NOW.date(), NOW.date()), Grouping.WINDOW)
    with pytest.raises(DomainError) as refused:
        station.tally_export.export(report, "docx", tmp_path / "x.docx", "zhaoli")
    assert "XLSX" in refused.value.user_message
    assert not (tmp_path / "x.docx").exists()
