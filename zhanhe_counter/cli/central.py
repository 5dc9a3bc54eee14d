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
