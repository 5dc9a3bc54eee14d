"""``zhanhe-admin print-test PRINTER``: a test page or ticket for the person installing a counter.

The page carries rare name characters, a QR code and a Code128 barcode; the installer checks the
characters by eye and scans both codes. Printers are read from ``printers.toml`` in the data
folder (or ``--config``).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.paths import resolve_data_dir
from zhanhe_counter.adapters.printing.printers.config import (
    default_config_path,
    load_printer_configs,
)
from zhanhe_counter.adapters.printing.printers.factory import build_printer
from zhanhe_counter.adapters.printing.printers.test_page import (
    BARCODE_VALUE,
    QR_VALUE,
    RARE_TEXT,
    build_test_document,
)
from zhanhe_counter.cli.common import EXIT_FAILED_CHECK, EXIT_OK, UserError
from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    PrinterUnavailable,
    PrintOutcomeUnknown,
    PrintRejected,
)

POLL_S = 0.5


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``print-test`` to the parser."""
    parser = sub.add_parser(
        "print-test",
        help="在指定打印机上打印测试页（生僻字、二维码、条形码）",
        description="在指定打印机上打印测试页或测试小票，用于安装调试窗口电脑。",
    )
    parser.add_argument("printer", metavar="PRINTER", help="打印机名称（printers.toml 中的名称）")
    parser.add_argument("--config", help="打印机配置文件（默认：数据目录下的 printers.toml）")
    parser.add_argument(
        "--wait",
        type=float,
        default=15.0,
        help="等待打印服务完成的最长秒数（CUPS/Windows，默认 15）",
    )
    parser.set_defaults(handler=run_print_test)


def run_print_test(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir, os.environ)
    path = Path(args.config) if args.config else default_config_path(data_dir)
    configs = load_printer_configs(path)
    config = configs.get(args.printer)
    if config is None:
        known = "、".join(configs) or "（无）"
        raise UserError(f"没有名为“{args.printer}”的打印机。已配置的打印机：{known}")
    printer = build_printer(config, base_dir=path.parent)
    status = printer.status()
    print(f"打印机：{config.name}（{config.kind}，{config.paper}）")
    print(f"状态：{status.reason_zh}")
    if not status.can_print:
        return EXIT_FAILED_CHECK
    document = build_test_document(config.name, datetime.now().astimezone(), paper=config.paper)
    try:
        job_id = printer.submit(document, title="打印测试页")
    except (PrinterUnavailable, PrintOutcomeUnknown, PrintRejected) as error:
        print(f"打印失败：{error.user_message}")
        return EXIT_FAILED_CHECK
    deadline = time.monotonic() + max(0.0, args.wait)
    state = printer.job_state(job_id)
    while state is BackendJobState.PENDING and time.monotonic() < deadline:
        time.sleep(POLL_S)
        state = printer.job_state(job_id)
    if state is BackendJobState.FAILED:
        print(f"打印服务取消了测试页（作业号 {job_id}），请检查打印机设置和纸张规格。")
        return EXIT_FAILED_CHECK
    if state is BackendJobState.PENDING:
        print(f"测试页已交给打印服务（作业号 {job_id}），尚未打印完成，请查看打印机。")
    else:
        print(f"测试页已发送（作业号 {job_id}）。")
    print(f"请检查：文字“{RARE_TEXT}”完整清晰，没有方框或空白；")
    print(f"扫描二维码应显示 {QR_VALUE}，条形码应显示 {BARCODE_VALUE}。")
    return EXIT_OK
