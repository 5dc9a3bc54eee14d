"""``zhanhe-admin documents``: the documents a case printed, as stored in the print queue.

``documents --case NUMBER --out DIR [--staff ID]`` writes each document the case queued (the
rendered bytes the print queue keeps, never re-rendered) into DIR, after recording the export
in the case's audit trail (``CaseExported``, the record written before the access it records).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from zhanhe_counter.cli.common import EXIT_OK, UserError

_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png"}


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``documents``."""
    parser = sub.add_parser("documents", help="导出办件已打印的文书（原样，记入查阅审计）")
    parser.add_argument("--case", required=True, metavar="NUMBER", help="办件编号")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="写入的目录")
    parser.add_argument("--staff", default="admin", help="导出人工号（记入审计，默认 admin）")
    parser.set_defaults(handler=run_documents)


def run_documents(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.clock import SystemClock
    from zhanhe_counter.adapters.paths import local_db_path, resolve_data_dir
    from zhanhe_counter.adapters.printing.job_store import PrintJobStore
    from zhanhe_counter.adapters.storage.database_key import open_station_database
    from zhanhe_counter.adapters.storage.event_store import SqliteEventStore
    from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
    from zhanhe_counter.services.ports.storage import CaseQuery
    from zhanhe_counter.services.privacy import AuditTrail

    data_dir = resolve_data_dir(args.data_dir, os.environ)
    if not local_db_path(data_dir).exists():
        raise UserError(f"本机数据库不存在：{local_db_path(data_dir)}。")
    engine = open_station_database(data_dir)
    try:
        store = SqliteEventStore(engine)
        found = store.find_cases(CaseQuery(case_number=args.case, limit=1))
        if not found:
            raise UserError(f"本机没有编号为 {args.case} 的办件。")
        case_id = found[0].case_id
        clock = SystemClock()
        documents = PrintJobStore(engine, clock).documents_for_case(case_id)
        if not documents:
            raise UserError(f"办件 {args.case} 尚无已加入打印队列的文书。")
        station_id = SqliteReferenceStore(engine).get_setting("station_id")
        if not station_id:
            raise UserError("本机尚未完成初始设置（站点），无法记录导出审计。")
        try:
            args.out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(f"无法创建目录 {args.out}：{error}") from None
        formats = sorted({_EXTENSIONS.get(mime, "bin") for _kind, mime, _content in documents})
        # Recorded before any file is written: the audit never misses an export.
        AuditTrail(store, clock, station_id).exported(
            [case_id], args.staff, export="documents", file_format=",".join(formats)
        )
        for index, (kind, mime, content) in enumerate(documents, start=1):
            target = args.out / f"{args.case}-{index:02d}-{kind}.{_EXTENSIONS.get(mime, 'bin')}"
            try:
                target.write_bytes(content)
            except OSError as error:
                raise UserError(f"无法写入 {target}：{error}") from None
            print(target)
    finally:
        engine.dispose()
    print(f"已导出办件 {args.case} 的 {len(documents)} 份文书，已记入查阅审计。")
    return EXIT_OK
