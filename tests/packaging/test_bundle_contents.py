"""The spec's lists (packaging/bundle_contents.py) against the checkout and the code's lookups."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import ModuleType

import PySide6
import pytest
from PySide6.QtCore import QTranslator

from tests.packaging.packaging_modules import PACKAGING, ROOT, load
from zhanhe_counter.adapters.centre import schema as central_schema
from zhanhe_counter.adapters.resources import shipped_dir
from zhanhe_counter.adapters.storage import engine

contents = load("bundle_contents")
SPEC_TEXT = (PACKAGING / "zhanhe_counter.spec").read_text(encoding="utf-8")


def bundled(dest: str) -> list[str]:
    return [source for source, target in contents.project_data(ROOT) if target == dest]


def test_the_spec_ships_forms_resources_and_both_migration_folders() -> None:
    data = {target: Path(source) for source, target in contents.project_data(ROOT)}
    assert sorted((data["forms"]).glob("*.toml"))
    assert (data["resources"] / "catalogue" / "sample-matters.yaml").is_file()
    assert (data["resources"] / "calendar" / "holidays.yaml").is_file()
    for migrations in (
        "zhanhe_counter/adapters/storage/migrations",
        "zhanhe_counter/adapters/centre/migrations",
    ):
        assert (data[migrations] / "env.py").is_file()
        assert sorted((data[migrations] / "versions").glob("*.py"))
    assert "project_data(ROOT)" in SPEC_TEXT


def test_bundled_folders_land_where_the_frozen_code_looks(tmp_path: Path) -> None:
    frozen = ModuleType("sys")
    frozen.frozen = True  # type: ignore[attr-defined]
    frozen._MEIPASS = str(tmp_path)  # type: ignore[attr-defined]
    for name in ("forms", "resources"):
        assert bundled(name), name
        assert shipped_dir(name, frozen) == tmp_path / name
    # Migrations are found beside their module; in the bundle a module's __file__ is
    # _MEIPASS/<its path in the package>, so the data must go to the same relative place.
    for module in (engine, central_schema):
        relative = module.MIGRATIONS_DIR.relative_to(ROOT).as_posix()
        assert bundled(relative), relative


def test_a_missing_shipped_folder_stops_the_build(tmp_path: Path) -> None:
    (tmp_path / "forms").mkdir()
    with pytest.raises(FileNotFoundError, match="resources"):
        contents.project_data(tmp_path)


def test_the_spec_ships_qt_zh_cn_translations_qt_can_load() -> None:
    entries = contents.qt_translation_data(Path(PySide6.__file__).parent)
    names = {Path(source).name for source, _ in entries}
    assert "qtbase_zh_CN.qm" in names
    assert {target for _, target in entries} == {"PySide6/Qt/translations"}
    for source, _ in entries:
        assert QTranslator().load(source), source
    assert "qt_translation_data(" in SPEC_TEXT


def test_qt_translations_are_found_in_the_windows_wheel_layout(tmp_path: Path) -> None:
    folder = tmp_path / "translations"
    folder.mkdir()
    for name in contents.QT_TRANSLATIONS:
        (folder / name).write_bytes(b"qm")
    entries = contents.qt_translation_data(tmp_path)
    assert [Path(source).parent for source, _ in entries] == [folder] * len(entries)
    (folder / "qtbase_zh_CN.qm").unlink()
    with pytest.raises(FileNotFoundError, match="qtbase_zh_CN"):
        contents.qt_translation_data(tmp_path)


def test_only_chinese_qt_translations_are_kept() -> None:
    toc = [
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", "/x", "DATA"),
        ("PySide6/Qt/translations/qtbase_de.qm", "/x", "DATA"),
        ("PySide6\\Qt\\translations\\qt_ja.qm", "/x", "DATA"),
        ("resources/catalogue/sample-matters.yaml", "/x", "DATA"),
    ]
    kept = [entry[0] for entry in contents.without_other_translations(toc)]
    assert kept == [
        "PySide6/Qt/translations/qtbase_zh_CN.qm",
        "resources/catalogue/sample-matters.yaml",
    ]


def test_desktop_platform_plugins_are_kept_and_embedded_ones_dropped() -> None:
    plugins = "PySide6/Qt/plugins/platforms/"
    toc = [
        (f"{plugins}libqxcb.so", "/x", "BINARY"),
        (f"{plugins}libqwayland.so", "/x", "BINARY"),
        (f"{plugins}libqoffscreen.so", "/x", "BINARY"),
        ("PySide6\\plugins\\platforms\\qwindows.dll", "/x", "BINARY"),
        (f"{plugins}libqeglfs.so", "/x", "BINARY"),
        (f"{plugins}libqvnc.so", "/x", "BINARY"),
        ("PySide6/Qt/plugins/generic/libqevdevmouseplugin.so", "/x", "BINARY"),
        ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", "/x", "BINARY"),
    ]
    kept = {
        Path(entry[0].replace("\\", "/")).name for entry in contents.without_unused_qt_plugins(toc)
    }
    assert kept == {
        "libqxcb.so",
        "libqwayland.so",
        "libqoffscreen.so",
        "qwindows.dll",
        "libcupsprintersupport.so",
    }


def test_every_qt_module_the_client_imports_stays_in_the_bundle() -> None:
    imported = set()
    for path in (ROOT / "zhanhe_counter").rglob("*.py"):
        imported |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    assert imported, "no Qt import found: the scan is broken"
    excluded = {name.removeprefix("PySide6.") for name in contents.QT_UNUSED}
    assert not imported & excluded
    assert imported <= {name.removeprefix("PySide6.") for name in contents.QT_USED}


def test_the_admin_program_leaves_the_gui_out() -> None:
    hidden = [
        "zhanhe_counter.cli.sync",
        "zhanhe_counter.ui.app",
        "zhanhe_counter.main",
        "zhanhe_counter.adapters.storage.engine",
        "sqlcipher3",
    ]
    assert contents.admin_hidden_imports(hidden) == [
        "zhanhe_counter.cli.sync",
        "zhanhe_counter.adapters.storage.engine",
        "sqlcipher3",
    ]


def test_lazily_imported_modules_are_hidden_imports_of_the_spec() -> None:
    # cli/app.py imports its command modules by name and engine.py imports sqlcipher3 inside a
    # function: PyInstaller cannot see either.
    assert 'collect_submodules("zhanhe_counter")' in SPEC_TEXT
    assert '"sqlcipher3.dbapi2"' in SPEC_TEXT
    assert 'collect_submodules("keyring.backends")' in SPEC_TEXT
    assert sys.modules.get("bundle_contents") is contents
