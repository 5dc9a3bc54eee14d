"""First-run setup of this PC: stored as settings, validated, applied to the window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zhanhe_counter.adapters.catalogue import load_catalogue, load_windows
from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.domain.windows import WindowAuthority, WindowKind
from zhanhe_counter.services.setup import SetupInvalid, SetupService, StationSetup


@pytest.fixture
def service(tmp_path: Path) -> Iterator[SetupService]:
    res = resources_dir()
    catalogue = load_catalogue(
        res / "catalogue/sample-matters.yaml", departments=res / "catalogue/departments.yaml"
    ).catalogue
    directory = load_windows(res / "windows/sample-windows.yaml", catalogue).directory
    engine = open_local_database(tmp_path / "station.db")
    yield SetupService(SqliteReferenceStore(engine), catalogue, directory)
    engine.dispose()


def test_not_done_on_a_fresh_pc(service: SetupService) -> None:
    assert service.current() is None
    assert not service.is_done()


def test_save_a_directory_window_with_fewer_matters(service: SetupService) -> None:
    proposal = service.proposal_for("QZX-03", station_code="41041101")
    assert "ZH-016" in proposal.matter_ids
    narrowed = StationSetup(
        station_id=proposal.station_id,
        station_code="41041101",
        window_id="QZX-03",
        window_name="3号综合窗口",
        hall_id="QZX",
        kind=WindowKind.UNDIFFERENTIATED,
        matter_ids=("ZH-016", "ZH-005"),
    )
    window = service.save(narrowed)
    assert window.matter_ids == frozenset({"ZH-016", "ZH-005"})
    assert window.authority_for("ZH-016") is WindowAuthority.DECIDE_ON_SPOT  # kept
    assert service.current() == narrowed


def test_new_window_is_receive_only(service: SetupService) -> None:
    setup = StationSetup(
        station_id="QZX-NEW",
        station_code="41041109",
        window_id="QZX-09",
        window_name="9号综合窗口",
        hall_id="QZX",
        kind=WindowKind.DOMAIN,
        departments=("湛河区民政局",),
    )
    window = service.save(setup)
    assert window.default_authority is WindowAuthority.RECEIVE_ONLY
    matter = service.catalogue.matter("ZH-005")
    assert window.handles(matter)
    assert service.directory_with(window).window("QZX-09") == window


def test_every_problem_is_reported_at_once(service: SetupService) -> None:
    bad = StationSetup(
        station_id="",
        station_code="12",
        window_id="W",
        window_name="窗口",
        hall_id="NOPE",
        kind=WindowKind.UNDIFFERENTIATED,
        matter_ids=("ZH-999",),
    )
    with pytest.raises(SetupInvalid) as error:
        service.save(bad)
    text = error.value.user_message
    assert "站点编号" in text
    assert "NOPE" in text
    assert "ZH-999" in text
    assert service.current() is None


def test_demo_keys_give_a_setup(service: SetupService) -> None:
    reference = service._reference
    reference.set_setting("station_id", "ZH-DEMO-01")
    reference.set_setting("station_code", "41041101")
    reference.set_setting("window_id", "QZX-03")
    current = service.current()
    assert current is not None
    assert current.window_id == "QZX-03"
