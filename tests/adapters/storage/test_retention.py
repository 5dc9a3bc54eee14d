"""Pruning local case copies (issue 9): only closed, confirmed, old cases go, and all of them.

Each test works on a real station database (SQLite with the full migrated schema) and, for the
sync proof, a real central PostgreSQL (``tests/pg.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa
import uuid6

from tests import pg
from tests.adapters.storage.factories import STATION, received_draft
from tests.adapters.storage.number_sequences import issue_number
from tests.adapters.sync.helpers import make_station
from zhanhe_counter.adapters.storage.audit_tables import id_reveal
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
from zhanhe_counter.adapters.storage.print_tables import print_attempt, print_document, print_job
from zhanhe_counter.adapters.storage.retention import SqliteCasePruner, prune_confirmed_cases
from zhanhe_counter.adapters.storage.signature_tables import SqliteSignatureArchive, signature_image
from zhanhe_counter.adapters.storage.tables import (
    case_event,
    case_status,
    station_counter,
    sync_rejection,
)
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.events import EventDraft, EventKind

pg_cluster = pg.pg_cluster
central_url = pg.central_url

OLD = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CUTOFF = datetime(2026, 6, 1, tzinfo=UTC)
RECENT = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
PRINT_MARKER = b"%PDF-retention-marker-7f3a"


def _store(engine: sa.Engine, at: datetime) -> SqliteEventStore:
    return SqliteEventStore(engine, clock=lambda: at)


def _draft(case_id: UUID, kind: EventKind, payload: dict[str, object], at: datetime) -> EventDraft:
    return EventDraft(
        event_id=uuid6.uuid7(),
        case_id=case_id,
        kind=kind,
        station_id=STATION,
        actor="clerk01",
        occurred_at=at,
        payload=payload,
    )


def _refused_case(engine: sa.Engine, at: datetime = OLD) -> UUID:
    """A case received and refused (不予受理) at ``at``: closed."""
    received = received_draft(occurred_at=at)
    refused = _draft(
        received.case_id,
        EventKind.REFUSED,
        payloads.refused_payload(reasons=["不属于本机关职权范围"], basis="行政许可法第三十二条"),
        at + timedelta(minutes=3),
    )
    _store(engine, at).append_many([received, refused])
    return received.case_id


def _open_case(engine: sa.Engine, at: datetime = OLD) -> UUID:
    received = received_draft(occurred_at=at)
    _store(engine, at).append(received)
    return received.case_id


def _set_sync_state(engine: sa.Engine, case_id: UUID, state: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.update(case_event)
            .where(case_event.c.case_id == case_id)
            .values(sync_state=state, server_seq=case_event.c.station_seq + 1000)
        )


def _confirm(engine: sa.Engine, case_id: UUID) -> None:
    _set_sync_state(engine, case_id, "confirmed")


def _print_and_reveal(engine: sa.Engine, case_id: UUID) -> None:
    """A printed document with a reprint and attempts, and an ID reveal, as the queue and the
    privacy service write them."""
    document_id, job_id, reprint_id = uuid6.uuid7(), uuid6.uuid7(), uuid6.uuid7()
    common = {"case_id": case_id, "kind": "receipt", "printer": "A4打印机", "state": "done"}
    with engine.begin() as connection:
        connection.execute(
            print_document.insert().values(
                document_id=document_id,
                case_id=case_id,
                kind="receipt",
                mime="application/pdf",
                template_id="receipt",
                template_version=1,
                sha256="0" * 64,
                page_count=1,
                content=PRINT_MARKER + " 张三 410411199001011234".encode(),
                created_at=OLD,
            )
        )
        for job, original in ((job_id, None), (reprint_id, job_id)):
            connection.execute(
                print_job.insert().values(
                    job_id=job,
                    request_id=uuid6.uuid7(),
                    document_id=document_id,
                    reprint_of=original,
                    payload=PRINT_MARKER if original else None,
                    copies=1,
                    attempts=1,
                    requested_by="clerk01",
                    created_at=OLD,
                    updated_at=OLD,
                    **common,
                )
            )
            connection.execute(
                print_attempt.insert().values(
                    job_id=job, attempt_no=1, outcome="printed", started_at=OLD, finished_at=OLD
                )
            )
        connection.execute(
            id_reveal.insert().values(
                reveal_id=uuid6.uuid7(),
                case_id=case_id,
                staff_id="backoffice01",
                station_id=STATION,
                at=OLD,
            )
        )


def _signature_file(data_dir: Path, case_id: UUID) -> Path:
    """A signature PNG as versions before the in-database archive left it in the data folder."""
    path = data_dir / "signatures" / str(case_id) / f"{uuid6.uuid7()}.png"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x89PNG signature")
    return path


def _rows(engine: sa.Engine, table: sa.Table, case_id: UUID) -> int:
    with engine.connect() as connection:
        if table is print_attempt:
            where = print_attempt.c.job_id.in_(
                sa.select(print_job.c.job_id).where(print_job.c.case_id == case_id)
            )
        else:
            where = table.c.case_id == case_id
        return int(
            connection.execute(
                sa.select(sa.func.count()).select_from(table).where(where)
            ).scalar_one()
        )


def _exists(engine: sa.Engine, case_id: UUID) -> bool:
    return _rows(engine, case_status, case_id) == 1


@pytest.fixture
def anchor(engine: sa.Engine) -> Callable[[], UUID]:
    """Records an open case last, so it holds the station's newest event (kept by rule)."""

    def record() -> UUID:
        return _open_case(engine, RECENT)

    return record


