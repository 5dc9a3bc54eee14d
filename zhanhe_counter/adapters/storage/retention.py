"""Pruning local case copies the centre has confirmed (本机办件清理), after the retention period.

A case goes only when all of these hold, checked again inside the batch's write transaction:

* its status is final and nothing is owed on it (:func:`services.retention.is_closed`, a fold of
  its own events);
* every one of its events is ``confirmed`` by the centre (none ``local``, ``sent`` or
  ``rejected``), it is not flagged ``needs_attention`` and no pulled fact about it is set aside;
* its last event, by status time, occurrence and recording, is older than the cut-off;
* every material page image of it has been uploaded to the centre (``material_page``);
* it does not hold the newest event of a station: the sync handshake compares the centre's
  highest number for this station with the highest one in ``case_event``, and a database
  whose newest event was pruned would look like one restored from an old backup.

Everything about the case goes in the same transaction: its events and status row, and every
row of any table that has a ``case_id`` column or refers to such a row (print documents, jobs
and attempts with their bytes, the ID reveal log, sync rejections and conflicts — and whatever
table is added later, such as signatures kept in the database). Signature image files in
``<data>/signatures/<case id>/`` are deleted after the commit. Deleted pages are overwritten
(``secure_delete``) and the WAL is truncated afterwards, so the data does not linger in the file.

What pruning never touches: ``station_counter`` (the gap-free event numbering continues, so no
``origin_seq`` is used twice), ``number_sequence`` (no 受理编号 is issued twice) and the sync marks
and cursors in ``sync_state``: only confirmed events go, and those lie at or below the push mark,
so nothing is pushed again. Each pruned case id is written to ``pruned_case`` in the same
transaction, and the sync ignores events it pulls later about those cases.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import storage_errors
from zhanhe_counter.adapters.storage.event_store import row_to_event
from zhanhe_counter.adapters.storage.retention_tables import pruned_case
from zhanhe_counter.adapters.storage.tables import (
    case_event,
    case_status,
    full_metadata,
)
from zhanhe_counter.domain.case import CaseStatus, project
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.retention import PruneReport
from zhanhe_counter.services.retention import is_closed

log = logging.getLogger(__name__)

DEFAULT_BATCH = 200
# FolderSignatureArchive's folder: ``<data>/signatures/<case id>/<event id>.png``.
SIGNATURE_FOLDER = "signatures"
_CONFIRMED = "confirmed"
_FINAL_STATUSES = tuple(status.value for status in CaseStatus if status.is_final)


class SqliteCasePruner:
    """``CasePruner`` on the station database and its data folder."""

    def __init__(
        self, engine: sa.Engine, data_dir: Path | None, *, batch_size: int = DEFAULT_BATCH
    ) -> None:
        self._engine = engine
        self._data_dir = data_dir
        self._batch_size = max(1, batch_size)

    def prune(self, older_than: datetime, *, dry_run: bool = False) -> PruneReport:
        return prune_confirmed_cases(
            self._engine,
            older_than=older_than,
            data_dir=self._data_dir,
            dry_run=dry_run,
            batch_size=self._batch_size,
        )


def prune_confirmed_cases(
    engine: sa.Engine,
    *,
    older_than: datetime,
    data_dir: Path | None = None,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
) -> PruneReport:
    """Delete the local copy of every closed, centrally confirmed case last touched before
    ``older_than``; one transaction per batch. With ``dry_run`` nothing changes and the report
    says what would go. ``data_dir`` is where signature files live (``None``: no files)."""
    if older_than.tzinfo is None or older_than.utcoffset() is None:
        raise ValueError("older_than must be timezone-aware")
    cutoff = older_than.astimezone(UTC)
    case_ids: list[UUID] = []
    numbers: list[str] = []
    rows: dict[str, int] = {}
    files = 0
    after: UUID | None = None
    batch_size = max(1, batch_size)
    while True:
        with storage_errors(), engine.connect() as connection, connection.begin() as transaction:
            candidates = _candidates(connection, cutoff, after, batch_size)
            if not candidates:
                break
            after = candidates[-1]
            chosen = _closed_cases(connection, candidates)
            if chosen:
                numbers += _case_numbers(connection, chosen)
                counts = _delete_case_rows(connection, chosen, dry_run=dry_run)
                connection.execute(
                    pruned_case.insert(),
                    [{"pruned_case_id": c, "pruned_at": datetime.now(UTC)} for c in chosen],
                )
                for table, count in counts.items():
                    rows[table] = rows.get(table, 0) + count
            if dry_run:
                transaction.rollback()
        # Files after the commit: a crash in between leaves a folder, never a case without it.
        files += _signature_files(data_dir, chosen, delete=not dry_run)
        case_ids += chosen
        if len(candidates) < batch_size:
            break
    if case_ids and not dry_run:
        _truncate_wal(engine)
        log.info("pruned %d cases last changed before %s", len(case_ids), cutoff.isoformat())
    return PruneReport(
        cutoff=cutoff,
        dry_run=dry_run,
        case_ids=tuple(case_ids),
        case_numbers=tuple(numbers),
        rows={table: count for table, count in rows.items() if count},
        signature_files=files,
    )


def _candidates(
    connection: sa.Connection, cutoff: datetime, after: UUID | None, limit: int
) -> list[UUID]:
    """Case ids that pass every check SQL can make, in id order from ``after``."""
    event = case_event.alias("e")
    not_confirmed = (
        sa.select(event.c.event_id)
        .where(event.c.case_id == case_status.c.case_id, event.c.sync_state != _CONFIRMED)
        .exists()
    )
    recent = (
        sa.select(event.c.event_id)
        .where(
            event.c.case_id == case_status.c.case_id,
            sa.or_(event.c.occurred_at >= cutoff, event.c.recorded_at >= cutoff),
        )
        .exists()
    )
    has_events = sa.select(event.c.event_id).where(event.c.case_id == case_status.c.case_id)
    newest = (
        sa.select(case_event.c.station_id, sa.func.max(case_event.c.station_seq).label("seq"))
        .group_by(case_event.c.station_id)
        .subquery()
    )
    anchors = sa.select(event.c.case_id).join(
        newest,
        sa.and_(newest.c.station_id == event.c.station_id, newest.c.seq == event.c.station_seq),
    )
    conditions = [
        case_status.c.status.in_(_FINAL_STATUSES),
        case_status.c.updated_at < cutoff,
        case_status.c.needs_attention.is_(False),
        has_events.exists(),
        ~not_confirmed,
        ~recent,
        case_status.c.case_id.not_in(anchors),
    ]
    conflict = full_metadata().tables.get("sync_conflict")
    if conflict is not None:
        conditions.append(
            ~sa.select(conflict.c.event_id)
            .where(conflict.c.case_id == case_status.c.case_id)
            .exists()
        )
    pages = full_metadata().tables.get("material_page")
    if pages is not None:  # a page the centre does not hold yet keeps its case (docs/materials.md)
        conditions.append(
            ~sa.select(pages.c.sha256)
            .where(pages.c.case_id == case_status.c.case_id, pages.c.uploaded_at.is_(None))
            .exists()
        )
    if after is not None:
        conditions.append(case_status.c.case_id > after)
    query = (
        sa.select(case_status.c.case_id)
        .where(*conditions)
        .order_by(case_status.c.case_id)
        .limit(limit)
    )
    return list(connection.execute(query).scalars())


def _closed_cases(connection: sa.Connection, case_ids: Sequence[UUID]) -> list[UUID]:
    """The cases whose own events say they are closed (a stored status can lag a new rule)."""
    rows = connection.execute(
        sa.select(case_event)
        .where(case_event.c.case_id.in_(case_ids))
        .order_by(case_event.c.case_id, case_event.c.case_pos)
    ).all()
    events: dict[UUID, list[sa.Row[object]]] = {}
    for row in rows:
        events.setdefault(row.case_id, []).append(row)
    closed = []
    for case_id in case_ids:
        try:
            state = project(row_to_event(row) for row in events.get(case_id, []))
        except (DomainError, ValueError) as error:
            log.warning("case %s kept: its events do not fold (%s)", case_id, type(error).__name__)
            continue
        if is_closed(state):
            closed.append(case_id)
    return closed


def _case_numbers(connection: sa.Connection, case_ids: Sequence[UUID]) -> list[str]:
    return [
        number
        for number in connection.execute(
            sa.select(case_status.c.case_number)
            .where(case_status.c.case_id.in_(case_ids))
            .order_by(case_status.c.case_number)
        ).scalars()
        if number
    ]


def _delete_case_rows(
    connection: sa.Connection, case_ids: Sequence[UUID], *, dry_run: bool
) -> dict[str, int]:
    """Delete (or count) every row that belongs to ``case_ids``, children before parents."""
    metadata = full_metadata()
    present = set(sa.inspect(connection).get_table_names())
    counts: dict[str, int] = {}
    previous = connection.exec_driver_sql("PRAGMA secure_delete").scalar()
    if not dry_run:
        connection.exec_driver_sql("PRAGMA secure_delete = ON")
    try:
        for table in reversed(metadata.sorted_tables):
            if table.name not in present:
                continue
            where = _belongs_to(table, case_ids)
            if where is None:
                continue
            if dry_run:
                count = connection.execute(
                    sa.select(sa.func.count()).select_from(table).where(where)
                ).scalar_one()
            else:
                count = connection.execute(sa.delete(table).where(where)).rowcount
            counts[table.name] = int(count or 0)
    finally:
        if not dry_run:
            connection.exec_driver_sql(f"PRAGMA secure_delete = {int(previous or 0)}")
    return counts


def _belongs_to(table: sa.Table, case_ids: Sequence[UUID]) -> sa.ColumnElement[bool] | None:
    """The rows of ``table`` that belong to ``case_ids``: by its own ``case_id`` column, by a
    foreign key to ``case_status``, or by a foreign key to a table that has a ``case_id``."""
    if table is case_status:
        return case_status.c.case_id.in_(case_ids)
    if "case_id" in table.c:
        return table.c.case_id.in_(case_ids)
    for foreign in table.foreign_keys:
        parent = foreign.column.table
        if parent is case_status:
            return foreign.parent.in_(case_ids)
        if isinstance(parent, sa.Table) and "case_id" in parent.c:
            return foreign.parent.in_(
                sa.select(foreign.column).where(parent.c.case_id.in_(case_ids))
            )
    return None


def _signature_files(data_dir: Path | None, case_ids: Sequence[UUID], *, delete: bool) -> int:
    if data_dir is None:
        return 0
    count = 0
    for case_id in case_ids:
        folder = data_dir / SIGNATURE_FOLDER / str(case_id)
        if not folder.is_dir():
            continue
        count += sum(1 for path in folder.rglob("*") if path.is_file())
        if delete:
            try:
                shutil.rmtree(folder)
            except OSError as error:
                # The rows are gone and cannot be restored; say where the image still is.
                log.warning("could not delete signature folder of case %s: %s", case_id, error)
    return count


def _truncate_wal(engine: sa.Engine) -> None:
    """Move the deletions into the main file and empty the WAL, where old pages would linger."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except sa.exc.DBAPIError as error:  # another reader holds the WAL: it shrinks next time
        log.info("WAL checkpoint after pruning postponed: %s", error)
