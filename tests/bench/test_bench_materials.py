"""Material images (docs/materials.md, Measurements).

1. Capture → stored, per page: a simulated camera photo prepared (deskew, crop, JPEG) and kept in
   the encrypted station database with its ``MATERIAL_CAPTURED`` event, against the floor of
   encoding the same photo as JPEG only (no deskew, no storage), in this run.
2. Upload of 100 pages (about 150 KB each, the size of a prepared A4 page) through the chunked,
   resumable channel, against a bare ``COPY`` of the same bytes into a table of the same shape.

The test cluster runs with ``fsync=off``; the ratios, not the absolute numbers, carry over.
"""

from __future__ import annotations

import hashlib
import io
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import uuid6
from PIL import Image

from tests import pg
from tests.adapters.sync.helpers import make_station
from tests.services.test_intake import NOW, FixedClock, _request
from zhanhe_counter.adapters.capture.simulated_camera import SimulatedCamera
from zhanhe_counter.adapters.storage.material_store import SqliteMaterialPages
from zhanhe_counter.adapters.sync.material_upload import PostgresMaterialChannel
from zhanhe_counter.composition import build_station
from zhanhe_counter.services.materials import RowCapture
from zhanhe_counter.services.ports.capture import PreparedPage

pg_cluster = pg.pg_cluster
central_url = pg.central_url

CAPTURES = 10
PAGES = 100
PAGE_BYTES = 150_000


@pytest.mark.bench
def test_bench_capture_to_stored_per_page(tmp_path: Path) -> None:
    station = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    case = station.intake.commit(_request(station, "ZH-004")).case
    camera = SimulatedCamera(skew=3.5)
    photos = [camera.capture()[0] for _ in range(CAPTURES)]
    floors, totals = [], []
    for photo in photos:
        started = time.perf_counter()
        with Image.open(io.BytesIO(photo)) as image:
            image.convert("L").save(io.BytesIO(), "JPEG", quality=85)
        floors.append(time.perf_counter() - started)
    for photo in photos:
        started = time.perf_counter()
        pages = station.materials.prepare("camera", [photo])
        station.materials.keep(case.case_id, RowCapture("1", "居民身份证", "camera", pages), "x")
        totals.append(time.perf_counter() - started)
    station.close()
    total, floor = statistics.median(totals), statistics.median(floors)
    print(
        f"\nBENCH material_capture_to_stored per_page_ms={total * 1000:.1f} "
        f"(deskew+crop+JPEG+encrypted store+event) jpeg_only_ms={floor * 1000:.1f} "
        f"ratio={total / floor:.1f}"
    )
    assert total > 0


def _pages(n: int) -> list[PreparedPage]:
    rng = random.Random(7)
    out = []
    for _ in range(n):
        image = rng.randbytes(PAGE_BYTES)
        out.append(PreparedPage(image, "image/jpeg", hashlib.sha256(image).hexdigest(), 1, 1))
    return out


def _copy_floor(central_url: str, pages: list[PreparedPage], chunk: int) -> float:
    with psycopg.connect(central_url) as conn:
        conn.execute("CREATE TABLE copy_floor (LIKE material_chunk INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy("COPY copy_floor (origin, sha256, seq, data) FROM STDIN") as cp,
        ):
            for page in pages:
                for seq, start in enumerate(range(0, len(page.image), chunk)):
                    cp.write_row(("floor", page.sha256, seq, page.image[start : start + chunk]))
        conn.commit()
        return time.perf_counter() - started


@pytest.mark.bench
def test_bench_upload_100_pages_vs_copy(central_url: str, tmp_path: Path) -> None:
    station = make_station(central_url, tmp_path)
    station.record_cases(1)
    assert station.run().errors == []
    store = SqliteMaterialPages(station.engine)
    pages = _pages(PAGES)
    store.keep(station.case_ids[0], uuid6.uuid7(), "1", pages, datetime.now(UTC))
    channel = PostgresMaterialChannel(station.address)
    floor = _copy_floor(central_url, pages, channel.chunk_size)

    started = time.perf_counter()
    report = channel.upload_pending(store, limit=PAGES)
    elapsed = time.perf_counter() - started
    channel.close()
    station.dispose()

    assert report.uploaded == PAGES
    megabytes = PAGES * PAGE_BYTES / 1e6
    print(
        f"\nBENCH material_upload_100 pages_per_s={PAGES / elapsed:,.0f} "
        f"MB_per_s={megabytes / elapsed:.1f} (chunked, hash-checked, linked) "
        f"copy_MB_per_s={megabytes / floor:.1f} ratio={floor / elapsed:.2f} vs bare COPY"
    )