def test_a_closed_confirmed_old_case_goes_with_everything_it_owns(
    engine: sa.Engine, db_path: Path, anchor: Callable[[], UUID]
) -> None:
    data_dir = db_path.parent
    case_id = _refused_case(engine)
    _confirm(engine, case_id)
    _print_and_reveal(engine, case_id)
    SqliteSignatureArchive(engine).save(case_id, uuid6.uuid7(), PRINT_MARKER + b" signature")
    leftover = _signature_file(data_dir, case_id)
    kept = anchor()

    report = prune_confirmed_cases(engine, older_than=CUTOFF, data_dir=data_dir)

    assert report.case_ids == (case_id,)
    assert not report.dry_run
    assert report.signature_files == 1
    assert report.rows["case_event"] == 2
    assert report.rows["case_status"] == 1
    assert report.rows["print_job"] == 2
    assert report.rows["print_attempt"] == 2
    assert report.rows["print_document"] == 1
    assert report.rows["id_reveal"] == 1
    assert report.rows["signature_image"] == 1
    tables = (case_status, case_event, print_document, print_job, print_attempt, id_reveal)
    for table in (*tables, signature_image):
        assert _rows(engine, table, case_id) == 0, table.name
    assert not leftover.exists()
    assert not (data_dir / "signatures" / str(case_id)).exists()
    assert _exists(engine, kept)
    engine.dispose()
    # secure_delete and the WAL truncation leave no copy of the bytes in the files on disk.
    for path in db_path.parent.glob("station.sqlite3*"):
        assert PRINT_MARKER not in path.read_bytes(), path.name


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(_refused_case, id="unconfirmed"),
        pytest.param(
            lambda e: (c := _refused_case(e), _set_sync_state(e, c, "sent"))[0], id="sent"
        ),
        pytest.param(
            lambda e: (c := _refused_case(e), _set_sync_state(e, c, "rejected"))[0], id="rejected"
        ),
        pytest.param(lambda e: (c := _open_case(e), _confirm(e, c))[0], id="open"),
        pytest.param(lambda e: (c := _refused_case(e, RECENT), _confirm(e, c))[0], id="recent"),
    ],
)
def test_cases_that_must_stay(
    engine: sa.Engine, anchor: Callable[[], UUID], make: Callable[[sa.Engine], UUID]
) -> None:
    case_id = make(engine)
    anchor()

    report = prune_confirmed_cases(engine, older_than=CUTOFF)

    assert report.case_ids == ()
    assert _exists(engine, case_id)
    assert _rows(engine, case_event, case_id) >= 1


def test_one_newer_event_keeps_the_case(engine: sa.Engine, anchor: Callable[[], UUID]) -> None:
    case_id = _refused_case(engine)
    rated = _draft(case_id, EventKind.RATED, payloads.rated_payload(5), RECENT)
    _store(engine, RECENT).append(rated)
    _confirm(engine, case_id)
    anchor()

    assert prune_confirmed_cases(engine, older_than=CUTOFF).case_ids == ()
    assert _rows(engine, case_event, case_id) == 3


def test_one_unconfirmed_event_keeps_the_case(
    engine: sa.Engine, anchor: Callable[[], UUID]
) -> None:
    case_id = _refused_case(engine)
    _confirm(engine, case_id)
    with engine.begin() as connection:
        connection.execute(
            sa.update(case_event)
            .where(case_event.c.case_id == case_id, case_event.c.kind == "refused")
            .values(sync_state="sent")
        )
    anchor()

    assert prune_confirmed_cases(engine, older_than=CUTOFF).case_ids == ()
    assert _exists(engine, case_id)


