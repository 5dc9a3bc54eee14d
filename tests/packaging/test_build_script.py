"""packaging/build.py (smoke-test judgement, makensis call), version_info.py and the NSIS script."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import zhanhe_counter
from tests.packaging.packaging_modules import PACKAGING, ROOT, load

build = load("build")
version_info = load("version_info")

INFO = "2026-01-05 09:00:00,123 INFO zhanhe_counter: data folder: /tmp/x (demo=True)"


def test_application_info_lines_and_the_offscreen_notice_are_harmless() -> None:
    stderr = "\n".join(
        [
            INFO,
            "2026-01-05 09:00:00,200 INFO alembic.runtime.migration: Running upgrade  -> 0001",
            "This plugin does not support propagateSizeHints()",
            "2026-01-05 09:00:00,300 WARNING qt: This plugin does not support propagateSizeHints()",
            "",
        ]
    )
    assert build.unexpected_stderr(stderr) == []


@pytest.mark.parametrize(
    "line",
    [
        "2026-01-05 09:00:00,123 WARNING zhanhe_counter.ui.app: qtbase_zh_CN translation not found",
        "2026-01-05 09:00:00,123 ERROR zhanhe_counter: cannot open the station",
        "2026-01-05 09:00:00,123 WARNING qt: QFont::setPixelSize: Pixel size <= 0 (0)",
        "Traceback (most recent call last):",
        "[PYI-123:ERROR] Failed to execute script 'entry_counter'",
        'qt.qpa.plugin: Could not load the Qt platform plugin "xcb"',
    ],
)
def test_warnings_errors_and_tracebacks_fail_the_smoke(line: str) -> None:
    assert build.unexpected_stderr(f"{INFO}\n{line}\n") == [line]


def test_folder_size_counts_files_once_and_not_symlinks(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.bin").write_bytes(b"x" * 1000)
    (tmp_path / "sub" / "b.bin").write_bytes(b"y" * 24)
    (tmp_path / "link.bin").symlink_to(tmp_path / "a.bin")
    assert build.folder_size(tmp_path) == 1024


def test_the_installer_version_comes_from_pyproject() -> None:
    assert version_info.project_version(ROOT) == zhanhe_counter.__version__
    command = build.makensis_command(
        "makensis", version="1.2.3rc1", source_dir=Path("/b"), out_file=Path("/o.exe")
    )
    assert "-DVERSION=1.2.3rc1" in command
    assert "-DVERSION4=1.2.3.0" in command
    assert "-DSOURCE_DIR=/b" in command
    assert "-DUNCOMPRESSED" in command
    assert "-WX" in command
    assert command[-1] == str(PACKAGING / "windows" / "installer.nsi")
    compressed = build.makensis_command(
        "makensis", version="1.0", source_dir=Path("/b"), out_file=Path("/o.exe"), compress=True
    )
    assert "-DUNCOMPRESSED" not in compressed


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("0.1.0", (0, 1, 0, 0)), ("2", (2, 0, 0, 0)), ("1.2.3.4", (1, 2, 3, 4)),
     ("1.10.0.dev3", (1, 10, 0, 0)), ("6.1b2", (6, 1, 0, 0))],
)  # fmt: skip
def test_windows_gets_four_version_numbers(text: str, numbers: tuple[int, ...]) -> None:
    assert version_info.numeric_version(text) == numbers


@pytest.mark.parametrize("text", ["", "v1.0", "70000.1"])
def test_a_version_windows_cannot_hold_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="version"):
        version_info.numeric_version(text)


def _evaluate_version_file(text: str) -> dict[str, Any]:
    """The version file is a Python expression over PyInstaller's classes; evaluate it with
    stand-ins that return their arguments, so the structure can be inspected without pefile."""
    tree = ast.parse(text, mode="eval")  # a syntax error here would break the Windows build

    def record(kind: str) -> Any:
        return lambda *args, **kwargs: {"kind": kind, "args": args, **kwargs}

    names = ["VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable",
             "StringStruct", "VarFileInfo", "VarStruct"]  # fmt: skip
    result: dict[str, Any] = eval(
        compile(tree, "<version file>", "eval"), {"__builtins__": {}}, {n: record(n) for n in names}
    )
    return result


def test_the_windows_version_resource_names_the_program_and_version(tmp_path: Path) -> None:
    path = version_info.write_version_file("0.1.0", "zhanhe-admin", tmp_path)
    info = _evaluate_version_file(path.read_text(encoding="utf-8"))
    assert info["ffi"]["filevers"] == (0, 1, 0, 0)
    table = info["kids"][0]["args"][0][0]
    assert table["args"][0] == "080404b0"  # Chinese (PRC), Unicode
    strings = dict(struct["args"] for struct in table["args"][1])
    assert strings["OriginalFilename"] == "zhanhe-admin.exe"
    assert strings["ProductVersion"] == "0.1.0"
    assert strings["FileDescription"] == "湛河区综合窗口客户端 管理命令"


def _makensis() -> str:
    found = shutil.which("makensis")
    assert found, "makensis missing: install the Debian packages in scripts/apt/packaging.txt"
    return found


def test_the_installer_script_compiles_with_version_shortcuts_and_uninstaller(
    tmp_path: Path,
) -> None:
    payload = tmp_path / "bundle"
    (payload / "_internal").mkdir(parents=True)
    (payload / "zhanhe-counter.exe").write_bytes(b"stand-in payload")
    (payload / "_internal" / "base_library.zip").write_bytes(b"zip")
    setup = tmp_path / "zhanhe-counter-setup.exe"
    command = build.makensis_command(
        _makensis(), version="0.1.0", source_dir=payload, out_file=setup
    )
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    data = setup.read_bytes()
    assert data[:2] == b"MZ"
    # Version strings are stored as UTF-16 in the PE version resource.
    assert "湛河区综合窗口客户端".encode("utf-16-le") in data
    assert "0.1.0".encode("utf-16-le") in data


def test_the_installer_script_refuses_to_compile_without_a_version(tmp_path: Path) -> None:
    command = [_makensis(), "-V1", f"-DSOURCE_DIR={tmp_path}", f"-DOUTFILE={tmp_path / 'x.exe'}",
               str(PACKAGING / "windows" / "installer.nsi")]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env=dict(os.environ)
    )
    assert done.returncode != 0
    assert "VERSION" in done.stdout + done.stderr
    assert not (tmp_path / "x.exe").exists()


def test_the_smoke_tickets_values_are_the_tickets_fields() -> None:
    """The bundle's smoke test renders this ticket: a renamed field must fail here, not after
    a two-minute bundle build."""
    from zhanhe_counter.adapters.printing.pdf import FormRenderer
    from zhanhe_counter.domain.documents import DocumentKind

    pdf = FormRenderer().render_pdf(DocumentKind.THERMAL_TICKET, build.TICKET_VALUES)
    assert pdf.content.startswith(b"%PDF")
