"""Writer process for the crash test: appends case events until it is killed with SIGKILL.

``python crash_writer.py DB_PATH SEED`` writes straight away. ``python crash_writer.py --serve``
imports everything once and then, for each ``RUN DB_PATH SEED`` line on stdin, forks a fresh
writer process, prints ``PID <pid>``, and after that process is gone prints ``EXIT <pid>``; the
test kills the forked writer. Forking spares each round the interpreter start-up, so the
default test can afford more than 50 kills in a few seconds.

The writer goes through the real ``SqliteEventStore``: each case opens with ``record_numbered``
(case number and RECEIVED event in one transaction) and about a third are then accepted.
``ACK <event_id> <station_seq>`` is written only after ``append`` returned, i.e. after COMMIT, with
one ``os.write`` of less than PIPE_BUF bytes, so a kill never leaves half a line in the pipe.
"""

from __future__ import annotations

import os
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
from zhanhe_counter.domain.events import EventDraft  # noqa: E402

DAY = date(2026, 11, 26)


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def write_until_killed(db_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = SqliteEventStore(open_local_database(db_path))
    _say("READY")
    while True:
        event_id = uuid6.uuid7()
        size = rng.randint(500, 3000)  # ~2 KB payloads so that WAL checkpoints happen

        def build(seq: int, eid: object = event_id, n: int = size) -> EventDraft:
            return received_draft(event_id=eid, number=case_number(seq, DAY), note_size=n)  # type: ignore[arg-type]

        event = store.record_numbered(event_id, STATION_CODE, "S", DAY, build)
        _say(f"ACK {event.event_id} {event.station_seq}")
        if rng.random() < 0.35:
            accepted = store.append(accepted_draft(event.case_id))
            _say(f"ACK {accepted.event_id} {accepted.station_seq}")


def serve() -> None:
    for command in sys.stdin:
        _, db_path, seed = command.split()
        pid = os.fork()
        if pid == 0:  # the writer
            try:
                write_until_killed(Path(db_path), int(seed))
            finally:
                os._exit(3)  # only reached if the writer failed on its own
        _say(f"PID {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"EXIT {pid} {status}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        write_until_killed(Path(sys.argv[1]), int(sys.argv[2]))
