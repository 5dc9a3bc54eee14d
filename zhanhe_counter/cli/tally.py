"""``zhanhe-admin tally``: a day's or a period's figures written as CSV, XLSX or PDF.

``--scope local`` (default) counts this PC's database; ``--scope central`` counts the central
PostgreSQL database given by ``--central-url`` or ``ZHANHE_CENTRAL_URL`` (a reporting login), and
names the stations that have not synced since the period ended. ``--scope central --as-station``
counts at the centre with this PC's own station login instead: row-level security then gives a
supervisor desk exactly its scope (its hall, or the district; docs/hall.md), named from this PC.
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from zhanhe_counter.adapters.clock import SystemClock
from zhanhe_counter.adapters.export import ExportFormat, write_export
from zhanhe_counter.adapters.paths import local_db_path, resolve_data_dir
from zhanhe_counter.adapters.storage.database_key import is_demo_folder, open_station_database
from zhanhe_counter.adapters.sync.connection import parse_central_url
from zhanhe_counter.adapters.tally import central_source, sqlite_source
from zhanhe_counter.adapters.tally.directory import read_directory
from zhanhe_counter.cli.common import EXIT_OK, UserError, print_json
from zhanhe_counter.composition import Station, StationSetupMissing, build_station
from zhanhe_counter.services.ports.tally import Figure, Grouping, Period, Scope
from zhanhe_counter.services.tally import TallyService

CENTRAL_URL_ENV = "ZHANHE_CENTRAL_URL"
_BY = ("window", "clerk", "matter", "department", "hall")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("tally", help="窗口业务统计并导出（CSV/XLSX/PDF）")
    parser.add_argument("--date", required=True, help="统计日期 YYYY-MM-DD（期间的第一天）")
    parser.add_argument("--to", help="期间最后一天 YYYY-MM-DD（默认与 --date 相同）")
    parser.add_argument(
        "--scope",
        choices=[s.value for s in Scope],
        default=Scope.LOCAL.value,
        help="local：本机数据（仅限本机）；central：中心数据",
    )
    parser.add_argument("--by", choices=_BY, default="window", help="分组方式（默认按窗口）")
    parser.add_argument(
        "--format", choices=[f.value for f in ExportFormat], required=True, help="导出格式"
    )
    parser.add_argument("--out", required=True, help="导出文件路径")
    parser.add_argument("--central-url", help=f"中心库地址（也可用环境变量 {CENTRAL_URL_ENV}）")
    parser.add_argument(
        "--as-station",
        action="store_true",
        help="用本机站点账号读取中心数据（监督岗：本服务场所或全区，按中心分派范围）",
    )
    parser.set_defaults(handler=run_tally)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} 日期格式应为 YYYY-MM-DD：{text}") from None


def run_tally(args: argparse.Namespace) -> int:
    first = _day(args.date, "--date")
    last = _day(args.to, "--to") if args.to else first
    period = Period(first, last)  # InvalidPeriod is a DomainError: exit 2 with its message
    if args.as_station and args.scope != Scope.CENTRAL.value:
        raise UserError("--as-station 只用于 --scope central（用本机站点账号读取中心数据）")
    out = Path(args.out)
    if out.is_dir():
        raise UserError(f"--out 应为文件路径，而不是目录：{out}")
    engine = _engine(args)
    station: Station | None = None
    try:
        scope = Scope(args.scope)
        if scope is Scope.LOCAL or args.as_station:
            station = _station(args)
        if args.as_station and scope is Scope.CENTRAL:
            # The centre's figures for what is routed to this PC, named from this PC.
            service = TallyService(
                central_source(engine),
                SystemClock(),
                station.tally_directory if station is not None else None,
            )
        elif station is not None:
            # Names of matters, windows and staff from this PC's own catalogue and setup.
            service = station.tally
        else:
            source = sqlite_source(engine) if scope is Scope.LOCAL else central_source(engine)
            service = TallyService(source, SystemClock(), lambda: read_directory(engine))
        report = service.tally(period, Grouping(args.by))
        write_export(report, ExportFormat(args.format), out)
    finally:
        if station is not None:
            station.close()
        engine.dispose()
    print_json(
        {
            "scope": report.scope.value,
            "period": [period.first.isoformat(), period.last.isoformat()],
            "by": report.grouping.value,
            "groups": len(report.rows),
            "received": report.total[Figure.RECEIVED],
            "completeness": report.completeness,
            "not_synced": [s.station_id for s in report.not_synced],
            "out": str(out),
        }
    )
    return EXIT_OK


def _station(args: argparse.Namespace) -> Station | None:
    """This PC's station, when it has been set up; else None (names fall back to the ids)."""
    data_dir = resolve_data_dir(args.data_dir, os.environ)
    try:
        return build_station(data_dir, demo=is_demo_folder(data_dir), start_queue=False)
    except StationSetupMissing:
        return None


def _engine(args: argparse.Namespace) -> sa.Engine:
    if args.scope == Scope.LOCAL.value:
        data_dir = resolve_data_dir(args.data_dir, os.environ)
        path = local_db_path(data_dir)
        if not path.exists():
            raise UserError(f"本机数据库不存在：{path}。请先完成初始设置或指定 --data-dir。")
        return open_station_database(data_dir)
    if args.as_station:
        from zhanhe_counter.adapters.secrets import KeyringSecretStore
        from zhanhe_counter.adapters.sync.station_config import central_login

        data_dir = resolve_data_dir(args.data_dir, os.environ)
        if not local_db_path(data_dir).exists():
            raise UserError(f"本机数据库不存在：{local_db_path(data_dir)}。")
        local = open_station_database(data_dir)
        try:
            login = central_login(local, KeyringSecretStore())
        finally:
            local.dispose()
        return sa.create_engine(login.sqlalchemy_url(), pool_pre_ping=True)
    url = args.central_url or os.environ.get(CENTRAL_URL_ENV)
    if not url:
        raise UserError(f"中心统计需要中心库地址：请用 --central-url 或环境变量 {CENTRAL_URL_ENV}")
    address = parse_central_url(url)  # InvalidCentralUrl: exit 2 with its message
    return sa.create_engine(address.sqlalchemy_url(), pool_pre_ping=True)
