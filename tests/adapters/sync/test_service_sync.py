"""送达 records (``notice_served``) on the real central PostgreSQL (c0008_service_record): the
centre accepts them from a station, in person and mailed with the later signed-for date, and the
progress page's ``progress_case`` never passes the receiver or the addresses on."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from tests.adapters.storage.factories import AT
from tests.adapters.sync.helpers import make_station
from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.china_time import china_date
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.services.notice_service import NoticeServiceDesk


class _Clock:
    def __init__(self) -> None:
        self.current = AT + timedelta(hours=1)

    def now(self) -> datetime:
        return self.current


def _accept(store: Any, station_id: str, case_id: uuid.UUID, at: datetime) -> None:
    store.append(
        EventDraft(
            event_id=uuid.uuid4(),
            case_id=case_id,
            kind=EventKind.ACCEPTED,
            station_id=station_id,
            actor="backoffice01",
            occurred_at=at,
            payload=p.Accepted().to_payload(),
        )
    )


def test_service_records_sync_and_stay_out_of_the_progress_page(
    central_url: str, tmp_path: Path
) -> None:
    pc = make_station(central_url, tmp_path, "410411-01")
    try:
        pc.record_cases(2)
        handed, mailed = pc.case_ids
        clock = _Clock()
        desk = NoticeServiceDesk(store=pc.store, clock=clock, station_id=pc.station_id)
        for case_id in (handed, mailed):
            _accept(pc.store, pc.station_id, case_id, clock.now())
        desk.in_person(handed, DocumentKind.ACCEPTANCE_NOTICE, "张三", "backoffice01")
        desk.mailed(
            mailed,
            DocumentKind.ACCEPTANCE_NOTICE,
            "中国邮政EMS",
            "1180000000001",
            "backoffice01",
            address="湛河区九龙路1号",
        )
        first = pc.run()
        assert first.errors == []
        assert first.rejected == 0
        clock.current += timedelta(days=2)
        signed_on = china_date(clock.now())
        desk.signed_for(mailed, "1180000000001", signed_on, "delivery01")
        second = pc.run()
        assert second.errors == []
        assert second.rejected == 0
        assert set(pc.states().values()) == {"confirmed"}

        with psycopg.connect(central_url) as admin:
            rows = admin.execute(
                "SELECT case_id, payload FROM case_event WHERE kind = 'notice_served' "
                "ORDER BY origin_seq"
            ).fetchall()
            assert admin.execute("SELECT count(*) FROM sync_rejection").fetchone() == (0,)
            numbers = {
                case_id: admin.execute(
                    "SELECT payload ->> 'case_number' FROM case_event "
                    "WHERE case_id = %s AND kind = 'received'",
                    (case_id,),
                ).fetchone()[0]  # type: ignore[index]
                for case_id in (handed, mailed)
            }
            progress = {
                case_id: admin.execute(
                    "SELECT p_payload FROM progress_case(%s) WHERE p_kind = 'notice_served'",
                    (numbers[case_id],),
                ).fetchall()
                for case_id in (handed, mailed)
            }
        assert [(r[0], r[1]["method"]) for r in rows] == [
            (handed, "in_person"),
            (mailed, "post"),
            (mailed, "post"),
        ]
        assert rows[0][1]["receiver"] == "张三"
        assert rows[2][1]["signed_for_on"] == signed_on.isoformat()
        # The progress page gets the steps, never the receiver or the mail address.
        (handed_step,) = progress[handed]
        assert handed_step[0]["receiver"] == "*"
        assert all(step[0]["mail_address"] is None for step in progress[mailed])
        assert "张三" not in str(progress)
        assert "九龙路" not in str(progress)
        p.NoticeServed.from_payload(handed_step[0])  # still a well-formed record
    finally:
        pc.dispose()
