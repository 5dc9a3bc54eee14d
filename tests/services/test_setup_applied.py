"""The first-run setup is what the counter runs on (issue 17, Deliver 2).

A window narrowed at setup offers only its matters; a window the setup created (not in the
windows file) opens; a window id that is nowhere stops the start with a Chinese message.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from zhanhe_counter.adapters.catalogue import load_catalogue, load_windows
from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.adapters.storage.database_key import open_station_database
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.composition import WindowNotConfigured, build_station
from zhanhe_counter.domain.windows import WindowAuthority, WindowKind
from zhanhe_counter.services.matter_search import MatterSearch
from zhanhe_counter.services.setup import SetupService


def _set_up(folder: Path, **changes: object) -> None:
    """Run the setup service on a demo folder as the setup dialog would, then close it."""
    res = resources_dir()
    catalogue = load_catalogue(
        res / "catalogue/sample-matters.yaml", departments=res / "catalogue/departments.yaml"
    ).catalogue
    directory = load_windows(res / "windows/sample-windows.yaml", catalogue).directory
    engine = open_station_database(folder, demo=True)
    try:
        service = SetupService(SqliteReferenceStore(engine), catalogue, directory)
        proposal = service.proposal_for("QZX-03", station_code="41041107")
        service.save(replace(proposal, **changes))  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_a_window_narrowed_at_setup_offers_only_its_matters(tmp_path: Path) -> None:
    _set_up(tmp_path, matter_ids=("ZH-005", "ZH-008"))
    station = build_station(tmp_path, demo=True, start_queue=False)
    try:
        window = station.identity.window
        assert {m.id for m in station.catalogue if window.handles(m)} == {"ZH-005", "ZH-008"}
        search = MatterSearch(station.catalogue, window, station.directory)
        here = {h.matter.id for h in search.search("", limit=100) if h.handled_here}
        assert here == {"ZH-005", "ZH-008"}
        assert station.identity.station_code == "41041107"
        # The departments' authorisations of the directory window are kept.
        assert window.authority_for("ZH-008") is (WindowAuthority.DECIDE_ON_SPOT)
    finally:
        station.close()


def test_a_window_created_at_setup_opens_receive_only(tmp_path: Path) -> None:
    _set_up(tmp_path, window_id="QZX-09", window_name="9号综合窗口", matter_ids=("ZH-005",))
    station = build_station(tmp_path, demo=True, start_queue=False)
    try:
        window = station.identity.window
        assert (window.id, window.name, window.kind) == (
            "QZX-09",
            "9号综合窗口",
            WindowKind.UNDIFFERENTIATED,
        )
        assert window.authority_for("ZH-005") is (WindowAuthority.RECEIVE_ONLY)
    finally:
        station.close()


def test_an_unknown_window_id_is_a_chinese_message(tmp_path: Path) -> None:
    engine = open_station_database(tmp_path, demo=True)
    SqliteReferenceStore(engine).set_setting("window_id", "QZX-99")
    engine.dispose()
    with pytest.raises(WindowNotConfigured) as raised:
        build_station(tmp_path, demo=True, start_queue=False)
    assert "QZX-99" in raised.value.user_message
    assert "窗口配置" in raised.value.user_message
