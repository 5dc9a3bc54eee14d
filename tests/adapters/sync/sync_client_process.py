"""A station's sync worker as its own process, so the fault test can SIGKILL it.

Usage: ``python sync_client_process.py DB_PATH STATION_ID`` with the station's libpq
connection URL (password included) in ``ZHANHE_TEST_CENTRAL``. Syncs in a loop until killed.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.sync_outbox import SqliteSyncOutbox
from zhanhe_counter.adapters.sync.central_client import PostgresSyncTarget
from zhanhe_counter.adapters.sync.connection import parse_central_url
from zhanhe_counter.services.sync_engine import SyncEngine


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def main() -> None:
    db_path, station_id = Path(sys.argv[1]), sys.argv[2]
    log_file = os.environ.get("ZHANHE_TEST_SYNC_LOG")
    if log_file:  # the fault test's evidence: what each session of this process did
        logging.basicConfig(
            filename=log_file,
            level=logging.INFO,
            format=f"%(asctime)s {os.getpid()} %(name)s %(levelname)s %(message)s",
        )
    address = parse_central_url(os.environ["ZHANHE_TEST_CENTRAL"])
    engine = open_local_database(db_path, migrate_schema=False)
    sync = SyncEngine(
        PostgresSyncTarget(address, station_id),
        SqliteSyncOutbox(engine, station_id),
        _Clock(),
        "0.1.0",
        batch_size=50,
        pull_page=50,
    )
    print("READY", flush=True)
    while True:
        report = sync.run_once()
        print(f"SESSION pushed={report.pushed} errors={len(report.errors)}", flush=True)
        time.sleep(0.02)


if __name__ == "__main__":
    main()
