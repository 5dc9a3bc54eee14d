"""``zhanhe-admin central``: create or upgrade the central PostgreSQL schema and roles.

``central init --url URL`` runs the central migrations (tables, roles for stations, back office
and reporting, row-level security) in one transaction. ``central station-roles ID --url URL
--role ROLE[,ROLE…] [--hall HALL]`` changes what a registered station does; the centre re-routes
its cases at once (newly routed cases reach it with their whole history at its next pull). The
URL carries an owner login that is used once and never stored; without a password in the URL,
libpq's ``PGPASSWORD`` applies.
"""

from __future__ import annotations

import argparse
from typing import Any

from zhanhe_counter.cli.common import EXIT_OK, print_json


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``central init``."""
    parser = sub.add_parser("central", help="中心库：创建或升级表结构与角色")
    central_sub = parser.add_subparsers(dest="central_command", metavar="子命令", required=True)
    init = central_sub.add_parser("init", help="创建或升级中心库表结构、角色和行级安全策略")
    init.add_argument(
        "--url",
        required=True,
        help="中心库管理账号地址，例如 postgresql://owner@center.example.gov.cn/zhanhe",
    )
    init.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    init.set_defaults(handler=run_init)
    roles = central_sub.add_parser(
        "station-roles", help="更改站点角色（综合窗口、后台审批、统一出件、监督）并重新分派办件"
    )
    roles.add_argument("station_id", help="已注册的站点编号")
    roles.add_argument("--url", required=True, help="中心库管理账号地址")
    roles.add_argument(
        "--role",
        required=True,
        help="站点角色，英文逗号分隔，例如 backoffice=湛河区市场监督管理局,supervisor=QZX",
    )
    roles.add_argument("--hall", help="本站所在服务场所编号（可选）")
    roles.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    roles.set_defaults(handler=run_station_roles)

    deactivate = central_sub.add_parser(
        "deactivate-station", help="停用站点：禁止登录并立即断开其连接（记录保留）"
    )
    deactivate.add_argument("station_id", help="站点编号，例如 410411-03-W02")
    deactivate.add_argument("--url", required=True, help="中心库管理账号地址")
    deactivate.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    deactivate.set_defaults(handler=run_deactivate)

    purge = central_sub.add_parser(
        "purge-rejections",
        help="保存期限：清除超过期限的被拒记录中的个人信息（建议每天定时运行）",
    )
    purge.add_argument("--url", required=True, help="中心库管理账号地址")
    purge.add_argument("--days", type=int, default=None, help="保存天数（默认 90）")
    purge.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    purge.set_defaults(handler=run_purge_rejections)

    from zhanhe_counter.cli import governance

    governance.register(central_sub)


def run_init(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre.schema import upgrade_central

    result = upgrade_central(args.url)
    data = {
        "database": result.database,
        "from_revision": result.from_revision,
        "revision": result.revision,
    }
    if args.json:
        print_json(data)
    elif result.from_revision == result.revision:
        print(f"中心库 {result.database} 已是最新结构（{result.revision}）。")
    else:
        print(
            f"中心库 {result.database} 已升级：{result.from_revision or '空库'} → {result.revision}"
        )
    return EXIT_OK


def run_deactivate(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre.schema import deactivate_station

    result = deactivate_station(args.url, args.station_id)
    if args.json:
        print_json(
            {
                "station_id": result.station_id,
                "role": result.role_name,
                "sessions_ended": result.sessions_ended,
            }
        )
    else:
        print(
            f"站点 {result.station_id} 已停用：账号 {result.role_name} 不能再登录，"
            f"已断开 {result.sessions_ended} 个连接。重新注册该站点即可恢复。"
        )
    return EXIT_OK


def run_purge_rejections(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre.schema import (
        REJECTION_RETENTION_DAYS,
        purge_rejection_payloads,
    )
    from zhanhe_counter.cli.common import UserError

    days = REJECTION_RETENTION_DAYS if args.days is None else args.days
    if days < 1:
        raise UserError("保存天数至少为 1 天。")
    purged = purge_rejection_payloads(args.url, days)
    if args.json:
        print_json({"days": days, "purged": purged})
    else:
        print(f"已清除 {purged} 条超过 {days} 天的被拒记录中的个人信息。")
    return EXIT_OK


def run_station_roles(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre.schema import set_station_roles
    from zhanhe_counter.services.station_roles import format_roles, parse_roles

    result = set_station_roles(args.url, args.station_id, parse_roles(args.role), hall=args.hall)
    data = {
        "station_id": result.station_id,
        "roles": [str(r) for r in result.roles],
        "hall": result.hall,
        "routed_events": result.routes_added,
    }
    if args.json:
        print_json(data)
    else:
        print(
            f"站点 {result.station_id} 的角色已改为 {format_roles(result.roles)}"
            f"（服务场所：{result.hall or '未指定'}），新分派 {result.routes_added} 条记录。"
        )
    return EXIT_OK
