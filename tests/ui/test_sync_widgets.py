"""The sync bar, the case badge and the outbox screen, fed with real service DTOs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QAbstractItemView, QPushButton
from pytestqt.qtbot import QtBot

from tests.adapters.storage.factories import received_draft
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox
from zhanhe_counter.services.offline_limits import OfflineLimits
from zhanhe_counter.services.ports.sync import (
    CaseSyncBadge,
    OutboxSummary,
    SessionRecord,
    SyncProblem,
)
from zhanhe_counter.services.sync_engine import SyncReport, build_status
from zhanhe_counter.ui.sync.case_badge import BADGE_TEXT, badge_label
from zhanhe_counter.ui.sync.outbox_view import OutboxScreen
from zhanhe_counter.ui.sync.sync_bar import SyncBar, describe_status

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 14:00 at the counter


def _summary(pending: int = 0, oldest: timedelta | None = None, **kw: object) -> OutboxSummary:
    values: dict[str, object] = {
        "pending": pending,
        "oldest_pending_at": NOW - oldest if oldest else None,
        "sent_unconfirmed": 0,
        "rejected": 0,
        "conflicts": 0,
        "last_push_ok_at": NOW - timedelta(minutes=3),
        "last_pull_ok_at": NOW - timedelta(minutes=2),
        "last_reference_ok_at": NOW - timedelta(hours=2),
        "clock_offset_ms": 0,
    }
    values.update(kw)
    return OutboxSummary(**values)  # type: ignore[arg-type]


def test_online_and_nothing_waiting() -> None:
    status = build_status(_summary(), OfflineLimits(), NOW, online=True)
    bar = describe_status(status, NOW)
    assert bar.text == "● 在线 · 最近同步 13:58 · 无待上传记录"
    assert bar.tone == "ok"


def test_offline_with_old_waiting_events_turns_amber() -> None:
    status = build_status(
        _summary(pending=37, oldest=timedelta(hours=30)), OfflineLimits(), NOW, online=False
    )
    bar = describe_status(status, NOW)
    assert bar.text.startswith("● 离线 · 37 条待上传（最早 30 小时前）")
    assert bar.tone == "warn"


def test_error_with_plain_message_and_retry() -> None:
    report = SyncReport(
        started_at=NOW,
        errors=["中心拒绝了本站的登录"],
        problem=SyncProblem.NOT_AUTHORISED,
        retryable=False,
    )
    status = build_status(
        _summary(pending=2, oldest=timedelta(minutes=5)),
        OfflineLimits(),
        NOW,
        online=True,
        last_report=report,
        retry_at=NOW + timedelta(seconds=40),
    )
    bar = describe_status(status, NOW)
    assert bar.text.startswith("▲ 同步出错：中心拒绝了本站的登录 · 40 秒后重试")
    assert bar.tone == "error"


def test_stopped_intake_and_clock_warning_are_shown() -> None:
    status = build_status(
        _summary(
            pending=1,
            oldest=timedelta(days=8),
            last_reference_ok_at=NOW - timedelta(days=9),
            clock_offset_ms=-15 * 60_000,
        ),
        OfflineLimits(),
        NOW,
        online=False,
    )
    bar = describe_status(status, NOW)
    assert "已暂停新收件" in bar.text
    assert "15 分钟" in bar.text
    assert bar.tone == "error"
    assert "基础数据已 9 天未更新" in bar.details


def test_sync_bar_widget_shows_status_and_asks_for_sync(qtbot: QtBot) -> None:
    bar = SyncBar()
    qtbot.addWidget(bar)
    status = build_status(
        _summary(pending=3, oldest=timedelta(hours=5)), OfflineLimits(), NOW, online=False
    )
    bar.show_status(status, NOW)
    assert "3 条待上传" in bar.label.text()
    assert bar.tone == "idle"
    with qtbot.waitSignal(bar.syncNowRequested, timeout=2000):
        bar.sync_now.click()
    syncing = build_status(_summary(), OfflineLimits(), NOW, online=True, syncing=True)
    bar.show_status(syncing, NOW)
    assert not bar.sync_now.isEnabled()


def test_badges_have_distinct_text_and_colour(qtbot: QtBot) -> None:
    labels = [badge_label(badge) for badge in CaseSyncBadge]
    for label in labels:
        qtbot.addWidget(label)
    assert [label.text() for label in labels] == [BADGE_TEXT[b] for b in CaseSyncBadge]
    assert len({label.styleSheet() for label in labels}) == len(labels)
    assert labels[0].text() == "已保存在本机"


def test_outbox_screen_lists_unsent_work_and_offers_no_delete(qtbot: QtBot, tmp_path: Path) -> None:
    engine = open_local_database(tmp_path / "s.sqlite3")
    store = SqliteEventStore(engine)
    store.append_many([received_draft(station="410411-01", number=f"A{i}") for i in range(3)])
    outbox = SqliteSyncOutbox(engine, "410411-01")
    items = outbox.outbox_items()
    sessions = [
        SessionRecord(NOW, NOW + timedelta(seconds=2), 0, 0, 0, "暂时连不上中心"),
    ]
    screen = OutboxScreen()
    qtbot.addWidget(screen)
    screen.show_outbox(items, sessions, datetime.now(UTC))
    engine.dispose()

    assert screen.items.rowCount() == 3
    assert {screen.items.item(r, 0).text() for r in range(3)} == {"A0", "A1", "A2"}
    assert screen.items.item(0, 4).text() == "已保存在本机"
    assert screen.sessions.item(0, 5).text() == "暂时连不上中心"
    assert "待上传或待确认 3 条" in screen.summary.text()
    assert screen.items.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    buttons = [b.text() for b in screen.findChildren(QPushButton)]
    assert buttons == ["立即同步"]
    assert not screen.items.actions()