def test_a_bad_rating_not_yet_followed_up_keeps_the_case(
    engine: sa.Engine, anchor: Callable[[], UUID]
) -> None:
    case_id = _refused_case(engine)
    bad = _draft(case_id, EventKind.RATED, payloads.rated_payload(1, ["态度差"]), OLD)
    _store(engine, OLD).append(bad)
    _confirm(engine, case_id)
    anchor()

    assert prune_confirmed_cases(engine, older_than=CUTOFF).case_ids == ()
    assert _exists(engine, case_id)


def test_a_case_needing_attention_stays(engine: sa.Engine, anchor: Callable[[], UUID]) -> None:
    case_id = _refused_case(engine)
    _confirm(engine, case_id)
    with engine.begin() as connection:
        connection.execute(
            sa.update(case_status)
            .where(case_status.c.case_id == case_id)
            .values(needs_attention=True)
        )
    anchor()

    assert prune_confirmed_cases(engine, older_than=CUTOFF).case_ids == ()


def test_the_case_with_the_stations_newest_event_stays(engine: sa.Engine) -> None:
    first = _refused_case(engine)
    newest = _refused_case(engine)
    _confirm(engine, first)
    _confirm(engine, newest)

    report = prune_confirmed_cases(engine, older_than=CUTOFF)

    # The sync handshake reads the station's highest number from case_event.
    assert report.case_ids == (first,)
    assert _exists(engine, newest)


def test_dry_run_reports_and_changes_nothing(
    engine: sa.Engine, db_path: Path, anchor: Callable[[], UUID]
) -> None:
    case_id = _refused_case(engine)
    _confirm(engine, case_id)
    _print_and_reveal(engine, case_id)
    _signature_file(db_path.parent, case_id)
    anchor()

    report = SqliteCasePruner(engine, db_path.parent).prune(CUTOFF, dry_run=True)

    assert report.dry_run
    assert report.case_ids == (case_id,)
    assert report.rows["case_event"] == 2
    assert report.rows["print_job"] == 2
    assert report.signature_files == 1
    assert _exists(engine, case_id)
    assert _rows(engine, print_job, case_id) == 2
    assert (db_path.parent / "signatures" / str(case_id)).is_dir()


def test_batches_take_every_eligible_case(engine: sa.Engine, anchor: Callable[[], UUID]) -> None:
    cases = [_refused_case(engine) for _ in range(7)]
    for case_id in cases:
        _confirm(engine, case_id)
    anchor()

    report = prune_confirmed_cases(engine, older_than=CUTOFF, batch_size=2)

    assert sorted(report.case_ids) == sorted(cases)
    assert len(report.case_numbers) == 7
    assert not any(_exists(engine, case_id) for case_id in cases)


def test_numbering_continues_after_pruning(engine: sa.Engine, anchor: Callable[[], UUID]) -> None:
    day = date(2026, 1, 5)
    issued = [issue_number(engine, "41041101", "S", day) for _ in range(3)]
    pruned = [_refused_case(engine) for _ in range(3)]
    for case_id in pruned:
        _confirm(engine, case_id)
    anchor()
    with engine.connect() as connection:
        last_seq = connection.execute(sa.select(station_counter.c.last_seq)).scalar_one()

    assert len(prune_confirmed_cases(engine, older_than=CUTOFF).case_ids) == 3
    later = _open_case(engine, RECENT)

    with engine.connect() as connection:
        seqs = connection.execute(
            sa.select(case_event.c.station_seq).where(case_event.c.case_id == later)
        ).scalars()
        assert list(seqs) == [last_seq + 1]
    assert issue_number(engine, "41041101", "S", day) == issued[-1] + 1


def test_naive_cutoff_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        prune_confirmed_cases(engine, older_than=datetime(2026, 6, 1))


def test_a_rejected_events_reason_goes_with_nothing_else(
    engine: sa.Engine, anchor: Callable[[], UUID]
) -> None:
    """A rejected case stays, and so does its rejection record (the outbox screen needs it)."""
    case_id = _refused_case(engine)
    _set_sync_state(engine, case_id, "rejected")
    with engine.begin() as connection:
        event_id = connection.execute(
            sa.select(case_event.c.event_id).where(case_event.c.case_id == case_id).limit(1)
        ).scalar_one()
        connection.execute(
            sync_rejection.insert().values(event_id=event_id, code="x", message="拒收", at=OLD)
        )
    anchor()

    prune_confirmed_cases(engine, older_than=CUTOFF)

    with engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(sync_rejection)).scalar_one()
            == 1
        )


