"""Audit events (查阅记录) on the real central PostgreSQL: they sync with the case through the
ordinary outbox, no station can read another station's (row-level security, extending
``test_security_and_schema.test_a_station_reads_only_its_own_cases`` to the audit kinds), and the
central tally does not count them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from tests.adapters.storage.factories import AT
from tests.adapters.sync.helpers import StationPC, make_station
from zhanhe_counter.adapters.tally import central_source
from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.events import AUDIT_KINDS, EventKind
from zhanhe_counter.services.ports.tally import Grouping, Period
from zhanhe_counter.services.privacy import AuditTrail
from zhanhe_counter.services.tally import TallyService

K = EventKind
AUDIT = sorted(k.value for k in AUDIT_KINDS)


class _Clock:
    """An hour after the cases were received: the audit events fall in the tallied day."""

    def now(self) -> datetime:
        return AT + timedelta(hours=1)


def _as(address: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(address.conninfo("test"), autocommit=True)


def _audit_everything(pc: StationPC, case_id: uuid.UUID) -> None:
    """One audit event of each kind on ``case_id``, by different staff."""
    trail = AuditTrail(pc.store, _Clock(), pc.station_id)
    trail.viewed(case_id, "clerk01")
    trail.record(
        [
            trail.draft(
                case_id,
                "clerk01",
                K.DOCUMENT_PRINTED,
                p.DocumentPrinted(document="intake_receipt", printer="A4").to_payload(),
            ),
            trail.draft(
                case_id,
                "clerk02",
                K.DOCUMENT_REPRINTED,
                p.DocumentReprinted(
                    document="intake_receipt", printer="A4", original_job_id=str(uuid.uuid4())
                ).to_payload(),
            ),
            trail.draft(case_id, "backoffice01", K.ID_REVEALED, p.IdRevealed().to_payload()),
        ]
    )
    trail.exported([case_id], "supervisor01", export="tally_drill", file_format="csv")


@pytest.fixture
def two_stations(central_url: str, tmp_path: Path) -> Iterator[tuple[StationPC, StationPC]]:
    a = make_station(central_url, tmp_path, "410411-01")
    b = make_station(central_url, tmp_path, "410411-02")
    yield a, b
    a.dispose()
    b.dispose()


def test_audit_events_sync_and_only_the_owning_station_reads_them(
    central_url: str, two_stations: tuple[StationPC, StationPC]
) -> None:
    a, b = two_stations
    a.record_cases(2)
    b.record_cases(1)
    for case_id in a.case_ids:
        _audit_everything(a, case_id)
    _audit_everything(b, b.case_ids[0])
    for pc in (a, b):
        report = pc.run()
        assert report.errors == []
        assert report.rejected == 0
        assert set(pc.states().values()) == {"confirmed"}

    with psycopg.connect(central_url) as admin:
        rows = admin.execute(
            "SELECT origin, kind, actor, payload FROM case_event WHERE kind = ANY(%s) "
            "ORDER BY origin, origin_seq",
            (AUDIT,),
        ).fetchall()
        assert admin.execute("SELECT count(*) FROM sync_rejection").fetchone() == (0,)
    assert len(rows) == 3 * len(AUDIT)
    mine = [(kind, actor) for origin, kind, actor, _ in rows if origin == a.station_id]
    assert mine[: len(AUDIT)] == [
        ("case_viewed", "clerk01"),
        ("document_printed", "clerk01"),
        ("document_reprinted", "clerk02"),
        ("id_revealed", "backoffice01"),
        ("case_exported", "supervisor01"),
    ]
    assert all("410" not in str(payload) for *_, payload in rows)  # no ID number travels

    # Row-level security: each station reads its own cases' events, audit kinds included.
    for pc, other, own_cases in ((a, b, 2), (b, a, 1)):
        with _as(pc.address) as conn:
            seen = conn.execute(
                "SELECT DISTINCT case_id FROM case_event WHERE kind = ANY(%s)", (AUDIT,)
            ).fetchall()
            assert {r[0] for r in seen} == set(pc.case_ids)
            assert len(seen) == own_cases
            foreign = conn.execute(
                "SELECT count(*) FROM case_event WHERE case_id = ANY(%s)", (other.case_ids,)
            ).fetchone()
            assert foreign == (0,)
            assert conn.execute(
                "SELECT count(*) FROM case_file WHERE station_id = %s", (other.station_id,)
            ).fetchone() == (0,)


def test_a_station_cannot_write_audit_events_on_another_stations_case(
    two_stations: tuple[StationPC, StationPC],
) -> None:
    a, b = two_stations
    a.record_cases(1)
    assert a.run().errors == []
    now = datetime.now(UTC)
    with (
        _as(b.address) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        conn.execute(
            "INSERT INTO case_event (event_id, case_id, origin, origin_seq, kind, occurred_at, "
            "service_day, hlc, actor, schema_version, payload) "
            "VALUES (%s, %s, %s, 1, 'case_viewed', %s, %s, 1, 'spy', 1, '{}')",
            (uuid.uuid4(), a.case_ids[0], b.station_id, now, now.date()),
        )


def test_the_central_tally_does_not_count_audit_events(
    central_url: str, two_stations: tuple[StationPC, StationPC]
) -> None:
    a, _ = two_stations
    a.record_cases(3)
    assert a.run().errors == []
    engine = sa.create_engine(central_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        service = TallyService(central_source(engine), _Clock())
        period = Period(AT.date(), AT.date())
        before = service.tally(period, Grouping.CLERK)
        for case_id in a.case_ids:
            _audit_everything(a, case_id)
        assert a.run().errors == []
        after = service.tally(period, Grouping.CLERK)
        with psycopg.connect(central_url) as admin:
            in_period = admin.execute(
                "SELECT count(*) FROM case_event WHERE kind = ANY(%s) AND service_day = %s",
                (AUDIT, AT.date()),
            ).fetchone()
        assert in_period == (3 * len(AUDIT),)  # the audit events are in the tallied day
        assert sum(before.total.counts.values()) > 0
        assert (after.rows, after.total) == (before.rows, before.total)
    finally:
        engine.dispose()
