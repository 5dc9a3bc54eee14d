"""Writer process for the crash test: appends case events until it is killed.

Usage: ``python crash_writer.py DB_PATH SEED``. It goes through the real ``SqliteEventStore``:
each case opens with ``record_numbered`` (case number and RECEIVED event in one transaction) and
about a third of them are then accepted. ``ACK <event_id> <station_seq>`` is printed and flushed
only after ``append`` returned, i.e. after COMMIT.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

import uuid6

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.adapters.storage.factories import (  # noqa: E402
    STATION_CODE,
    accepted_draft,
    case_number,
    received_draft,
)
from zhanhe_counter.adapters.storage.engine import open_local_database  # noqa: E402
from zhanhe_counter.adapters.storage.event_store import SqliteEventStore  # noqa: E402

DAY = date(2026, 11, 26)


def main() -> None:
    db_path, seed = Path(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    store = SqliteEventStore(open_local_database(db_path))
    out = sys.stdout
    out.write("READY\n")
    out.flush()
    while True:
        event_id = uuid6.uuid7()
        # ~2 KB payloads so that WAL checkpoints happen during the run.
        size = rng.randint(500, 3000)
        event = store.record_numbered(
            event_id,
            STATION_CODE,
            "S",
            DAY,
            lambda seq, eid=event_id, n=size: received_draft(  # type: ignore[misc]
                event_id=eid, number=case_number(seq, DAY), note_size=n
            ),
        )
        out.write(f"ACK {event.event_id} {event.station_seq}\n")
        out.flush()
        if rng.random() < 0.35:
            accepted = store.append(accepted_draft(event.case_id))
            out.write(f"ACK {accepted.event_id} {accepted.station_seq}\n")
            out.flush()


if __name__ == "__main__":
    main()
