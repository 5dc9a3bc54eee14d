"""``zhanhe-admin db``: upgrade the station database, check its health, prune old cases.

``db upgrade`` creates the database if needed and runs the pending migrations. ``db check`` never
changes anything: it reports SQLite's ``integrity_check``, the schema revision against the one
this program ships, and row counts; it exits 1 when the file is damaged or not up to date.
``db prune`` deletes the local copies of closed cases the centre has confirmed once the
configured retention (setting ``retention_days``, default 180) has passed; ``--dry-run`` only
lists them.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from zhanhe_counter.adapters.paths import local_db_path, resolve_data_dir
from zhanhe_counter.adapters.storage import engine as storage
from zhanhe_counter.adapters.storage.tables import full_metadata
from zhanhe_counter.cli.common import EXIT_FAILED_CHECK, EXIT_OK, UserError, print_json

# Tables whose row counts tell an administrator whether this PC holds work (and unsent work).
_COUNTED_TABLES = (
    "case_status",
    "case_event",
    "staff",
    "window_config",
    "catalogue_version",
    "matter",
)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``db upgrade`` and ``db check``."""
    parser = sub.add_parser("db", help="本机数据库：升级与检查")
    db_sub = parser.add_subparsers(dest="db_command", metavar="子命令", required=True)

    upgrade = db_sub.add_parser("upgrade", help="创建或升级本机数据库到最新结构")
    upgrade.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    upgrade.set_defaults(handler=run_upgrade)

    check = db_sub.add_parser("check", help="检查数据库完整性、待执行的升级和数据量")
    check.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    check.set_defaults(handler=run_check)

    prune = db_sub.add_parser("prune", help="删除已由中心确认、已办结且超过保存期限的本机办件副本")
    prune.add_argument("--dry-run", action="store_true", help="只列出将删除的办件，不删除")
    prune.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    prune.set_defaults(handler=run_prune)


def _database_path(args: argparse.Namespace) -> Path:
    return local_db_path(resolve_data_dir(getattr(args, "data_dir", None), os.environ))


def _open(args: argparse.Namespace) -> sa.Engine:
    """This PC's encrypted database, its key from the keyring (or a demo folder's key file)."""
    from zhanhe_counter.adapters.storage.database_key import open_station_database

    data_dir = resolve_data_dir(getattr(args, "data_dir", None), os.environ)
    return open_station_database(data_dir, migrate_schema=False)


def run_upgrade(args: argparse.Namespace) -> int:
    path = _database_path(args)
    engine = _open(args)
    try:
        before = storage.current_revision(engine)
        storage.migrate(engine)
        after = storage.current_revision(engine)
    finally:
        engine.dispose()
    result = {"database": str(path), "from_revision": before, "revision": after}
    if args.json:
        print_json(result)
    elif before == after:
        print(f"数据库已是最新结构（{after}）：{path}")
    else:
        print(f"数据库已升级：{before or '空库'} → {after}：{path}")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    path = _database_path(args)
    if not path.is_file():
        raise UserError(f"数据库文件不存在：{path}（请先运行 zhanhe-admin db upgrade）")
    engine = _open(args)
    try:
        report = _check_report(engine, path)
    finally:
        engine.dispose()
    if args.json:
        print_json(report)
    else:
        _print_report(report)
    return EXIT_OK if report["ok"] else EXIT_FAILED_CHECK


