"""``zhanhe-admin central publish | versions | holiday | staff | log``: the bureau's administration.

``central publish KIND FILE --version V --effective DATE`` checks the file with the counter's own
loaders (a catalogue against the departments and windows in effect that day, windows against the
catalogue), shows what changes against the version in effect (matters added, changed, retired),
and publishes it; ``--dry-run`` stops after the check and the difference. Registered counters
take it up after their next pull, from the effective day (docs/governance.md). Every change is
recorded in the centre's ``governance_log`` with ``--by`` (default: the OS user) and the time.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from zhanhe_counter.cli.common import EXIT_OK, UserError, print_json
from zhanhe_counter.domain.china_time import china_date

KINDS = ("catalogue", "departments", "windows", "document_settings", "office_hours")


def register(central_sub: argparse._SubParsersAction[Any]) -> None:
    """Add the administration commands under ``central``."""
    publish = central_sub.add_parser(
        "publish", help="发布基础数据新版本（事项目录、部门、窗口、文书设置、办公时间）"
    )
    publish.add_argument("kind", choices=KINDS, help="发布类别")
    publish.add_argument("file", type=Path, help="要发布的文件")
    publish.add_argument("--version", required=True, help="版本号，例如 2027-01")
    publish.add_argument("--effective", required=True, type=_day, help="生效日期 YYYY-MM-DD")
    publish.add_argument("--dry-run", action="store_true", help="只检查并显示差异，不发布")
    _common(publish)
    publish.set_defaults(handler=run_publish)

    listing = central_sub.add_parser("versions", help="列出某类基础数据的已发布版本")
    listing.add_argument("kind", choices=KINDS)
    _common(listing, actor=False)
    listing.set_defaults(handler=run_versions)

    holiday = central_sub.add_parser("holiday", help="节假日调整：放假日或调休上班日")
    holiday.add_argument("day", type=_day, help="日期 YYYY-MM-DD")
    holiday.add_argument("--name", default="", help="名称，例如 元旦")
    holiday.add_argument("--workday", action="store_true", help="调休上班（默认：放假）")
    holiday.add_argument("--remove", action="store_true", help="撤销该日的调整")
    _common(holiday)
    holiday.set_defaults(handler=run_holiday)

    staff = central_sub.add_parser("staff", help="工作人员账号：新建、角色、停用、重置密码")
    staff.add_argument("action", choices=("create", "roles", "disable", "enable", "reset-password"))
    staff.add_argument("staff_id", help="账号，例如 zhangmin")
    staff.add_argument("--name", help="姓名（新建时必填）")
    staff.add_argument("--roles", help="角色，英文逗号分隔，例如 window,delivery")
    staff.add_argument(
        "--password-stdin", action="store_true", help="从标准输入读取密码（默认交互输入）"
    )
    _common(staff)
    staff.set_defaults(handler=run_staff)

    clashes = central_sub.add_parser(
        "collisions", help="重号办件：中心收到的编号已被另一办件使用的办件（请核查并更正）"
    )
    _common(clashes, actor=False)
    clashes.set_defaults(handler=run_collisions)

    log = central_sub.add_parser("log", help="管理操作记录（谁、何时、改了什么）")
    log.add_argument("--limit", type=int, default=50)
    _common(log, actor=False)
    log.set_defaults(handler=run_log)


def _common(parser: argparse.ArgumentParser, *, actor: bool = True) -> None:
    parser.add_argument("--url", required=True, help="中心库管理账号地址")
    if actor:
        parser.add_argument(
            "--by", default=None, help="操作人（记录在管理操作记录中；默认当前用户）"
        )
    parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD：{text}") from None


def _actor(args: argparse.Namespace) -> str:
    return str(args.by or getpass.getuser())


# -------------------------------------------------------------------------------- publish


def run_publish(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.catalogue.problems import CatalogueInvalid
    from zhanhe_counter.adapters.centre import governance
    from zhanhe_counter.publishing import check_document, matters_of, text_difference

    try:
        content = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"无法读取文件 {args.file}：{error}") from error
    current = governance.in_effect(args.url, args.kind, args.effective)
    with tempfile.TemporaryDirectory(prefix="zhanhe-publish-") as folder:
        try:
            changes = check_document(args.url, args.kind, args.file, args.effective, Path(folder))
        except CatalogueInvalid as error:  # every problem, as ``catalogue check`` prints them
            lines = "\n".join(str(p) for p in error.problems)
            raise UserError(
                f"{args.file} 不能发布，有 {len(error.problems)} 处错误：\n{lines}"
            ) from error
        difference: dict[str, list[str]] | list[str] = changes
        if args.kind != "catalogue":
            difference = text_difference(current.content if current else "", content)
    data: dict[str, Any] = {
        "kind": args.kind,
        "version": args.version,
        "effective_from": args.effective.isoformat(),
        "current_version": current.version if current else None,
        "difference": difference,
        "published": False,
    }
    if not args.dry_run:
        governance.publish_document(
            args.url,
            args.kind,
            content,
            version=args.version,
            effective_from=args.effective,
            actor=_actor(args),
            matters=matters_of(args.file) if args.kind == "catalogue" else (),
            today=china_date(datetime.now(UTC)),
        )
        data["published"] = True
    if args.json:
        print_json(data)
        return EXIT_OK
    print(f"{args.kind} 当前版本：{data['current_version'] or '无（各站用本机文件）'}")
    if isinstance(difference, dict):
        for label, key in (("新增", "added"), ("变更", "changed"), ("取消", "retired")):
            ids = difference[key]
            print(f"{label}事项 {len(ids)} 项：{'、'.join(ids) if ids else '无'}")
    else:
        print("\n".join(difference) if difference else "内容无变化")
    if data["published"]:
        print(f"已发布版本 {args.version}，{args.effective} 起生效；各窗口下次同步后采用。")
    else:
        print("检查通过（未发布：--dry-run）。")
    return EXIT_OK


def run_versions(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre import governance

    rows = [
        {
            "version": v.version,
            "effective_from": v.effective_from.isoformat(),
            "published_by": v.published_by,
            "published_at": v.published_at.isoformat(),
        }
        for v in governance.versions(args.url, args.kind)
    ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(
                f"{row['version']}\t{row['effective_from']} 起生效\t"
                f"{row['published_by']}\t{row['published_at']}"
            )
    return EXIT_OK


# ------------------------------------------------------------------------ holidays, staff, log


def run_holiday(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre import governance

    if args.remove:
        removed = governance.remove_holiday(args.url, args.day, actor=_actor(args))
        data: dict[str, Any] = {"day": args.day.isoformat(), "removed": removed}
        message = f"{args.day} 的调整已撤销。" if removed else f"{args.day} 没有调整。"
    else:
        governance.set_holiday(
            args.url, args.day, workday=args.workday, name=args.name, actor=_actor(args)
        )
        kind = "调休上班" if args.workday else "放假"
        data = {"day": args.day.isoformat(), "workday": args.workday, "name": args.name}
        message = f"{args.day} 设为{kind}（{args.name or '未命名'}）；各窗口下次同步后生效。"
    if args.json:
        print_json(data)
    else:
        print(message)
    return EXIT_OK


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("新密码：")
        if getpass.getpass("再输入一次：") != password:
            raise UserError("两次输入的密码不一致。")
    if len(password) < 6:
        raise UserError("密码至少 6 位。")
    return password


def run_staff(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre import governance
    from zhanhe_counter.adapters.security import Argon2PasswordHasher

    roles = [r.strip() for r in args.roles.split(",") if r.strip()] if args.roles else None
    changes: dict[str, Any] = {}
    if args.action == "create":
        if not args.name or not roles:
            raise UserError("新建账号需要 --name 和 --roles。")
        password_hash = Argon2PasswordHasher().hash(_password(args))
        changes = {"name": args.name, "roles": roles, "password_hash": password_hash}
    elif args.action == "roles":
        if roles is None:
            raise UserError("请用 --roles 给出角色。")
        changes = {"roles": roles}
    elif args.action == "reset-password":
        changes = {"password_hash": Argon2PasswordHasher().hash(_password(args))}
    else:
        changes = {"active": args.action == "enable"}
    governance.save_staff(
        args.url, args.staff_id, actor=_actor(args), create=args.action == "create", **changes
    )
    if args.json:
        print_json({"staff_id": args.staff_id, "action": args.action})
    else:
        print(f"账号 {args.staff_id}：{args.action} 完成；各窗口下次同步后生效。")
    return EXIT_OK


def run_log(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre import governance

    rows = [
        {
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "subject": e.subject,
            "detail": e.detail,
        }
        for e in governance.log_entries(args.url, args.limit)
    ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['at']}\t{row['actor']}\t{row['action']}\t{row['subject']}")
    return EXIT_OK


def run_collisions(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre.governance import number_collisions

    rows = [
        {
            "case_number": c.case_number,
            "case_id": str(c.case_id),
            "station_id": c.station_id,
            "first_case_id": str(c.first_case_id) if c.first_case_id else None,
            "at": c.at.isoformat(),
        }
        for c in number_collisions(args.url)
    ]
    if args.json:
        print_json(rows)
    elif not rows:
        print("没有重号的办件。")
    else:
        print(f"有 {len(rows)} 件办件的编号与其他办件重复：")
        for row in rows:
            where = f"站点 {row['station_id']}\t办件 {row['case_id']}"
            print(f"{row['case_number']}\t{where}\t{row['at']}")
    return EXIT_OK
