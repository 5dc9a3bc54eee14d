"""Two stations writing to one case while one is offline: the rules are in docs/hall.md.

The counter takes in the supplement the one-time notice asked for, offline; meanwhile the back
office refuses the case and its refusal reaches the centre first. In the centre's commit order
the supplement comes after a refusal, which ends the case: both stations flag the supplement as
a conflict (the desk on arrival, the counter when the refusal lands before its own record), the
centre keeps both events once, and nothing is dropped or applied twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
import uuid6

from tests.adapters.sync.helpers import StationPC, make_station
from zhanhe_counter.adapters.storage.sync_tables import sync_conflict
from zhanhe_counter.adapters.storage.tables import case_status
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.events import EventDraft, EventKind
from zhanhe_counter.services.ports.sync import CaseSyncBadge

DEPARTMENT = "湛河区民政局"


def _draft(pc: StationPC, case_id: Any, kind: EventKind, payload: dict[str, Any]) -> EventDraft:
    return EventDraft(
        event_id=uuid6.uuid7(),
        case_id=case_id,
        kind=kind,
        station_id=pc.station_id,
        actor="staff",
        occurred_at=datetime.now(UTC),
        payload=payload,
    )


def _conflicts(pc: StationPC) -> list[tuple[Any, str]]:
    with pc.engine.connect() as conn:
        return [
            (r.event_id, r.reason)
            for r in conn.execute(sa.select(sync_conflict.c.event_id, sync_conflict.c.reason))
        ]


def _flagged(pc: StationPC, case_id: Any) -> bool:
    with pc.engine.connect() as conn:
        return bool(
            conn.execute(
                sa.select(case_status.c.needs_attention).where(case_status.c.case_id == case_id)
            ).scalar_one()
        )


def test_a_supplement_overtaken_by_a_refusal_is_a_conflict_on_both_stations(
    central_url: str, tmp_path: Path
) -> None:
    counter = make_station(
        central_url, tmp_path, "QZX-W03", hall="QZX", departments={"M-001": DEPARTMENT}
    )
    desk = make_station(central_url, tmp_path, "QZX-BO", roles=f"backoffice={DEPARTMENT}")
    counter.record_cases(1)
    case_id = counter.case_ids[0]
    assert counter.run().errors == []
    assert desk.run().added == 1
    desk.store.append(
        _draft(
            desk,
            case_id,
            EventKind.NOTIFIED_ONCE,
            payloads.NotifiedOnce(
                items=[payloads.MaterialItem("mat-1", "身份证复印件")]
            ).to_payload(),
        )
    )
    assert desk.run().errors == []
    assert counter.run().added == 1

    # Offline at the counter: the supplement is taken in and kept on the PC.
    supplement = _draft(
        counter,
        case_id,
        EventKind.SUPPLEMENT_RECEIVED,
        payloads.SupplementReceived(material_ids=["mat-1"]).to_payload(),
    )
    counter.store.append(supplement)
    # Meanwhile the desk refuses, and its refusal reaches the centre first.
    refusal = _draft(
        desk,
        case_id,
        EventKind.REFUSED,
        payloads.Refused(reasons=["材料不符合法定形式"], relief="可申请行政复议").to_payload(),
    )
    desk.store.append(refusal)
    assert desk.run().pushed == 1

    report = counter.run()  # back online: pushes the supplement, pulls the refusal
    assert (report.errors, report.pushed, report.conflicts) == ([], 1, 1)
    assert _conflicts(counter) == [(supplement.event_id, "overtaken")]
    assert _flagged(counter, case_id)
    assert counter.outbox.case_badges([case_id])[case_id] is CaseSyncBadge.NEEDS_ATTENTION

    report = desk.run()
    assert (report.errors, report.conflicts) == ([], 1)
    assert _conflicts(desk) == [(supplement.event_id, "incompatible")]
    assert _flagged(desk, case_id)

    # Kept once each at the centre; a second round changes nothing.
    with psycopg.connect(central_url) as conn:
        kinds = conn.execute(
            "SELECT kind, count(*) FROM case_event WHERE case_id = %s GROUP BY kind ORDER BY kind",
            (case_id,),
        ).fetchall()
    assert kinds == [
        ("notified_once", 1),
        ("received", 1),
        ("refused", 1),
        ("supplement_received", 1),
    ]
    for pc in (counter, desk):
        again = pc.run()
        assert (again.added, again.conflicts) == (0, 0)
        assert len(_conflicts(pc)) == 1
    counter.dispose()
    desk.dispose()
