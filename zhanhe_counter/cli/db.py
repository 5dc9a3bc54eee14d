"""``zhanhe-admin db``: upgrade the station database, check its health, prune old cases, back
it up and restore it.

``db upgrade`` creates the database if needed and runs the pending migrations. ``db check`` never
changes anything: it reports SQLite's ``integrity_check``, the schema revision against the one
this program ships, and row counts; it exits 1 when the file is damaged or not up to date.
``db prune`` deletes the local copies of closed cases the centre has confirmed once the
configured retention (setting ``retention_days``, default 180) has passed; ``--dry-run`` only
lists them. ``db backup --to DIR`` writes an encrypted, consistent copy (``--configure`` makes
DIR the place the running counter backs up to on schedule); ``db verify --from DIR`` checks each
backup; ``db restore --from DIR`` restores the newest good one into an empty data folder.
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

_KIND_LABELS = {
    "catalogue": "事项目录",
    "departments": "承办处室",
    "windows": "窗口设置",
    "document_settings": "文书设置",
    "office_hours": "办公时间",
}


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``db upgrade``, ``check``, ``prune``, ``backup``, ``verify`` and ``restore``."""
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

    backup = db_sub.add_parser(
        "backup", help="把本机数据库加密备份到另一个位置（另一块磁盘、U盘、网络共享）"
    )
    backup.add_argument("--to", help="备份目录（默认：已配置的备份位置）")
    backup.add_argument(
        "--configure",
        action="store_true",
        help="把 --to 设为本机的定期备份位置（柜台程序运行时按计划自动备份）",
    )
    backup.add_argument(
        "--every-hours", type=int, default=None, help="定期备份间隔（小时，默认 24）"
    )
    backup.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    backup.set_defaults(handler=run_backup)

    verify = db_sub.add_parser("verify", help="检查备份目录中的每一份备份能否用于恢复")
    verify.add_argument("--from", dest="source", required=True, help="备份目录")
    verify.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    verify.set_defaults(handler=run_verify)

    restore = db_sub.add_parser(
        "restore", help="把最近一份完好的备份恢复到空的数据目录（--data-dir 指定）"
    )
    restore.add_argument("--from", dest="source", required=True, help="备份目录")
    restore.add_argument(
        "--demo", action="store_true", help="恢复为演示数据目录（密钥存文件，仅培训用）"
    )
    restore.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    restore.set_defaults(handler=run_restore)


def _database_path(args: argparse.Namespace) -> Path:
    return local_db_path(resolve_data_dir(getattr(args, "data_dir", None), os.environ))


def _open(args: argparse.Namespace) -> sa.Engine:
    """This PC's encrypted database, its key from the keyring (or a demo folder's key file)."""
    from zhanhe_counter.adapters.storage.database_key import open_station_database

    data_dir = resolve_data_dir(getattr(args, "data_dir", None), os.environ)
    return open_station_database(data_dir, migrate_schema=False)


def run_upgrade(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.storage.database_key import open_station_database

    path = _database_path(args)
    engine = _open(args)
    try:
        before = storage.current_revision(engine)
    finally:
        engine.dispose()
    # Opened again to migrate: the quick check and the backup before migrating come with it.
    engine = open_station_database(resolve_data_dir(getattr(args, "data_dir", None), os.environ))
    try:
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
    owed: list[dict[str, str]] = []
    taken: list[dict[str, str]] = []
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
            if "owed_document" in existing:
                from zhanhe_counter.adapters.storage.owed_documents import pending_report

                owed = pending_report(connection)
        if "setting" in existing:
            taken = _reference_taken_up(engine)
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
        "owed_documents": owed,
        "reference_taken_up": taken,
    }


def _reference_taken_up(engine: sa.Engine) -> list[dict[str, str]]:
    """The centre's reference versions this PC took up, newest first (the last ten)."""
    from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
    from zhanhe_counter.domain.china_time import minute_text
    from zhanhe_counter.services.reference_audit import taken_up

    entries = taken_up(SqliteReferenceStore(engine))[-10:]
    return [
        {"at": minute_text(e.at), "kind": e.kind, "version": e.version} for e in reversed(entries)
    ]


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
    owed = report.get("owed_documents") or []
    if owed:
        print(f"待出具文书（办件已保存、文书尚未加入打印队列）：{len(owed)}")
        for item in owed:
            print(f"  {item['case_number']} {item['kind']}：{item['reason']}")
    taken = report.get("reference_taken_up") or []
    if taken:
        print("中心基础数据启用记录（最近在前）：")
        for item in taken:
            print(
                f"  {item['at']} {_KIND_LABELS.get(item['kind'], item['kind'])} {item['version']}"
            )
    print("结论：正常" if report["ok"] else "结论：需要处理")


