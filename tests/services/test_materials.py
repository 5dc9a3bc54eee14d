"""Material images end to end on a real station: capture, keep encrypted, record, prune.

The station is the demo composition on its SQLCipher database; pages come from the simulated
camera and SANE's ``test`` driver (``tests/sane.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.adapters.storage.test_retention import (
    CUTOFF,
    RECENT,
    _confirm,
    _open_case,
    _refused_case,
)
from tests.sane import sane_test_backend
from tests.services.test_intake import NOW, FixedClock, _request
from zhanhe_counter.adapters.capture.sane_scanner import SaneScanner
from zhanhe_counter.adapters.capture.simulated_camera import SimulatedCamera
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.material_store import SqliteMaterialPages
from zhanhe_counter.adapters.storage.retention import prune_confirmed_cases
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.events import EventKind
from zhanhe_counter.services.materials import CapturedMaterials
from zhanhe_counter.services.ports.capture import CaptureFailed, PreparedPage

sane_test_backend = sane_test_backend  # noqa: PLW0127 - re-exported as a fixture


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    built = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    yield built
    built.close()


def test_pages_captured_during_intake_are_kept_with_the_committed_case(
    station: Station, sane_test_backend: Path
) -> None:
    captured = CapturedMaterials()
    camera_pages = station.materials.capture(SimulatedCamera(skew=3.0))
    captured.add("m-id", "居民身份证", "camera", camera_pages)
    scanner = SaneScanner("test:0", resolution=75, adf=True, options=("--test-picture=Grid",))
    scanned = station.materials.capture(scanner)
    captured.add("m-hukou", "户口簿", "scanner", scanned[:3])
    case = station.intake.commit(_request(station, "ZH-004")).case

    problems = station.materials.keep_captured(case.case_id, captured, "zhangmin")

    assert problems == []
    assert captured.rows == {}
    events = [e for e in station.store.events_for_case(case.case_id) if e.kind.is_attachment]
    records = [p.record_of(e) for e in events]
    assert [(r.material_id, r.page_count, r.source) for r in records] == [  # type: ignore[attr-defined]
        ("m-id", 1, "camera"),
        ("m-hukou", 3, "scanner"),
    ]
    kept = station.materials.pages(case.case_id)
    # The driver's three sheets are the same picture: one image, named three times.
    assert len({page.sha256 for page in scanned[:3]}) == 1
    assert [(k.material_id, k.page_no) for k in kept] == [("m-id", 1), ("m-hukou", 1)]
    by_hash = {k.sha256: k for k in kept}
    for record in records:
        for page in record.pages:  # type: ignore[attr-defined]
            assert by_hash[page.sha256].size == page.size == len(by_hash[page.sha256].image)
    state = station.store.case_state(case.case_id)
    assert state is not None
    assert len(state.attachments) == 2
    assert state.status is case.status  # a capture moves nothing


def test_the_images_are_encrypted_at_rest(station: Station, tmp_path: Path) -> None:
    case = station.intake.commit(_request(station, "ZH-004")).case
    captured = CapturedMaterials()
    pages = station.materials.capture(SimulatedCamera())
    captured.add("m-id", "居民身份证", "camera", pages)
    assert station.materials.keep_captured(case.case_id, captured, "zhangmin") == []
    station.close()
    marker = pages[0].image[200:264]  # 64 bytes from inside the JPEG
    files = list(tmp_path.rglob("station.sqlite3*"))
    assert files
    for path in files:
        assert marker not in path.read_bytes(), path.name


def test_a_full_disk_leaves_the_case_standing_and_names_the_row(station: Station) -> None:
    case = station.intake.commit(_request(station, "ZH-004")).case
    with station.engine.begin() as connection:
        pages_now = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
        connection.exec_driver_sql(f"PRAGMA max_page_count = {pages_now + 2}")
    captured = CapturedMaterials()
    captured.add("m-id", "居民身份证", "camera", station.materials.capture(SimulatedCamera()))

    problems = station.materials.keep_captured(case.case_id, captured, "zhangmin")

    assert len(problems) == 1
    assert problems[0].startswith("居民身份证：")
    assert "空间" in problems[0]
    assert station.store.case_state(case.case_id) is not None  # the intake stands
    assert station.materials.pages(case.case_id) == []


def test_a_row_holds_at_most_fifty_pages() -> None:
    page = PreparedPage(b"x", "image/jpeg", "a" * 64, 1, 1)
    captured = CapturedMaterials()
    captured.add("m", "材料", "file", [page] * 50)
    with pytest.raises(CaptureFailed) as failed:
        captured.add("m", "材料", "file", [page])
    assert failed.value.user_message == "一项材料最多采集 50 页"
    assert captured.page_count("m") == 50


def test_a_case_with_a_page_not_yet_uploaded_is_not_pruned(tmp_path: Path) -> None:
    engine = open_local_database(tmp_path / "station.sqlite3")
    pages = SqliteMaterialPages(engine)
    case_id = _refused_case(engine)
    _confirm(engine, case_id)
    _open_case(engine, RECENT)  # holds the station's newest event (kept by rule)
    page = PreparedPage(b"jpeg-bytes", "image/jpeg", "e" * 64, 10, 10)
    pages.keep(case_id, case_id, "m-id", [page], datetime(2026, 1, 5, tzinfo=UTC))

    assert prune_confirmed_cases(engine, older_than=CUTOFF).case_ids == ()

    pages.uploaded(case_id, "e" * 64, datetime(2026, 1, 6, tzinfo=UTC))
    report = prune_confirmed_cases(engine, older_than=CUTOFF)
    assert report.case_ids == (case_id,)
    assert report.rows["material_page"] == 1
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM material_page")).scalar_one() == 0
    engine.dispose()
    assert EventKind.MATERIAL_CAPTURED.is_attachment
