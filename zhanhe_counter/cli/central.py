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