def run_prune(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.clock import SystemClock
    from zhanhe_counter.adapters.storage.database_key import open_station_database
    from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
    from zhanhe_counter.adapters.storage.retention import SqliteCasePruner
    from zhanhe_counter.domain.china_time import minute_text
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
    cutoff = minute_text(report.cutoff)
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


# ------------------------------------------------------------------------------- backups


def _data_dir(args: argparse.Namespace) -> Path:
    return resolve_data_dir(getattr(args, "data_dir", None), os.environ)


def _backup_key_for_reading(data_dir: Path) -> bytes | None:
    """The backup key: this PC's (keyring or demo file), else the recovery code given in
    ``ZHANHE_BACKUP_KEY`` (never on the command line, where other users could read it)."""
    from zhanhe_counter.adapters.storage.backup import BACKUP_KEY_ENV, parse_recovery_code
    from zhanhe_counter.adapters.storage.database_key import backup_key
    from zhanhe_counter.domain.errors import DomainError

    given = os.environ.get(BACKUP_KEY_ENV, "").strip()
    if given:
        return parse_recovery_code(given)
    try:
        key, _made = backup_key(data_dir)
    except DomainError:  # no safe keyring here: only the recovery code can open the backup
        return None
    return key


def run_backup(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.storage.backup import (
        BACKUP_DIR_SETTING,
        BACKUP_HOURS_SETTING,
        make_backup,
        recovery_code,
    )
    from zhanhe_counter.adapters.storage.database_key import (
        backup_key,
        configured_backup_folder,
        database_key,
    )
    from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore

    data_dir = _data_dir(args)
    path = local_db_path(data_dir)
    if not path.is_file():
        raise UserError(f"数据库文件不存在：{path}（请先运行 zhanhe-admin db upgrade）")
    if args.configure and not args.to:
        raise UserError("--configure 需要同时用 --to 指定备份目录。")
    engine = _open(args)
    try:
        reference = SqliteReferenceStore(engine)
        folder = Path(args.to).expanduser() if args.to else configured_backup_folder(engine)
        if folder is None:
            raise UserError(
                "没有配置备份位置：请用 --to 指定备份目录（加 --configure 设为定期备份位置）。"
            )
        if folder.resolve() == data_dir.resolve() or data_dir.resolve() in folder.resolve().parents:
            raise UserError("备份目录不能在数据目录之内：请选另一块磁盘、U盘或网络共享。")
        if args.configure:
            reference.set_setting(BACKUP_DIR_SETTING, str(folder))
            if args.every_hours is not None:
                if args.every_hours < 1:
                    raise UserError("备份间隔至少为 1 小时。")
                reference.set_setting(BACKUP_HOURS_SETTING, args.every_hours)
    finally:
        engine.dispose()
    secret, made = backup_key(data_dir, create=True)
    assert secret is not None
    info = make_backup(path, database_key(data_dir), folder, secret)
    data = {
        "backup": str(info.path),
        "events": info.manifest["events"],
        "bytes": info.manifest["bytes"],
        "configured": bool(args.configure),
        "new_backup_key": made,
    }
    if made:
        data["recovery_code"] = recovery_code(secret)
    if args.json:
        print_json(data)
        return EXIT_OK
    print(f"已备份：{info.path}（{info.manifest['events']} 条办件事件）")
    if args.configure:
        print(f"已设为定期备份位置：{folder}")
    if made:
        print("本机首次备份，已生成备份密钥。请抄写下面的恢复码并妥善保管（换电脑恢复时需要）：")
        print(f"  {data['recovery_code']}")
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.storage.backup import verify_backups

    folder = Path(args.source).expanduser()
    results = verify_backups(folder, _backup_key_for_reading(_data_dir(args)))
    good = [r for r in results if r.ok]
    if args.json:
        print_json(
            {
                "folder": str(folder),
                "ok": bool(good),
                "backups": [
                    {
                        "file": r.path.name,
                        "ok": r.ok,
                        "problem": r.problem,
                        "events": r.events,
                        "created_at": r.created_at,
                    }
                    for r in results
                ],
            }
        )
    else:
        for r in results:
            state = "完好" if r.ok else f"不可用：{r.problem}"
            events = f"，{r.events} 条事件" if r.events is not None else ""
            print(f"{r.path.name}：{state}{events}")
        print("结论：有可用备份" if good else "结论：没有可用的备份")
    return EXIT_OK if good else EXIT_FAILED_CHECK


def run_restore(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.storage.backup import latest_good, restore_backup
    from zhanhe_counter.adapters.storage.database_key import database_key

    data_dir = _data_dir(args)
    target = local_db_path(data_dir)
    if data_dir.exists() and any(p.name != "logs" for p in data_dir.iterdir()):
        raise UserError(
            f"数据目录 {data_dir} 不是空的：恢复只能写入空的数据目录"
            "（请用 --data-dir 指定新目录）。"
        )
    secret = _backup_key_for_reading(data_dir)
    if secret is None:
        raise UserError(
            "没有备份密钥：请把备份时记下的恢复码放在环境变量 ZHANHE_BACKUP_KEY 中再运行。"
        )
    folder = Path(args.source).expanduser()
    info = latest_good(folder, secret)
    data_dir.mkdir(parents=True, exist_ok=True)
    key = database_key(data_dir, demo=args.demo)  # a new key for the new database
    restore_backup(info, secret, target, key)
    data = {
        "restored": str(info.path),
        "created_at": info.created_at,
        "events": info.manifest["events"],
        "database": str(target),
    }
    if args.json:
        print_json(data)
    else:
        print(
            f"已从备份 {info.path.name}（{info.created_at}）恢复 "
            f"{info.manifest['events']} 条事件到 {target}。"
        )
        print("备份之后的记录：启动柜台程序后同步一次，中心会把本站已上传的记录发回本机。")
    return EXIT_OK
