"""Event records, document kinds and Beijing time: the small shared vocabulary of the domain."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from zhanhe_counter.domain.china_time import CHINA_TIME
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.events import CaseEvent, EventDraft, EventKind


def test_a_numbered_event_keeps_everything_the_clerk_started_with() -> None:
    draft = EventDraft(
        event_id=uuid4(),
        case_id=uuid4(),
        kind=EventKind.RECEIVED,
        station_id="ZH-01",
        actor="zhangmin",
        occurred_at=datetime(2026, 11, 26, 9, 30, tzinfo=CHINA_TIME),
        payload={"case_number": "x"},
    )
    event = CaseEvent.from_draft(draft, station_seq=7)
    assert event.station_seq == 7
    assert (event.event_id, event.case_id, event.kind, event.payload) == (
        draft.event_id,
        draft.case_id,
        draft.kind,
        draft.payload,
    )


def test_every_document_kind_has_a_chinese_title_and_a_template_stem() -> None:
    titles = {kind.label for kind in DocumentKind}
    assert len(titles) == len(DocumentKind)
    assert DocumentKind.ONE_TIME_NOTICE.label == "一次性告知书"
    assert DocumentKind("intake_receipt") is DocumentKind.INTAKE_RECEIPT


def test_beijing_time_is_eight_hours_ahead_all_year() -> None:
    winter = datetime(2026, 1, 15, tzinfo=CHINA_TIME)
    summer = datetime(2026, 7, 15, tzinfo=CHINA_TIME)
    assert winter.utcoffset() == summer.utcoffset() == timedelta(hours=8)


def test_every_event_kind_has_a_chinese_label() -> None:
    labels = [kind.label for kind in EventKind]
    assert len(set(labels)) == len(EventKind)
    assert EventKind.NOTIFIED_ONCE.label == "一次性告知"
