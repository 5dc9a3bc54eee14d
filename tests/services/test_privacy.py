"""Revealing a full ID number: by role only, and every reveal audited without the number."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.services.test_intake import APPLICANT, NOW, FixedClock, _request
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.services.privacy import RevealRefused


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    built = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    yield built
    built.close()


def test_a_window_clerk_may_not_reveal_and_nothing_is_recorded(station: Station) -> None:
    case = station.intake.commit(_request(station, "ZH-004")).case
    with pytest.raises(RevealRefused) as refused:
        station.privacy.reveal_id_number(case.case_id, "zhangmin", ("window",))
    assert "无权查看" in refused.value.user_message
    assert station.privacy.reveals_for_case(case.case_id) == []


def test_the_back_office_may_and_each_reveal_is_audited_without_the_number(
    station: Station, caplog: pytest.LogCaptureFixture
) -> None:
    case = station.intake.commit(_request(station, "ZH-004")).case
    caplog.set_level(logging.DEBUG)
    number = station.privacy.reveal_id_number(case.case_id, "wangqiang", ("backoffice",))
    assert number == APPLICANT.person.id_number
    station.privacy.reveal_id_number(case.case_id, "zhaoli", ("supervisor",))
    reveals = station.privacy.reveals_for_case(case.case_id)
    assert [(r.staff_id, r.station_id) for r in reveals] == [
        ("wangqiang", station.identity.station_id),
        ("zhaoli", station.identity.station_id),
    ]
    assert number not in caplog.text
    with station.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT * FROM id_reveal")).all()
    assert all(number not in " ".join(map(str, row)) for row in stored)