def _check_report(engine: sa.Engine, path: Path) -> dict[str, Any]:
    from zhanhe_counter.adapters.storage.integrity import SqliteIntegrityProbe

    problems = SqliteIntegrityProbe(engine).problems(full=True)
    integrity_ok = not problems
    counts: dict[str, int | None] = dict.fromkeys(_COUNTED_TABLES)
    unsynced = None
    if integrity_ok:  # a damaged file may fail any read: the problems say enough
        with storage.reading(engine) as connection:
            existing = set(sa.inspect(connection).get_table_names())
            for name in _COUNTED_TABLES:
                table = full_metadata().tables[name]
                if name in existing:
                    counts[name] = int(
                        connection.execute(
                            sa.select(sa.func.count()).select_from(table)
                        ).scalar_one()
                    )
            if "case_event" in existing:
                case_event = full_metadata().tables["case_event"]
                unsynced = int(
                    connection.execute(
                        sa.select(sa.func.count())
                        .select_from(case_event)
                        .where(case_event.c.sync_state == "local")
                    ).scalar_one()
                )
    pending = storage.pending_migrations(engine) if integrity_ok else []
    return {
        "database": str(path),
        "ok": integrity_ok and not pending,
        "integrity": "ok" if integrity_ok else list(problems),
        "revision": storage.current_revision(engine) if integrity_ok else None,
        "head": storage.head_revision(),
        "pending_migrations": pending,
        "counts": counts,
        "unsynced_events": unsynced,
    }


def _print_report(report: dict[str, Any]) -> None:
    labels = {
        "case_status": "办件",
        "case_event": "办件事件",
        "staff": "工作人员",
        "window_config": "窗口",
        "catalogue_version": "事项目录版本",
        "matter": "事项（各版本合计）",
    }
    print(f"数据库：{report['database']}")
    if report["integrity"] == "ok":
        print("完整性检查：正常")
    else:
        print("完整性检查：发现问题（本机已暂停新收件）")
        for line in report["integrity"]:
            print(f"  {line}")
        print(
            "处理办法：用 zhanhe-admin db restore --from 备份目录 --data-dir 新的空数据目录 "
            "恢复最近的备份，再把程序指向新目录；备份之后已同步到中心的记录会自动重新同步回来。"
        )
    print(f"结构版本：{report['revision'] or '空库'}（程序最新：{report['head']}）")
    if report["pending_migrations"]:
        pending = ", ".join(report["pending_migrations"])
        print(f"待执行升级：{pending}（请运行 zhanhe-admin db upgrade）")
    for name, count in report["counts"].items():
        print(f"{labels[name]}：{'—' if count is None else count}")
    if report["unsynced_events"] is not None:
        print(f"未同步事件：{report['unsynced_events']}")
    print("结论：正常" if report["ok"] else "结论：需要处理")


def run_prune(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.clock import SystemClock
    from zhanhe_counter.adapters.storage.database_key import open_station_database
    from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
    from zhanhe_counter.adapters.storage.retention import SqliteCasePruner
    from zhanhe_counter.services.retention import RetentionService

    data_dir = resolve_data_dir(getattr(args, "data_dir", None), os.environ)
    path = local_db_path(data_dir)
    if not path.is_file():
        raise UserError(f"数据库文件不存在：{path}（请先运行 zhanhe-admin db upgrade）")
    engine = open_station_database(data_dir)
    try:
        service = RetentionService(
            SqliteCasePruner(engine, data_dir), SqliteReferenceStore(engine), SystemClock()
        )
        days = service.retention_days()
        report = service.prune(dry_run=args.dry_run)
    finally:
        engine.dispose()
    if args.json:
        print_json({"retention_days": days, **report.as_json()})
        return EXIT_OK
    cutoff = report.cutoff.astimezone(SystemClock().now().tzinfo).strftime("%Y-%m-%d %H:%M")
    verb = "将删除" if report.dry_run else "已删除"
    print(f"保存期限：{days} 天（最后办理早于 {cutoff} 的已办结、已确认办件）")
    if not report.cases:
        print("没有需要清理的办件。")
        return EXIT_OK
    print(f"{verb}本机办件副本 {report.cases} 件：")
    for number in report.case_numbers:
        print(f"  {number}")
    unnumbered = report.cases - len(report.case_numbers)
    if unnumbered:
        print(f"  另有无受理编号的咨询登记 {unnumbered} 件")
    details = "，".join(f"{name} {count}" for name, count in sorted(report.rows.items()))
    print(f"数据行：{details}")
    if report.signature_files:
        print(f"签名图像文件：{report.signature_files} 个")
    if report.dry_run:
        print("（试运行，未删除任何数据）")
    return EXIT_OK
