"""``zhanhe-admin catalogue check``: validate a matter catalogue (and its departments and windows).

Valid: exit 0 and a one-line summary (warnings on stderr as ``FILE:LINE: 警告：…``).
Invalid: exit 2 and every problem as ``FILE:LINE: message`` on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.catalogue import (
    CatalogueInvalid,
    CatalogueProblem,
    load_catalogue,
    load_windows,
)
from zhanhe_counter.cli.common import EXIT_OK, EXIT_USER_ERROR, print_json


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this command group to the parser."""
    group = sub.add_parser("catalogue", help="事项目录")
    commands = group.add_subparsers(dest="catalogue_command", metavar="子命令", required=True)
    check = commands.add_parser("check", help="检查事项目录文件，逐条列出所有问题（文件:行号）")
    check.add_argument("file", type=Path, help="事项目录 YAML 文件")
    check.add_argument("--departments", type=Path, help="部门联系方式 YAML 文件（同时检查）")
    check.add_argument("--windows", type=Path, help="窗口配置 YAML 文件（对照目录同时检查）")
    check.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    warnings: list[CatalogueProblem] = []
    try:
        loaded = load_catalogue(args.file, departments=args.departments)
        warnings += loaded.warnings
        windows = None
        if args.windows is not None:
            windows = load_windows(args.windows, loaded.catalogue)
            warnings += windows.warnings
    except CatalogueInvalid as invalid:
        if args.json:
            print_json({"valid": False, "problems": [_as_dict(p) for p in invalid.problems]})
        for problem in invalid.problems:
            print(problem, file=sys.stderr)
        return EXIT_USER_ERROR
    catalogue = loaded.catalogue
    materials = sum(len(m.materials) for m in catalogue)
    summary = (
        f"{args.file}: 有效，{len(catalogue)} 个事项，{materials} 项材料，"
        f"{len(catalogue.department_names)} 个部门"
    )
    if windows is not None:
        summary += f"，{len(windows.directory.windows)} 个窗口"
    if warnings:
        summary += f"，{len(warnings)} 条警告"
    for warning in warnings:
        print(f"{warning.file}:{warning.line}: 警告：{warning.message}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "valid": True,
                "matters": len(catalogue),
                "materials": materials,
                "departments": len(catalogue.department_names),
                "windows": len(windows.directory.windows) if windows is not None else None,
                "warnings": [_as_dict(w) for w in warnings],
            }
        )
    else:
        print(summary)
    return EXIT_OK


def _as_dict(problem: CatalogueProblem) -> dict[str, object]:
    return {"file": problem.file, "line": problem.line, "message": problem.message}
