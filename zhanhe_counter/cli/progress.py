"""``zhanhe-admin progress``: the applicant-facing progress page beside the centre.

``progress serve --url URL --port P`` runs the page against the centre with a login that is a
member of ``zhanhe_progress`` (created by ``central init``; e.g. ``CREATE ROLE progress_web LOGIN
PASSWORD '…' IN ROLE zhanhe_progress``). ``progress code --url URL NUMBER`` prints a case's
check code, for the hall's help desk.
"""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from zhanhe_counter.cli.common import EXIT_OK, UserError


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``progress serve`` and ``progress code``."""
    parser = sub.add_parser("progress", help="办件进度查询页（面向办事群众）")
    progress_sub = parser.add_subparsers(dest="progress_command", metavar="子命令", required=True)
    serve = progress_sub.add_parser("serve", help="启动进度查询网页服务")
    serve.add_argument("--url", required=True, help="中心库只读账号地址（zhanhe_progress 成员）")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    serve.add_argument("--port", type=int, default=8080, help="监听端口（默认 8080）")
    serve.add_argument("--office", type=Path, help="出件地点与咨询电话（TOML 文件）")
    serve.add_argument(
        "--proxy-ips", help="可信反向代理地址（逗号分隔），按其 X-Forwarded-For 计算限流"
    )
    serve.set_defaults(handler=run_serve)
    code = progress_sub.add_parser("code", help="显示办件编号的查询码")
    code.add_argument("--url", required=True, help="中心库账号地址")
    code.add_argument("number", help="办件编号")
    code.set_defaults(handler=run_code)


def load_office(path: Path | None) -> Any:
    """The hall's pickup settings from a TOML file (unknown keys are refused)."""
    from zhanhe_counter.services.progress import ProgressOffice

    if path is None:
        return ProgressOffice()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UserError(f"无法读取出件设置文件 {path}：{error}") from None
    known = {f.name for f in fields(ProgressOffice)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UserError(
            f"出件设置文件含未知项：{', '.join(unknown)}（可用：{', '.join(sorted(known))}）"
        )
    if not all(isinstance(v, str) and v.strip() for v in data.values()):
        raise UserError("出件设置文件的每一项都应为非空文字")
    return ProgressOffice(**data)


def run_serve(args: argparse.Namespace) -> int:
    try:
        from zhanhe_counter.adapters.centre.progress_source import PostgresProgressSource
        from zhanhe_counter.web.app import create_app
        from zhanhe_counter.web.server import serve
    except ModuleNotFoundError as error:  # the counter PC's bundle carries no web server
        raise UserError(
            f"进度查询页需要网页组件（缺少 {error.name}），请在服务器上安装 zhanhe-counter[web]"
        ) from None
    from zhanhe_counter.adapters.clock import SystemClock
    from zhanhe_counter.services.progress import ProgressService

    office = load_office(args.office)
    source = PostgresProgressSource(args.url)
    try:
        service = ProgressService(source, SystemClock(), office=office)
        print(f"办件进度查询页：http://{args.host}:{args.port}/q （Ctrl+C 停止）", flush=True)
        serve(create_app(service), host=args.host, port=args.port, proxy_ips=args.proxy_ips)
    finally:
        source.close()
    return EXIT_OK


def run_code(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre.progress_source import PostgresProgressSource
    from zhanhe_counter.domain.case_number import format_case_number
    from zhanhe_counter.domain.check_code import check_code

    source = PostgresProgressSource(args.url, pool_size=1)
    try:
        code = check_code(source.check_key(), args.number)
    finally:
        source.close()
    print(f"{format_case_number(args.number)}　查询码 {code}")
    return EXIT_OK
