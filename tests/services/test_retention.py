"""The retention use case (保存期限): the setting, its minimum, and the cut-off it prunes at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.adapters.storage.test_retention import _confirm, _open_case, _refused_case
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.adapters.storage.retention import SqliteCasePruner
from zhanhe_counter.services.retention import (
    DEFAULT_RETENTION_DAYS,
    MINIMUM_RETENTION_DAYS,
    RETENTION_SETTING,
    RetentionService,
    RetentionSettingInvalid,
    retention_days_from,
)

# The test cases' last events are on 2026-01-05 (tests/adapters/storage/test_retention.py).
LAST_EVENT = datetime(2026, 1, 5, 9, 3, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    engine = open_local_database(tmp_path / "station.sqlite3")
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("value", "days"),
    [(None, DEFAULT_RETENTION_DAYS), ("", DEFAULT_RETENTION_DAYS), (30, 30), ("365", 365)],
)
def test_setting_values(value: object, days: int) -> None:
    assert retention_days_from(value) == days


@pytest.mark.parametrize("value", [29, 0, -5, "7"])
def test_less_than_the_minimum_is_refused_in_chinese(value: object) -> None:
    with pytest.raises(RetentionSettingInvalid) as caught:
        retention_days_from(value)
    assert f"不能少于 {MINIMUM_RETENTION_DAYS} 天" in caught.value.user_message


@pytest.mark.parametrize("value", ["half a year", 1.5, True, [180]])
def test_a_value_that_is_not_whole_days_is_refused(value: object) -> None:
    with pytest.raises(RetentionSettingInvalid) as caught:
        retention_days_from(value)
    assert "整数天数" in caught.value.user_message


def _service(engine: sa.Engine, now: datetime, days: int | None) -> RetentionService:
    settings = SqliteReferenceStore(engine)
    if days is not None:
        settings.set_setting(RETENTION_SETTING, days)
    return RetentionService(SqliteCasePruner(engine, None), settings, FixedClock(now))


def test_default_retention_prunes_only_after_180_days(engine: sa.Engine) -> None:
    case_id = _refused_case(engine)
    _confirm(engine, case_id)
    _open_case(engine, LAST_EVENT + timedelta(days=400))  # the station's newest event

    early = _service(engine, LAST_EVENT + timedelta(days=179), None)
    assert early.retention_days() == DEFAULT_RETENTION_DAYS
    assert early.prune().cases == 0

    late = _service(engine, LAST_EVENT + timedelta(days=181), None)
    report = late.prune()
    assert report.case_ids == (case_id,)
    assert report.cutoff == LAST_EVENT + timedelta(days=1)


def test_configured_retention_and_dry_run(engine: sa.Engine) -> None:
    case_id = _refused_case(engine)
    _confirm(engine, case_id)
    _open_case(engine, LAST_EVENT + timedelta(days=400))
    service = _service(engine, LAST_EVENT + timedelta(days=31), 30)

    preview = service.prune(dry_run=True)
    assert preview.dry_run
    assert preview.case_ids == (case_id,)
    assert service.prune().case_ids == (case_id,)
    assert service.prune().cases == 0


def test_a_too_short_setting_stops_the_pruning(engine: sa.Engine) -> None:
    case_id = _refused_case(engine)
    _confirm(engine, case_id)
    _open_case(engine, LAST_EVENT + timedelta(days=400))
    service = _service(engine, LAST_EVENT + timedelta(days=365), 10)

    with pytest.raises(RetentionSettingInvalid):
        service.prune()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM case_status").scalar() == 2
