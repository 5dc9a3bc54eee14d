"""``zhanhe-admin`` entry point: one sub-command group per module, no Qt."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from zhanhe_counter.cli.common import EXIT_USER_ERROR, UserError
from zhanhe_counter.domain.errors import DomainError

log = logging.getLogger("zhanhe_counter.cli")

#: Command name -> the module in ``zhanhe_counter.cli`` that registers it. Only the module of the
#: command being run is imported, so ``id check`` does not pay for SQLAlchemy, reportlab or psycopg.
COMMANDS = {
    "catalogue": "catalogue",
    "calendar": "calendar",
    "id": "identity",
    "checklist": "checklist",
    "db": "db",
    "idcard": "idcard",
    "render": "render",
    "forms": "forms",
    "cases": "cases",
    "documents": "documents",
    "print-test": "printers",
    "devices": "devices",
    "central": "central",
    "station": "station",
    "sync": "sync",
    "demo-data": "demo_data",
    "tally": "tally",
    "progress": "progress",
    "outbound": "outbound",
}


#: Commands that work on this PC's data folder (its database, printer or reader settings): their
#: log goes to that folder. The others (checking a catalogue, an ID number, rendering a form…)
#: log to a folder only when one is named, never into the user's default data folder.
STATION_COMMANDS = frozenset(
    {"db", "station", "sync", "demo-data", "tally", "print-test", "idcard", "documents"}
)


def _log_folder(args: argparse.Namespace) -> Path | None:
    from zhanhe_counter.adapters.paths import DATA_DIR_ENV, resolve_data_dir

    named = args.data_dir or os.environ.get(DATA_DIR_ENV, "").strip()
    if named or args.command in STATION_COMMANDS:
        return resolve_data_dir(args.data_dir, os.environ)
    return None


def _group_modules(argv: Sequence[str]) -> list[ModuleType]:
    """The command group modules to register: just the one named in ``argv``, else all."""
    names = list(dict.fromkeys(COMMANDS.values()))
    tokens = iter(argv)
    for token in tokens:
        if token == "--data-dir":
            next(tokens, None)  # its value is a folder, not a command
        elif not token.startswith("-"):
            if token in COMMANDS:
                names = [COMMANDS[token]]
            break
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(f"zhanhe_counter.cli.{name}"))
        except ModuleNotFoundError as error:
            if error.name != f"zhanhe_counter.cli.{name}":
                raise
    return modules


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhanhe-admin",
        description="湛河区综合窗口客户端 管理命令（不需要图形界面）",
    )
    parser.add_argument(
        "--data-dir",
        help="数据目录（默认按操作系统约定；也可用环境变量 ZHANHE_DATA_DIR 指定）",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="输出开发日志")
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)
    for group in _group_modules(argv):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    from zhanhe_counter.adapters.logging_setup import configure_logging

    # The data folder's logs/zhanhe.log keeps INFO and up; stderr stays quiet unless -v.
    configure_logging(
        _log_folder(args),
        level=logging.DEBUG if args.verbose else logging.INFO,
        stderr_level=logging.DEBUG if args.verbose else logging.WARNING,
        stderr_format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.handler(args)
    except UserError as error:
        print(f"错误：{error.user_message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except DomainError as error:
        log.info("domain error: %s", error)
        print(f"错误：{error.user_message}", file=sys.stderr)
        return EXIT_USER_ERROR
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
