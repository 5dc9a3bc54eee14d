"""A station's material upload as its own process, so a test can SIGKILL it mid-page.

Usage: ``python material_upload_process.py DB_PATH CHUNK_SIZE`` with the station's libpq URL
(password included) in ``ZHANHE_TEST_CENTRAL``. Prints ``CHUNK <case> <sha> <n>`` after each
chunk the centre took, ``DONE`` when nothing is left.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from uuid import UUID

from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.material_store import SqliteMaterialPages
from zhanhe_counter.adapters.sync.connection import parse_central_url
from zhanhe_counter.adapters.sync.material_upload import PostgresMaterialChannel


class _Telling(SqliteMaterialPages):
    def sent(self, case_id: UUID, sha256: str, chunks: int) -> None:
        super().sent(case_id, sha256, chunks)
        print(f"CHUNK {case_id} {sha256} {chunks}", flush=True)

    def uploaded(self, case_id: UUID, sha256: str, at: datetime) -> None:
        super().uploaded(case_id, sha256, at)


def main() -> None:
    db_path, chunk_size = Path(sys.argv[1]), int(sys.argv[2])
    engine = open_local_database(db_path, migrate_schema=False)
    channel = PostgresMaterialChannel(
        parse_central_url(os.environ["ZHANHE_TEST_CENTRAL"]), chunk_size=chunk_size
    )
    pages = _Telling(engine)
    while pages.pending(1):
        channel.upload_pending(pages)
    print("DONE", flush=True)
    channel.close()


if __name__ == "__main__":
    main()
