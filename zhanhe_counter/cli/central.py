"""``zhanhe-admin central``: create or upgrade the central PostgreSQL schema and roles.

``central init --url URL`` runs the central migrations (tables, roles for stations, back office
and reporting, row-level security) in one transaction. The URL carries an owner login that is
used once and never stored; without a password in the URL, libpq's ``PGPASSWORD`` applies.
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
