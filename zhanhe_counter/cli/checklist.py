"""``zhanhe-admin checklist evaluate``: the outcome of an intake from the command line.

Materials are numbered from 1 in catalogue order. ``--provided`` lists the ones brought exactly as
required; ``--exempt`` the ones obtained by data sharing; ``--gaozhi`` the ones replaced by a
告知承诺书; every other applicable material is missing. A conditional material applies only
when its condition text is named in ``--conditions`` (or, for 委托/代办 materials, with
``--agent``).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.catalogue import CatalogueInvalid, load_catalogue, load_windows
from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.cli.common import EXIT_OK, UserError, print_json
from zhanhe_counter.domain.checklist import (
    ApplicantSituation,
    ChecklistResult,
    MaterialRecord,
    Outcome,
    evaluate,
)
from zhanhe_counter.domain.matters import Catalogue, Matter
from zhanhe_counter.domain.windows import (
    HallDirectory,
    ServiceHall,
    ServiceHallLevel,
    WindowConfig,
)
from zhanhe_counter.domain.workdays import WorkCalendar


def default_catalogue_path() -> Path:
    """The packaged sample catalogue."""
    return resources_dir() / "catalogue" / "sample-matters.yaml"


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this command group to the parser."""
    group = sub.add_parser("checklist", help="材料核验")
    commands = group.add_subparsers(dest="checklist_command", metavar="子命令", required=True)
    run = commands.add_parser("evaluate", help="按已收材料判断办理结果（齐全 / 容缺 / 一次性告知）")
    run.add_argument("--matter", required=True, help="事项编号，如 ZH-001")
    run.add_argument("--provided", default="", help="已按要求提交的材料序号，逗号分隔，如 1,2,4")
    run.add_argument("--exempt", default="", help="通过数据共享免交的材料序号")
    run.add_argument("--gaozhi", default="", help="以告知承诺书替代的材料序号")
    run.add_argument("--conditions", default="", help="适用情形（材料的条件原文），逗号分隔")
    run.add_argument("--agent", action="store_true", help="由代理人（受托人）办理")
    run.add_argument("--pre-reviewed", action="store_true", help="已通过网上预审")
    run.add_argument("--catalogue", type=Path, help="事项目录文件（默认：内置示例目录）")
    run.add_argument("--window", help="窗口配置 FILE:ID（默认：办理全部事项的综合窗口）")
    run.add_argument("--received-on", help="收件日期 YYYY-MM-DD（默认：今天）")
    run.add_argument("--supplement-days", type=int, help="容缺补齐期限（工作日，不超过承诺时限）")
    run.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    run.set_defaults(handler=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    catalogue_path: Path = args.catalogue or default_catalogue_path()
    catalogue = _load(catalogue_path)
    matter = catalogue.matter(args.matter.strip())
    window, directory = _window(args.window, catalogue)
    records: dict[str, MaterialRecord] = {}
    for option, make in (
        ("--provided", MaterialRecord.as_required),
        ("--exempt", lambda _m: MaterialRecord.shared_exempt()),
        ("--gaozhi", lambda _m: MaterialRecord.gaozhi_chengnuo()),
    ):
        for number in _numbers(getattr(args, option[2:]), option, matter):
            material = matter.material_by_number(number)
            if material.name in records:
                raise UserError(f"第 {number} 项材料在多个选项中重复出现")
            records[material.name] = make(material)
    situation = ApplicantSituation(
        conditions=frozenset(c.strip() for c in args.conditions.split(",") if c.strip()),
        is_agent=args.agent,
        pre_reviewed_online=args.pre_reviewed,
    )
    received_on = _date(args.received_on)
    result = evaluate(
        matter,
        window,
        situation,
        records,
        received_on=received_on,
        calendar=_calendar(),
        supplement_days=args.supplement_days,
        directory=directory,
    )
    if args.json:
        print_json(_as_json(result))
    else:
        _print_text(matter, result)
    return EXIT_OK


def _load(path: Path) -> Catalogue:
    try:
        return load_catalogue(path).catalogue
    except CatalogueInvalid as invalid:
        first = invalid.problems[0] if invalid.problems else path
        raise UserError(
            f"事项目录无效（{len(invalid.problems)} 处错误，第一处 {first}）；"
            "请用 zhanhe-admin catalogue check 查看全部"
        ) from None


def _window(spec: str | None, catalogue: Catalogue) -> tuple[WindowConfig, HallDirectory | None]:
    if spec is None:
        hall = ServiceHall("QZX", "湛河区政务服务中心", ServiceHallLevel.DISTRICT_CENTRE)
        return WindowConfig.handling_everything(catalogue, hall), None
    file, sep, window_id = spec.rpartition(":")
    if not sep or not file or not window_id:
        raise UserError("--window 应写成 文件:窗口编号，如 windows.yaml:QZX-03")
    try:
        directory = load_windows(Path(file), catalogue).directory
    except CatalogueInvalid as invalid:
        first = invalid.problems[0] if invalid.problems else file
        raise UserError(f"窗口配置无效（第一处 {first}）") from None
    return directory.window(window_id), directory


def _numbers(text: str, option: str, matter: Matter) -> list[int]:
    numbers: list[int] = []
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        if not part.isdigit():
            raise UserError(f"{option} 应为逗号分隔的材料序号，“{part}”不是序号")
        number = int(part)
        if not 1 <= number <= len(matter.materials):
            raise UserError(
                f"{option} 中的序号 {number} 超出范围：该事项共 {len(matter.materials)} 项材料"
            )
        numbers.append(number)
    return numbers


def _date(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"日期“{text}”无效，应为 YYYY-MM-DD") from None


def _calendar() -> WorkCalendar:
    from zhanhe_counter.adapters.calendar import build_work_calendar

    return build_work_calendar()


def _as_json(result: ChecklistResult) -> dict[str, object]:
    data: dict[str, object] = {
        "outcome": result.outcome.value,
        "flow": result.flow.value if result.flow is not None else None,
        "missing": [item.name for item in result.missing],
        "rongque_items": [item.name for item in result.rongque_items],
    }
    if result.outcome is Outcome.NOT_HANDLED:
        data["message"] = result.refusal_message
    return data


def _print_text(matter: Matter, result: ChecklistResult) -> None:
    print(f"{matter.id} {matter.name}：{result.outcome.label}")
    if result.refusal_message:
        print(result.refusal_message)
        return
    if result.flow is not None:
        line = f"办理方式：{result.flow.value}"
        if result.needs_backoffice_answer:
            line += "（须后台当场答复）"
        print(line)
    for item in result.missing:
        mark = "（可容缺）" if item.rongque_allowed else ""
        print(f"  缺 {item.number}. {item.name}：{item.problem}（{item.requirement}）{mark}")
    for item in result.rongque_items:
        print(f"  容缺 {item.number}. {item.name}：{item.problem}（{item.requirement}）")
    if result.supplement_due is not None:
        provisional = "（暂定）" if result.supplement_due.provisional else ""
        print(f"补齐期限：{result.supplement_due.date.isoformat()}{provisional}")
    if result.documents:
        print("将打印：" + "、".join(doc.label for doc in result.documents))
