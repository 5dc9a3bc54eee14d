"""``zhanhe-admin id check VALUE``: check an ID number or 统一社会信用代码 without the GUI."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from zhanhe_counter.cli.common import EXIT_FAILED_CHECK, EXIT_OK, print_json
from zhanhe_counter.domain.identity import IdCheck, IdKind, check_id, province_name
from zhanhe_counter.domain.masking import mask_id_number


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``id`` command group to the parser."""
    group = sub.add_parser("id", help="证件号码工具", description="证件号码工具")
    commands = group.add_subparsers(dest="id_command", metavar="子命令", required=True)
    check = commands.add_parser(
        "check",
        help="校验身份证、港澳台居民居住证、外国人永久居留身份证号码或统一社会信用代码",
        description="校验身份证、港澳台居民居住证、外国人永久居留身份证号码或统一社会信用代码。"
        "有效时退出码为0，无效时为1。",
    )
    check.add_argument("value", metavar="号码", help="要校验的号码（可含空格、全角数字）")
    check.add_argument("--json", action="store_true", help="以JSON输出结果")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Check one number; exit 0 when valid, 1 when not."""
    # The CLI is an entry point, so it may read the clock for the "born in the future" check.
    result = check_id(args.value, today=date.today())
    if args.json:
        print_json(check_to_json(result))
    else:
        print(human_summary(result))
    return EXIT_OK if result.valid else EXIT_FAILED_CHECK


def check_to_json(result: IdCheck) -> dict[str, Any]:
    """The ``--json`` document: never the number itself."""
    data: dict[str, Any] = {
        "valid": result.valid,
        "kind": None if result.kind is None else result.kind.value,
        "problems": list(result.problems),
    }
    if result.kind in {IdKind.RESIDENT, IdKind.GAT_RESIDENCE, IdKind.FOREIGN_PERMANENT}:
        data["birth_date"] = None if result.birth_date is None else result.birth_date.isoformat()
        data["sex"] = result.sex
    if result.kind in {IdKind.RESIDENT, IdKind.GAT_RESIDENCE, IdKind.USCC}:
        data["region_code"] = result.region_code
    if result.warnings:
        data["warnings"] = list(result.warnings)
    return data


def human_summary(result: IdCheck) -> str:
    """A few Chinese lines for the administrator, with the number masked. The birth date is
    left out too: with it, the masked number would be almost whole again (``--json`` has it)."""
    lines = []
    if result.number:
        lines.append(f"号码：{mask_id_number(result.number)}")
    if result.kind is not None:
        lines.append(f"类型：{result.kind.label}")
    lines.append("结论：有效" if result.valid else "结论：无效")
    if result.sex is not None:
        lines.append(f"性别：{result.sex}")
    if result.region_code is not None:
        province = province_name(result.region_code)
        suffix = f"（{province}）" if province else ""
        lines.append(f"地区码：{result.region_code}{suffix}")
    lines += [f"问题：{problem}" for problem in result.problems]
    lines += [f"提示：{warning}" for warning in result.warnings]
    return "\n".join(lines)
