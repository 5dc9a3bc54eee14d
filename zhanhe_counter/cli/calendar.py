"""``zhanhe-admin calendar``: check working-day arithmetic and where each day's answer came from."""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.calendar import build_work_calendar
from zhanhe_counter.cli.common import EXIT_OK, UserError, print_json
from zhanhe_counter.domain.workdays import DayInfo, WorkCalendar

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEKDAYS = "一二三四五六日"
# Far beyond any legal time limit; keeps a typo from walking the calendar to the year 9999.
MAX_WORKDAYS = 10_000
_KIND_ZH = {
    "workday": "工作日",
    "weekend": "周末",
    "holiday": "节假日",
    "makeup_workday": "调休上班",
}


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``calendar add-workdays | count-workdays | day``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--overrides",
        metavar="FILE",
        help="节假日覆盖表（默认使用随程序发布的 resources/calendar/holidays.yaml）",
    )
    common.add_argument("--json", action="store_true", help="以 JSON 输出")

    group = sub.add_parser("calendar", help="工作日历：计算时限、查看某天是否上班")
    commands = group.add_subparsers(dest="calendar_command", metavar="子命令", required=True)

    add = commands.add_parser(
        "add-workdays", parents=[common], help="DATE 之后第 N 个工作日（当天不计）"
    )
    add.add_argument("date", metavar="DATE", help="起算日期 YYYY-MM-DD（如受理日）")
    add.add_argument("days", metavar="N", help="工作日数（不小于 0 的整数）")
    add.set_defaults(handler=_add_workdays)

    count = commands.add_parser(
        "count-workdays", parents=[common], help="START 之后到 END（含）之间的工作日数"
    )
    count.add_argument("start", metavar="START", help="起算日期 YYYY-MM-DD（不计）")
    count.add_argument("end", metavar="END", help="截止日期 YYYY-MM-DD（计入）")
    count.set_defaults(handler=_count_workdays)

    day = commands.add_parser("day", parents=[common], help="某天是否上班、属于哪个节日、依据")
    day.add_argument("date", metavar="DATE", help="日期 YYYY-MM-DD")
    day.set_defaults(handler=_day)


def _calendar(args: argparse.Namespace) -> WorkCalendar:
    return build_work_calendar(Path(args.overrides) if args.overrides else None)


def _parse_date(text: str) -> date:
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"日期无效：“{text}”，应写成 YYYY-MM-DD，如 2026-09-28") from None


def _parse_days(text: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()):
        raise UserError(f"工作日数应为不小于 0 的整数：“{text}”")
    days = int(text)
    if days > MAX_WORKDAYS:
        raise UserError(f"工作日数过大（最多 {MAX_WORKDAYS}）：{days}")
    return days


def _show(day: date) -> str:
    return f"{day.isoformat()}（周{_WEEKDAYS[day.weekday()]}）"


def _provisional_note(provisional: bool) -> str:
    return "  【暂定：涉及尚未公布放假安排的年份】" if provisional else ""


def _add_workdays(args: argparse.Namespace) -> int:
    start = _parse_date(args.date)
    days = _parse_days(args.days)
    due = _calendar(args).add_workdays(start, days)
    if args.json:
        print_json(
            {
                "start": start.isoformat(),
                "days": days,
                "due": due.date.isoformat(),
                "provisional": due.provisional,
            }
        )
    else:
        print(
            f"{_show(start)} 起 {days} 个工作日，截止 {_show(due.date)}"
            + _provisional_note(due.provisional)
        )
    return EXIT_OK


def _count_workdays(args: argparse.Namespace) -> int:
    start = _parse_date(args.start)
    end = _parse_date(args.end)
    count, provisional = _calendar(args).count_workdays(start, end)
    if args.json:
        print_json(
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "workdays": count,
                "provisional": provisional,
            }
        )
    else:
        print(
            f"{_show(start)} 之后至 {_show(end)}：{count} 个工作日" + _provisional_note(provisional)
        )
    return EXIT_OK


def day_kind(day: date, info: DayInfo) -> str:
    """workday / weekend / holiday / makeup_workday, from the day's weekday and its info."""
    weekend = day.weekday() >= 5
    if info.is_workday:
        return "makeup_workday" if weekend else "workday"
    if weekend and info.name is None:
        return "weekend"
    return "holiday"


def _day(args: argparse.Namespace) -> int:
    day = _parse_date(args.date)
    info = _calendar(args).info(day)
    kind = day_kind(day, info)
    if args.json:
        print_json(
            {
                "date": day.isoformat(),
                "weekday": f"周{_WEEKDAYS[day.weekday()]}",
                "workday": info.is_workday,
                "kind": kind,
                "name": info.name,
                "provisional": info.provisional,
                "basis": info.basis,
            }
        )
    else:
        name = f"（{info.name}）" if info.name else ""
        print(
            f"{_show(day)}：{_KIND_ZH[kind]}{name}；依据：{info.basis}"
            + _provisional_note(info.provisional)
        )
    return EXIT_OK
