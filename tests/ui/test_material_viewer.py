"""The reviewer sees a case's 材料影像 in the back-office workbench (Ctrl+M)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import uuid6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.services.followthrough_support import (
    REVIEWER,
    Followthrough,
    build_followthrough,
    followthrough_services,
)
from zhanhe_counter.adapters.capture.simulated_camera import SimulatedCamera
from zhanhe_counter.services.materials import CapturedMaterials
from zhanhe_counter.services.ports.materials import StoredPage
from zhanhe_counter.ui.backoffice.workbench import BackofficeWorkbench
from zhanhe_counter.ui.capture.material_viewer import MaterialViewer
from zhanhe_counter.ui.jobs import StorageRunner


@pytest.fixture
def ft(tmp_path: Path) -> Iterator[Followthrough]:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


def test_ctrl_m_shows_the_pages_of_the_selected_case(qtbot: QtBot, ft: Followthrough) -> None:
    case = ft.open_case("ZH-018")
    materials = ft.station.materials
    captured = CapturedMaterials()
    captured.add("1", "居民身份证", "camera", materials.capture(SimulatedCamera(skew=2)))
    captured.add("1", "居民身份证", "camera", materials.capture(SimulatedCamera(skew=-3)))
    assert materials.keep_captured(case.case_id, captured, "zhangmin") == []
    services = dataclasses.replace(
        followthrough_services(ft, REVIEWER), material_pages=materials.case_pages
    )
    bench = BackofficeWorkbench(services, StorageRunner())
    bench.timer.stop()
    qtbot.addWidget(bench)
    qtbot.waitUntil(lambda: not bench.runner.busy, timeout=10_000)
    assert bench.select_case(case.case_id)
    qtbot.waitUntil(bench.materials_button.isEnabled, timeout=10_000)

    qtbot.mouseClick(bench.materials_button, Qt.MouseButton.LeftButton)  # Ctrl+M
    qtbot.waitUntil(lambda: isinstance(getattr(bench, "viewer", None), MaterialViewer))

    viewer = bench.viewer
    qtbot.addWidget(viewer)
    assert viewer.list.count() == 2
    first = ft.station.catalogue.matter("ZH-018").materials[0].name  # material 1, by the catalogue
    assert viewer.list.item(1).text() == f"{first}\n第2页"
    assert viewer.page.pixmap() is not None
    assert not viewer.page.pixmap().isNull()
    assert "SHA-256" in viewer.caption.text()
    assert viewer.width() <= 1366
    assert viewer.height() <= 768
    viewer.close()
    bench.runner.wait_idle()


def test_signed_documents_are_named_not_drawn(qtbot: QtBot) -> None:
    photo = SimulatedCamera().capture()[0]
    common = {"case_id": uuid6.uuid7(), "event_id": uuid6.uuid7(), "page_no": 1, "size": 1}
    pages = [
        StoredPage(sha256="a" * 64, material_id="1", media_type="image/png", image=photo, **common),
        StoredPage(
            sha256="b" * 64,
            material_id="signed:rongque_pledge",
            media_type="application/pdf",
            image=b"%PDF-1.4",
            **common,
        ),
    ]
    viewer = MaterialViewer("K-1", pages)
    qtbot.addWidget(viewer)
    assert viewer.list.count() == 1
    assert viewer.signed == ["rongque_pledge"]
    assert viewer.signed_note.text() == "另有签署文书 1 份"
