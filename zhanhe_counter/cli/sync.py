"""``zhanhe-admin sync``: run one sync session with the centre, or show where sync stands.

``sync --once [--json]`` pushes what is waiting and pulls what the centre has; the JSON is
``{"pushed": N, "pulled": N, "errors": [...], ...}`` and the exit code is 1 when the session
failed. ``sync --status [--json]`` only reads the station database.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from typing import Any

from zhanhe_counter.adapters.clock import SystemClock
from zhanhe_counter.cli.common import EXIT_FAILED_CHECK, EXIT_OK, UserError, print_json


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``sync``."""
    parser = sub.add_parser("sync", help="与中心同步：上传本机记录、下载中心数据")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="立即同步一次并报告结果")
    mode.add_argument("--status", action="store_true", help="只显示同步状态，不连接中心")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    parser.set_defaults(handler=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    from zhanhe_counter import __version__
    from zhanhe_counter.adapters.paths import local_db_path, resolve_data_dir
    from zhanhe_counter.adapters.storage.database_key import open_station_database

    data_dir = resolve_data_dir(args.data_dir, os.environ)
    path = local_db_path(data_dir)
    if not path.exists():
        raise UserError(f"本机数据库不存在：{path}。请先运行 zhanhe-admin station register。")
    engine = open_station_database(data_dir)
    try:
        if args.status:
            return _status(engine, args.json)
        return _once(engine, args.json, __version__)
    finally:
        engine.dispose()


def _once(engine: Any, as_json: bool, version: str) -> int:
    from zhanhe_counter.adapters.secrets import KeyringSecretStore
    from zhanhe_counter.adapters.sync.station_config import build_sync_engine
    from zhanhe_counter.composition import station_places

    # The cases' places (hall, departments) travel with them, so the centre can route them.
    sync = build_sync_engine(
        engine, KeyringSecretStore(), SystemClock(), version, places=station_places(engine)
    )
    report = sync.run_once()
    if as_json:
        print_json(report.as_json())
    else:
        print(
            f"上传 {report.pushed} 条，下载 {report.pulled} 条记录、"
            f"{report.pulled_reference} 条基础数据变更"
            + (f"，中心拒收 {report.rejected} 条" if report.rejected else "")
            + (f"，需处理 {report.conflicts} 条" if report.conflicts else "")
            + "。"
        )
        for message in report.errors:
            print(f"错误：{message}")
    return EXIT_OK if report.ok else EXIT_FAILED_CHECK


def _status(engine: Any, as_json: bool) -> int:
    from zhanhe_counter.adapters.storage.sync_status import SqliteSyncStatus
    from zhanhe_counter.adapters.sync.station_config import load_config, load_limits
    from zhanhe_counter.services.offline_limits import assess_intake

    config = load_config(engine)
    if config is None:
        raise UserError("本机尚未注册到中心，请先运行 zhanhe-admin station register。")
    summary = SqliteSyncStatus(engine, config.station_id).summary()
    verdict = assess_intake(summary, load_limits(engine), datetime.now(UTC))

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    data = {
        "station_id": config.station_id,
        "central_url": config.address.url(with_password=False),
        "pending": summary.pending,
        "oldest_pending_at": when(summary.oldest_pending_at),
        "sent_unconfirmed": summary.sent_unconfirmed,
        "rejected": summary.rejected,
        "conflicts": summary.conflicts,
        "last_push_ok_at": when(summary.last_push_ok_at),
        "last_pull_ok_at": when(summary.last_pull_ok_at),
        "last_reference_ok_at": when(summary.last_reference_ok_at),
        "intake": verdict.level.value,
        "reasons": list(verdict.reasons),
    }
    if as_json:
        print_json(data)
    else:
        print(
            f"站点 {config.station_id}：待上传 {summary.pending} 条，"
            f"已发送待确认 {summary.sent_unconfirmed} 条，拒收 {summary.rejected} 条，"
            f"需处理 {summary.conflicts} 条。"
        )
        for reason in verdict.reasons:
            print(f"提示：{reason}")
    return EXIT_OK
