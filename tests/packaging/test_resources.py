"""Shipped folders (resources/, forms/) are found from the checkout and inside a frozen bundle."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from zhanhe_counter.adapters.printing.templates import forms_dir, load_all
from zhanhe_counter.adapters.resources import bundle_root, resources_dir, shipped_dir
from zhanhe_counter.cli.app import main as admin

ROOT = Path(__file__).resolve().parents[2]


def stand_in_sys(**attributes: object) -> ModuleType:
    """A module standing in for ``sys`` with only the attributes a freezer sets."""
    module = ModuleType("sys")
    module.executable = "/usr/bin/python3"
    for name, value in attributes.items():
        setattr(module, name, value)
    return module


def test_from_the_checkout_the_folders_are_at_the_project_top() -> None:
    assert bundle_root() is None
    assert resources_dir() == ROOT / "resources"
    assert forms_dir() == ROOT / "forms"
    assert (resources_dir() / "catalogue" / "sample-matters.yaml").is_file()


def test_a_pyinstaller_bundle_uses_its_unpack_folder(tmp_path: Path) -> None:
    frozen = stand_in_sys(frozen=True, _MEIPASS=str(tmp_path / "_internal"))
    assert bundle_root(frozen) == tmp_path / "_internal"
    assert resources_dir(frozen) == tmp_path / "_internal" / "resources"
    assert shipped_dir("forms", frozen) == tmp_path / "_internal" / "forms"


def test_a_freezer_without_meipass_keeps_data_beside_the_executable(tmp_path: Path) -> None:
    frozen = stand_in_sys(frozen=True, executable=str(tmp_path / "zhanhe-counter.exe"))
    assert resources_dir(frozen) == tmp_path / "resources"


def test_a_leftover_meipass_without_frozen_is_not_a_bundle(tmp_path: Path) -> None:
    assert resources_dir(stand_in_sys(_MEIPASS=str(tmp_path))) == ROOT / "resources"


@pytest.fixture
def frozen_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process made to look frozen, with forms/ and resources/ copied as the spec does."""
    internal = tmp_path / "_internal"
    shutil.copytree(ROOT / "forms", internal / "forms")
    shutil.copytree(ROOT / "resources", internal / "resources")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(internal), raising=False)
    return internal


def test_frozen_forms_are_read_from_the_bundle(frozen_bundle: Path) -> None:
    (frozen_bundle / "forms" / "thermal_ticket.toml").unlink()
    assert forms_dir() == frozen_bundle / "forms"
    templates = load_all()
    # The copy lost a template that the checkout still has: the bundle was really read.
    assert "thermal_ticket" not in templates
    assert "acceptance_notice" in templates


def test_frozen_admin_command_finds_the_bundled_sample_catalogue(
    frozen_bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = admin(["checklist", "evaluate", "--matter", "ZH-001", "--provided", "1", "--json"])
    assert code == 0
    assert '"outcome": "incomplete"' in capsys.readouterr().out


def test_frozen_bundle_without_resources_fails_with_a_message_not_a_traceback(
    frozen_bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(frozen_bundle / "resources")
    code = admin(["checklist", "evaluate", "--matter", "ZH-001", "--provided", "1", "--json"])
    assert code == 2
    err = capsys.readouterr().err
    assert "sample-matters.yaml" in err
    assert "Traceback" not in err
