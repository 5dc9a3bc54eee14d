"""``zhanhe-admin`` entry point: one sub-command group per module, no Qt."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from zhanhe_counter.cli import (
    calendar,
    catalogue,
    central,
    checklist,
    db,
    demo_data,
    idcard,
    identity,
    printers,
    render,
    station,
    sync,
)
from zhanhe_counter.cli.common import EXIT_USER_ERROR, UserError
from zhanhe_counter.domain.errors import DomainError

log = logging.getLogger("zhanhe_counter.cli")

_GROUPS = (
    catalogue,
    calendar,
    identity,
    checklist,
    db,
    idcard,
    render,
    printers,
    central,
    station,
    sync,
    demo_data,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhanhe-admin",
        description="湛河区综合窗口客户端 管理命令（不需要图形界面）",
    )
    parser.add_argument(
        "--data-dir",
        help="数据目录（默认按操作系统约定；也可用环境变量 ZHANHE_DATA_DIR 指定）",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="输出开发日志")
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)
    for group in _GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.handler(args)
    except UserError as error:
        print(f"错误：{error.user_message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except DomainError as error:
        log.info("domain error: %s", error)
        print(f"错误：{error.user_message}", file=sys.stderr)
        return EXIT_USER_ERROR
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
