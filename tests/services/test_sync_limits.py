"""Offline limits and the sync bar's status, as plain functions of the outbox summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from zhanhe_counter.services.offline_limits import Level, OfflineLimits, assess_intake
from zhanhe_counter.services.ports.sync import OutboxSummary
from zhanhe_counter.services.sync_engine import build_status

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def summary(
    *,
    pending: int = 0,
    oldest: timedelta | None = None,
    reference: timedelta | None = timedelta(hours=1),
    offset_ms: int | None = 0,
) -> OutboxSummary:
    return OutboxSummary(
        pending=pending,
        oldest_pending_at=NOW - oldest if oldest is not None else None,
        sent_unconfirmed=0,
        rejected=0,
        conflicts=0,
        last_push_ok_at=NOW - timedelta(minutes=5),
        last_pull_ok_at=NOW - timedelta(minutes=4),
        last_reference_ok_at=NOW - reference if reference is not None else None,
        clock_offset_ms=offset_ms,
    )


def test_fresh_pc_is_fine() -> None:
    verdict = assess_intake(summary(), OfflineLimits(), NOW)
    assert verdict.level is Level.OK
    assert verdict.intake_allowed


def test_old_reference_data_warns_then_stops() -> None:
    limits = OfflineLimits(reference_warn_days=3, reference_stop_days=7)
    warn = assess_intake(summary(reference=timedelta(days=4)), limits, NOW)
    stop = assess_intake(summary(reference=timedelta(days=8)), limits, NOW)
    assert warn.level is Level.WARN
    assert warn.intake_allowed
    assert stop.level is Level.STOP
    assert not stop.intake_allowed
    assert "暂停新收件" in stop.reasons[0]


def test_pending_count_and_age_limits() -> None:
    limits = OfflineLimits(pending_warn=10, pending_stop=20, pending_age_warn_days=1)
    assert assess_intake(summary(pending=12), limits, NOW).level is Level.WARN
    assert assess_intake(summary(pending=25), limits, NOW).level is Level.STOP
    aged = assess_intake(summary(pending=1, oldest=timedelta(days=2)), limits, NOW)
    assert aged.level is Level.WARN
    assert "2 天" in aged.reasons[0]


def test_never_synced_reference_only_warns() -> None:
    verdict = assess_intake(summary(reference=None), OfflineLimits(), NOW)
    assert verdict.level is Level.WARN


def test_limits_from_settings_ignore_bad_values() -> None:
    limits = OfflineLimits.from_mapping({"pending_stop": 9, "pending_warn": "x", "other": 1})
    assert limits.pending_stop == 9
    assert limits.pending_warn == OfflineLimits().pending_warn
    assert OfflineLimits.from_mapping(None) == OfflineLimits()


@given(
    pending=st.integers(0, 10_000),
    age_hours=st.integers(0, 24 * 30),
    ref_hours=st.integers(0, 24 * 30),
)
def test_more_offline_is_never_less_strict(pending: int, age_hours: int, ref_hours: int) -> None:
    order = {Level.OK: 0, Level.WARN: 1, Level.STOP: 2}
    limits = OfflineLimits()
    base = assess_intake(
        summary(
            pending=pending, oldest=timedelta(hours=age_hours), reference=timedelta(hours=ref_hours)
        ),
        limits,
        NOW,
    )
    worse = assess_intake(
        summary(
            pending=pending + 1,
            oldest=timedelta(hours=age_hours + 1),
            reference=timedelta(hours=ref_hours + 1),
        ),
        limits,
        NOW,
    )
    assert order[worse.level] >= order[base.level]


def test_status_warns_about_a_wrong_clock() -> None:
    status = build_status(summary(offset_ms=14 * 60_000), OfflineLimits(), NOW, online=True)
    assert status.clock_warning is not None
    assert "14 分钟" in status.clock_warning
    assert status.last_sync_at == NOW - timedelta(minutes=4)
    fine = build_status(summary(offset_ms=30_000), OfflineLimits(), NOW, online=True)
    assert fine.clock_warning is None