# ------------------------------------------------------------------------------- with the sync


def test_sync_after_pruning_pushes_nothing_again_and_pulls_fine(
    central_url: str, tmp_path: Path
) -> None:
    station = make_station(central_url, tmp_path)
    try:
        old = [_refused_case(station.engine) for _ in range(4)]
        anchor_case = _open_case(station.engine, RECENT)
        first = station.run()
        assert first.errors == []
        assert set(station.states().values()) == {"confirmed"}
        with psycopg.connect(central_url) as conn:
            before = conn.execute("SELECT count(*) FROM case_event").fetchone()

        report = prune_confirmed_cases(station.engine, older_than=CUTOFF)
        assert sorted(report.case_ids) == sorted(old)

        again = station.run()
        assert again.errors == []
        assert again.pushed == 0
        assert again.duplicates == 0
        assert again.conflicts == 0
        assert again.resent == 0
        with psycopg.connect(central_url) as conn:
            after = conn.execute("SELECT count(*) FROM case_event").fetchone()
        assert before == after

        # The station goes on numbering after its pruned events, and the centre takes it.
        new_events = station.record_cases(2)
        third = station.run()
        assert third.errors == []
        assert third.pushed == 2
        states = station.states()
        assert all(states[e] == "confirmed" for e in new_events)
        assert _exists(station.engine, anchor_case)
        with psycopg.connect(central_url) as conn:
            seqs = [
                r[0]
                for r in conn.execute(
                    "SELECT origin_seq FROM case_event WHERE origin = %s ORDER BY origin_seq",
                    (station.station_id,),
                )
            ]
        assert seqs == list(range(1, len(seqs) + 1))  # gap-free, nothing reused
        assert len(seqs) == 4 * 2 + 1 + 2
    finally:
        station.dispose()


def test_prune_on_a_reopened_database(tmp_path: Path) -> None:
    """The pruner works on a database opened afresh (as at startup), not only a warm engine."""
    path = tmp_path / "station.sqlite3"
    engine = open_local_database(path)
    case_id = _refused_case(engine)
    _confirm(engine, case_id)
    _open_case(engine, RECENT)
    engine.dispose()
    engine = open_local_database(path)
    try:
        assert prune_confirmed_cases(engine, older_than=CUTOFF).case_ids == (case_id,)
    finally:
        engine.dispose()


def test_a_full_re_pull_after_pruning_brings_nothing_back(central_url: str, tmp_path: Path) -> None:
    """After the centre is restored the station pulls everything again: the events of cases it
    pruned are ignored, not set aside as conflicts that would bring the pruned facts back."""
    from zhanhe_counter.adapters.storage.sync_marks import K_EVENTS_CURSOR, put_mark
    from zhanhe_counter.services.ports.sync import PullCursor

    station = make_station(central_url, tmp_path)
    try:
        old = [_refused_case(station.engine) for _ in range(3)]
        _open_case(station.engine, RECENT)
        assert station.run().errors == []
        assert sorted(prune_confirmed_cases(station.engine, older_than=CUTOFF).case_ids) == sorted(
            old
        )
        with station.engine.begin() as connection:
            put_mark(connection, K_EVENTS_CURSOR, PullCursor().to_text(), RECENT)

        again = station.run()

        assert again.errors == []
        assert again.conflicts == 0
        assert not any(_exists(station.engine, case_id) for case_id in old)
        with station.engine.connect() as connection:
            conflicts = connection.exec_driver_sql("SELECT count(*) FROM sync_conflict")
            assert conflicts.scalar_one() == 0
    finally:
        station.dispose()


def test_the_station_prunes_expired_cases_when_it_opens(tmp_path: Path) -> None:
    from tests.services.test_intake import FixedClock
    from zhanhe_counter.composition import build_station

    station = build_station(tmp_path, demo=True, start_queue=False)
    expired = _refused_case(station.engine)
    _confirm(station.engine, expired)
    kept = _open_case(station.engine, RECENT)
    station.close()

    # Opened more than the default 180 days after the case closed.
    later = build_station(
        tmp_path, demo=True, start_queue=False, clock=FixedClock(OLD + timedelta(days=200))
    )
    try:
        assert not _exists(later.engine, expired)
        assert _exists(later.engine, kept)
    finally:
        later.close()
