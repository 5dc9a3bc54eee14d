"""``zhanhe-admin outbound run``: SMS notices and 好差评 forwarding, beside the centre.

Logs in as a member of ``zhanhe_outbound`` (created by ``central init``). Each round scans the new
case events into the outbox and sends what is due; ``--once`` runs one round (cron), otherwise
it loops every ``--interval`` seconds. SMS go through the HTTP SMS API configured in
``--sms-config`` (TOML) or to a journal with ``--sms-simulator DIR``; 好差评 records go to the
provincial simulator ``--province-simulator DIR`` (the provincial interface is configured where
it is known; docs/province.md).

``outbound status --url URL`` counts the messages by channel, kind and state and lists the
latest failures with their reason.

``--sms-config`` example::

    access_key_id = "LTAI..."
    access_key_secret_file = "/etc/zhanhe/sms-secret"   # one line, readable by this service only
    sign_name = "湛河区政务服务"
    [templates]
    accepted = "SMS_0000001"
    supplement_due = "SMS_0000002"
    result_ready = "SMS_0000003"
    rating_invite = "SMS_0000004"
"""

from __future__ import annotations

import argparse
import time
import tomllib
from pathlib import Path
from typing import Any

from zhanhe_counter.cli.common import EXIT_OK, UserError, print_json


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``outbound run``."""
    parser = sub.add_parser("outbound", help="短信通知与好差评上报（中心侧）")
    outbound_sub = parser.add_subparsers(dest="outbound_command", metavar="子命令", required=True)
    run = outbound_sub.add_parser("run", help="扫描办件事件并发送到期的短信和好差评数据")
    run.add_argument("--url", required=True, help="中心库账号地址（zhanhe_outbound 成员）")
    sms = run.add_mutually_exclusive_group()
    sms.add_argument("--sms-config", type=Path, help="短信平台配置（TOML）")
    sms.add_argument("--sms-simulator", type=Path, help="模拟短信平台：记录写入该目录")
    run.add_argument("--province-simulator", type=Path, help="模拟省好差评系统：记录写入该目录")
    run.add_argument(
        "--progress-link",
        default="https://zwfw.zhanhe.gov.cn/q?{query}",
        help="短信中的进度查询地址，{query} 处填入编号和查询码",
    )
    run.add_argument("--pickup-place", default="湛河区政务服务中心一楼统一出件窗口")
    run.add_argument("--region-code", default="410411", help="行政区划代码（默认湛河区）")
    run.add_argument("--once", action="store_true", help="只运行一轮")
    run.add_argument("--interval", type=float, default=30.0, help="两轮之间的秒数")
    run.add_argument("--lease", type=float, default=300.0, help="发送租约秒数（进程中断后重试）")
    run.add_argument("--json", action="store_true", help="以 JSON 输出每轮结果")
    run.set_defaults(handler=run_outbound)
    status = outbound_sub.add_parser("status", help="发件箱概况：各类消息数量和失败原因")
    status.add_argument("--url", required=True, help="中心库账号地址（zhanhe_outbound 成员）")
    status.add_argument("--json", action="store_true", help="以 JSON 输出")
    status.set_defaults(handler=run_status)


def load_sms_config(path: Path) -> Any:
    from zhanhe_counter.adapters.sms.aliyun import AliyunSmsConfig

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        secret_file = data.pop("access_key_secret_file", None)
        if secret_file:
            data["access_key_secret"] = Path(secret_file).read_text(encoding="utf-8").strip()
        return AliyunSmsConfig(**data)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UserError(f"无法读取短信平台配置 {path}：{error}") from None
    except TypeError as error:
        raise UserError(f"短信平台配置 {path} 有误：{error}") from None


def run_outbound(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre.outbound_store import PostgresOutboundStore
    from zhanhe_counter.adapters.province.simulator import SimulatedProvince
    from zhanhe_counter.adapters.sms.aliyun import AliyunSmsGateway
    from zhanhe_counter.adapters.sms.simulator import SimulatedSmsGateway
    from zhanhe_counter.services.ports.outbound import Channel, Gateway

    gateways: dict[Channel, Gateway] = {}
    if args.sms_config:
        gateways[Channel.SMS] = AliyunSmsGateway(load_sms_config(args.sms_config))
    elif args.sms_simulator:
        gateways[Channel.SMS] = SimulatedSmsGateway(args.sms_simulator)
    if args.province_simulator:
        gateways[Channel.PROVINCE] = SimulatedProvince(args.province_simulator)
    if not gateways:
        raise UserError("请至少指定一个去向：--sms-config、--sms-simulator 或 --province-simulator")
    store = PostgresOutboundStore(args.url)
    try:
        return _loop(args, store, gateways)
    finally:
        store.close()


def _loop(args: argparse.Namespace, store: Any, gateways: Any) -> int:
    """Scan and send, round after round (one round with ``--once``)."""
    from zhanhe_counter.adapters.clock import SystemClock
    from zhanhe_counter.services.outbound import (
        OutboundScanner,
        OutboundSender,
        OutboundSettings,
    )
    from zhanhe_counter.services.ports.outbound import Channel

    settings = OutboundSettings(
        progress_link=args.progress_link,
        pickup_place=args.pickup_place,
        region_code=args.region_code,
        check_key=store.check_key(),
        sms=Channel.SMS in gateways,
        province=Channel.PROVINCE in gateways,
    )
    scanner = OutboundScanner(store, settings)
    sender = OutboundSender(store, gateways, SystemClock(), lease_seconds=args.lease)
    while True:
        made = scanner.run_once()
        report = sender.run_once()
        summary = {
            "new": made,
            "sent": report.sent,
            "found": report.found,
            "retried": report.retried,
            "failed": report.failed,
        }
        if args.json:
            print_json(summary)
        else:
            print(
                f"新增 {made} 条，发出 {report.sent} 条，确认已发 {report.found} 条，"
                f"待重试 {report.retried} 条，失败 {report.failed} 条",
                flush=True,
            )
        if args.once:
            return EXIT_OK
        time.sleep(args.interval)


_STATE_NAMES = {
    "pending": "待发",
    "sending": "发送中/待重试",
    "sent": "已发",
    "failed": "失败",
    "cancelled": "已取消",
}


def run_status(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.centre.outbound_store import PostgresOutboundStore

    store = PostgresOutboundStore(args.url)
    try:
        counts, failed = store.status()
    finally:
        store.close()
    if args.json:
        print_json(
            {
                "counts": [
                    {"channel": c, "kind": k, "state": s, "count": n} for c, k, s, n in counts
                ],
                "failed": [
                    {"key": key, "kind": kind, "attempts": attempts, "error": error}
                    for key, kind, attempts, error in failed
                ],
            }
        )
        return EXIT_OK
    if not counts:
        print("发件箱为空。")
    for channel, kind, state, count in counts:
        print(f"{channel}\t{kind}\t{_STATE_NAMES.get(state, state)}\t{count}")
    for key, kind, attempts, error in failed:
        print(f"失败：{key}（{kind}，{attempts} 次）：{error}")
    return EXIT_OK
