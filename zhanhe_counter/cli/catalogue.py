"""``zhanhe-admin catalogue check|import-xlsx|export-xlsx``: validate a matter catalogue (YAML, or
the spreadsheet form of the 实施清单), and convert between the two.

Valid: exit 0 and a one-line summary (warnings on stderr as ``FILE:LINE: 警告：…``).
Invalid: exit 2 and every problem as ``FILE:LINE: message`` (a spreadsheet:
``FILE[SHEET]:ROW:COLUMN: message``) on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.catalogue import (
    CatalogueInvalid,
    CatalogueProblem,
    LoadedCatalogue,
    load_catalogue,
    load_windows,
)
from zhanhe_counter.cli.common import EXIT_OK, EXIT_USER_ERROR, print_json


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this command group to the parser."""
    group = sub.add_parser("catalogue", help="事项目录")
    commands = group.add_subparsers(dest="catalogue_command", metavar="子命令", required=True)
    check = commands.add_parser("check", help="检查事项目录文件，逐条列出所有问题（文件:行号）")
    check.add_argument("file", type=Path, help="事项目录 YAML 文件或 XLSX 实施清单")
    check.add_argument("--departments", type=Path, help="部门联系方式 YAML 文件（同时检查）")
    check.add_argument("--windows", type=Path, help="窗口配置 YAML 文件（对照目录同时检查）")
    check.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    check.set_defaults(handler=run_check)
    imports = commands.add_parser(
        "import-xlsx", help="把 XLSX 实施清单转换为事项目录 YAML（先按目录规则逐格检查）"
    )
    imports.add_argument("file", type=Path, help="XLSX 实施清单（格式见 resources/catalogue）")
    imports.add_argument("--out", type=Path, required=True, help="写出的事项目录 YAML 文件")
    imports.set_defaults(handler=run_import)
    exports = commands.add_parser("export-xlsx", help="把事项目录写成 XLSX 实施清单（模板格式）")
    exports.add_argument("file", type=Path, help="事项目录 YAML 文件")
    exports.add_argument("--out", type=Path, required=True, help="写出的 XLSX 文件")
    exports.set_defaults(handler=run_export)


def _read(path: Path, departments: Path | None) -> LoadedCatalogue:
    """A YAML catalogue, or the spreadsheet form (``.xlsx``) checked by the same rules."""
    if path.suffix.lower() != ".xlsx":
        return load_catalogue(path, departments=departments)
    from zhanhe_counter.adapters.catalogue.xlsx_file import read_xlsx

    _text, catalogue, warnings = read_xlsx(path)
    return LoadedCatalogue(catalogue, warnings)


def _refused(invalid: CatalogueInvalid) -> int:
    for problem in invalid.problems:
        print(problem, file=sys.stderr)
    return EXIT_USER_ERROR


def _warn(warnings: tuple[CatalogueProblem, ...] | list[CatalogueProblem]) -> None:
    for warning in warnings:
        where = str(warning).removesuffix(f" {warning.message}")
        print(f"{where} 警告：{warning.message}", file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.catalogue.xlsx_file import read_xlsx

    try:
        text, catalogue, warnings = read_xlsx(args.file)
    except CatalogueInvalid as invalid:
        return _refused(invalid)
    _warn(warnings)
    header = f"# 事项目录，由 zhanhe-admin catalogue import-xlsx 从 {args.file.name} 转换。\n"
    args.out.write_text(header + text, encoding="utf-8")
    print(f"{args.out}: 已写出 {len(catalogue)} 个事项")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.catalogue.xlsx_file import write_xlsx

    try:
        loaded = load_catalogue(args.file)
    except CatalogueInvalid as invalid:
        return _refused(invalid)
    write_xlsx(loaded.catalogue, args.out)
    print(f"{args.out}: 已写出 {len(loaded.catalogue)} 个事项")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    warnings: list[CatalogueProblem] = []
    try:
        loaded = _read(args.file, args.departments)
        warnings += loaded.warnings
        windows = None
        if args.windows is not None:
            windows = load_windows(args.windows, loaded.catalogue)
            warnings += windows.warnings
    except CatalogueInvalid as invalid:
        if args.json:
            print_json({"valid": False, "problems": [_as_dict(p) for p in invalid.problems]})
        return _refused(invalid)
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
    _warn(warnings)
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
    found: dict[str, object] = {"file": problem.file, "line": problem.line}
    if problem.column is not None:
        found["column"] = problem.column
    return found | {"message": problem.message}
