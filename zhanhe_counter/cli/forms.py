"""``zhanhe-admin forms check``: are the templates valid and the document settings complete?

Lists every document setting (issuing bodies, seals, phones, pickup places, relief bodies, the
court) that is unset or still a placeholder, for the halls of the window file and the
departments of the catalogue. A counter refuses to print a sealed document while a setting it
needs is missing, so this is the list to work through before a hall opens.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zhanhe_counter.cli.common import EXIT_FAILED_CHECK, EXIT_OK, print_json


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``forms`` to the parser."""
    group = sub.add_parser("forms", help="文书模板与文书设置")
    commands = group.add_subparsers(dest="forms_command", metavar="子命令", required=True)
    check = commands.add_parser(
        "check", help="检查文书模板，并列出尚未设置或仍为占位值的文书设置（印章、电话、法院等）"
    )
    check.add_argument(
        "--settings", type=Path, metavar="FILE.toml", help="文书设置文件（默认随程序的设置文件）"
    )
    check.add_argument("--demo", action="store_true", help="检查演示用的文书设置文件")
    check.add_argument("--catalogue", type=Path, help="事项目录 YAML 文件（默认随程序的样例）")
    check.add_argument("--departments", type=Path, help="部门联系方式 YAML 文件")
    check.add_argument("--windows", type=Path, help="窗口配置 YAML 文件（默认随程序的样例）")
    check.add_argument("--forms", type=Path, metavar="DIR", help="模板目录（默认随程序的 forms/）")
    check.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.catalogue import load_catalogue, load_windows
    from zhanhe_counter.adapters.printing.settings_file import (
        load_document_settings,
        shipped_settings_path,
    )
    from zhanhe_counter.adapters.printing.templates import load_all
    from zhanhe_counter.adapters.resources import resources_dir
    from zhanhe_counter.services.documents import required_settings

    templates = load_all(args.forms)  # a broken template raises TemplateError naming the file
    settings_path = args.settings or shipped_settings_path(demo=args.demo)
    settings = load_document_settings(settings_path)
    resources = resources_dir()
    catalogue = load_catalogue(
        args.catalogue or resources / "catalogue/sample-matters.yaml",
        departments=args.departments
        or (None if args.catalogue else resources / "catalogue/departments.yaml"),
    ).catalogue
    directory = load_windows(
        args.windows or resources / "windows/sample-windows.yaml", catalogue
    ).directory
    halls = list({w.hall.id: w.hall for w in directory.windows}.values())
    problems = settings.problems(required_settings(catalogue, halls))
    if args.json:
        print_json(
            {
                "settings_file": str(settings_path),
                "templates": len(templates),
                "complete": not problems,
                "problems": [
                    {"key": p.key, "label": p.label, "state": p.state.value, "value": p.value}
                    for p in problems
                ],
            }
        )
    else:
        print(f"文书模板：{len(templates)} 个，均有效。文书设置文件：{settings_path}")
        if not problems:
            print("文书设置齐全：盖章文书可以打印。")
        for problem in problems:
            what = "尚未设置" if problem.state.value == "unset" else f"仍为占位值“{problem.value}”"
            print(f"{problem.key}\t{problem.label}：{what}", file=sys.stdout)
        if problems:
            print(
                f"共 {len(problems)} 项未完成：需要这些设置的盖章文书在柜台不能打印。",
                file=sys.stderr,
            )
    return EXIT_FAILED_CHECK if problems else EXIT_OK
