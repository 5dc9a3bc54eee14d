"""``zhanhe-admin idcard``: parse a captured text block or frame; probe a reader at a counter PC."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.idcard.factory import (
    ReaderConfig,
    TransportKind,
    build_photo_decoder,
    build_reader,
    list_readers,
)
from zhanhe_counter.adapters.idcard.frames import PREAMBLE, parse_exact_frame
from zhanhe_counter.adapters.idcard.reader_config import (
    READER_CONFIG_FILENAME,
    default_reader_config_path,
    load_reader_config,
)
from zhanhe_counter.adapters.idcard.session import split_any_base_read, status_error
from zhanhe_counter.adapters.idcard.text_block import TEXT_LEN, parse_text_block
from zhanhe_counter.adapters.paths import resolve_data_dir
from zhanhe_counter.cli.common import EXIT_FAILED_CHECK, EXIT_OK, UserError, print_json
from zhanhe_counter.services.ports.idcard import (
    CardType,
    IdCardError,
    IdCardRecord,
    PhotoDecoder,
    ReaderNotSupportedError,
)

CARD_TYPE_NAMES = {
    CardType.RESIDENT: "居民身份证",
    CardType.GAT_RESIDENCE: "港澳台居民居住证",
    CardType.FOREIGN_2017: "外国人永久居留身份证（2017版）",
    CardType.FOREIGN_2023: "外国人永久居留身份证（2023版）",
}
_HEX_TEXT = re.compile(rb"[0-9A-Fa-f\s]+")
_MAX_FILE = 64 * 1024


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``idcard parse`` and ``idcard probe``."""
    group = sub.add_parser("idcard", help="身份证阅读器：解析读卡数据、检测阅读器")
    commands = group.add_subparsers(dest="idcard_command", metavar="子命令", required=True)

    parse = commands.add_parser(
        "parse", help="解析256字节文字信息或完整的 30 01 / 30 10 读卡响应帧（二进制或十六进制文本）"
    )
    parse.add_argument("file", type=Path, help="数据文件")
    parse.add_argument("--json", action="store_true", help="以 JSON 输出")
    parse.set_defaults(handler=run_parse)

    probe = commands.add_parser(
        "probe",
        help="列出阅读器并读取一张证件（安装柜台电脑时使用）",
        description=f"默认按数据目录下的 {READER_CONFIG_FILENAME} 检测，与窗口程序使用的读卡器"
        "和照片解码库完全相同；用 --transport 可不经配置文件直接指定阅读器。",
    )
    probe.add_argument(
        "--config",
        type=Path,
        help=f"读卡器配置文件（默认：数据目录下的 {READER_CONFIG_FILENAME}）",
    )
    probe.add_argument(
        "--transport",
        choices=[kind.value for kind in TransportKind],
        help="不用配置文件，直接指定阅读器类型",
    )
    probe.add_argument("--port", default="", help="串口设备（如 /dev/ttyUSB0、COM3）或读卡器名称")
    probe.add_argument("--baudrate", type=int, default=115200)
    probe.add_argument(
        "--tunnel", default="", help="PC/SC 厂商通道的 APDU 头（8位十六进制，如 FF000000）"
    )
    probe.add_argument("--timeout", type=float, default=10.0, help="等待放卡的秒数")
    probe.add_argument("--json", action="store_true", help="以 JSON 输出（号码已脱敏）")
    probe.set_defaults(handler=run_probe)


# ---------------------------------------------------------------- parse


def _load_capture(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            data = stream.read(_MAX_FILE + 1)
    except OSError as error:
        raise UserError(f"无法读取文件 {path}：{error.strerror or error}") from error
    if len(data) > _MAX_FILE:
        raise UserError("文件过大，不是读卡数据")
    stripped = data.strip()
    # Captures pasted from a serial monitor are hex text; a binary block never is.
    if stripped and _HEX_TEXT.fullmatch(stripped):
        digits = re.sub(rb"\s+", b"", stripped)
        if len(digits) % 2:
            raise UserError("十六进制文本的位数为奇数，数据不完整")
        return bytes.fromhex(digits.decode("ascii"))
    return data


def record_from_capture(data: bytes, *, today: date | None) -> IdCardRecord:
    """A 256-byte text block, or one complete 30 01 / 30 10 response frame."""
    if data.startswith(PREAMBLE[:3]):
        frame = parse_exact_frame(data)
        if frame.sw3 != 0x90:
            error = status_error(frame.sw3, 0x3001)
            raise UserError(f"读卡响应为错误状态 0x{frame.sw3:02X}：{error.user_message}")
        base = split_any_base_read(frame.data)
        return parse_text_block(
            base.text,
            today=today,
            photo_wlt=base.photo,
            fingerprint=base.fingerprint,
            source="file",
        )
    if len(data) == TEXT_LEN:
        return parse_text_block(data, today=today, source="file")
    raise UserError(
        f"文件有 {len(data)} 字节：既不是256字节的文字信息，"
        "也不是以 AA AA AA 96 69 开头的读卡响应帧"
    )


def record_json(record: IdCardRecord, *, mask: bool = False) -> dict[str, Any]:
    resident = record.card_type is CardType.RESIDENT
    return {
        "card_type": record.card_type.value,
        "name": record.name,
        "name_en": record.name_en,
        "sex": record.sex,
        "birth_date": record.birth_date.isoformat() if record.birth_date else None,
        "id_number": record.masked_id if mask else record.id_number,
        "address": "" if mask else record.address,
        "appended_address": "" if mask else record.appended_address,
        "nation": record.nation if resident else None,
        "nation_code": record.nation_code if resident else None,
        "issuer": record.issuer,
        "valid_from": record.valid_from.isoformat() if record.valid_from else None,
        "valid_until": record.valid_until_text or None,
        "pass_number": record.pass_number,
        "issue_count": record.issue_count,
        "renewal_count": record.renewal_count,
        "nationality": record.nationality,
        "old_number_link": record.old_number_link,
        "has_photo": record.has_photo,
        "has_fingerprint": bool(record.fingerprint),
        "chip_serial": record.chip_serial,
        "warnings": list(record.warnings),
    }


def _summary(record: IdCardRecord, *, full: bool) -> str:
    lines = [
        f"证件类型：{CARD_TYPE_NAMES[record.card_type]}",
        f"姓名：{record.name or record.name_en}",
        f"性别：{record.sex or '未知'}"
        + (f"　民族：{record.nation}" if record.card_type is CardType.RESIDENT else ""),
        f"出生日期：{record.birth_date.isoformat() if record.birth_date else '无法识别'}",
        f"证件号码：{record.id_number if full else record.masked_id}",
    ]
    if full and record.address:
        lines.append(f"住址：{record.address}")
    if record.issuer:
        lines.append(f"签发机关：{record.issuer}")
    start = record.valid_from.isoformat() if record.valid_from else "?"
    lines.append(f"有效期限：{start} 至 {record.valid_until_text or '?'}")
    lines.append(f"照片：{'有（需配置解码库才能显示）' if record.has_photo else '无'}")
    lines.extend(f"注意：{warning}" for warning in record.warnings)
    return "\n".join(lines)


def run_parse(args: argparse.Namespace) -> int:
    data = _load_capture(args.file)
    try:
        record = record_from_capture(data, today=date.today())
    except IdCardError as error:
        raise UserError(error.user_message) from error
    if args.json:
        print_json(record_json(record))
    else:
        print(_summary(record, full=True))
    return EXIT_OK


# ---------------------------------------------------------------- probe


def _config(args: argparse.Namespace) -> ReaderConfig:
    """reader.toml (what the counter uses) unless the reader is given on the command line."""
    if args.transport is None:
        if args.port or args.tunnel:
            raise UserError("--port 和 --tunnel 需要与 --transport 一起使用")
        return _file_config(args)
    if args.config is not None:
        raise UserError("--config 和 --transport 只能选一个")
    tunnel: bytes | None = None
    if args.tunnel:
        try:
            tunnel = bytes.fromhex(args.tunnel)
        except ValueError as error:
            raise UserError("--tunnel 应为8位十六进制数，如 FF000000") from error
        if len(tunnel) != 4:
            raise UserError("--tunnel 应为4字节（CLA INS P1 P2）")
    transport = TransportKind(args.transport)
    if transport is TransportKind.SERIAL and not args.port:
        raise UserError("串口阅读器需要用 --port 指定端口，如 /dev/ttyUSB0 或 COM3")
    return ReaderConfig(
        transport=transport, port=args.port, baudrate=args.baudrate, tunnel_header=tunnel
    )


def _file_config(args: argparse.Namespace) -> ReaderConfig:
    if args.config is not None:
        path = Path(args.config)
    else:
        path = default_reader_config_path(resolve_data_dir(args.data_dir, os.environ))
        if not path.exists():
            raise UserError(
                f"找不到读卡器配置文件：{path}。请按安装说明创建 {READER_CONFIG_FILENAME}，"
                "或用 --transport 和 --port 直接指定阅读器。"
            )
    config = load_reader_config(path)  # its DomainError names the file and key: exit 2
    if not args.json:
        where = f" {config.port}" if config.port else ""
        print(f"读卡器配置：{path}（{config.transport.value}{where}）")
    return config


def _photo_check(decoder: PhotoDecoder, record: IdCardRecord) -> str:
    """Decode the card's photo with the configured library, as the counter will."""
    if not record.photo_wlt:
        return "absent"
    if not decoder.available:
        return "no_decoder"
    return "decoded" if decoder.decode(record.photo_wlt) else "decode_failed"


PHOTO_CHECK_TEXT = {
    "absent": "证件未返回照片",
    "no_decoder": "未配置照片解码库（窗口将显示占位图）",
    "decoded": "照片解码成功",
    "decode_failed": "照片解码失败：请检查 decoder_path 和 decoder_style",
}


def _print_presence(reader: object) -> None:
    """What a PC/SC reader without a SAM can still tell: the ATR and the chip serial."""
    from zhanhe_counter.adapters.idcard.pcsc import PcscCardReader

    if isinstance(reader, PcscCardReader):
        atr, serial = reader.read_presence()
        print(f"检测到证件：ATR {atr.hex(' ').upper()}")
        print(f"芯片序列号：{serial or '读卡器不支持读取'}")


def run_probe(args: argparse.Namespace) -> int:
    config = _config(args)
    try:
        found = list_readers(config)
    except IdCardError as error:
        raise UserError(error.user_message) from error
    if not args.json:
        print("发现的阅读器：" if found else "没有发现阅读器。")
        for name in found:
            print(f"  {name}")
    reader = build_reader(config)
    try:
        reader.open()
        if not args.json:
            print(f"已连接：{reader.description}，请放置证件……", flush=True)
        deadline = time.monotonic() + args.timeout
        while not reader.card_present():
            if time.monotonic() >= deadline:
                print("等待超时：没有检测到证件。", file=sys.stderr)
                return EXIT_FAILED_CHECK
            time.sleep(0.2)
        try:
            record = reader.read_card()
        except ReaderNotSupportedError as error:
            _print_presence(reader)
            print(error.user_message, file=sys.stderr)
            return EXIT_FAILED_CHECK
    except IdCardError as error:
        raise UserError(error.user_message) from error
    finally:
        reader.close()
    photo = _photo_check(build_photo_decoder(config), record)
    if args.json:
        print_json(
            {
                "readers": found,
                "reader": reader.description,
                **record_json(record, mask=True),
                "photo": photo,
            }
        )
    else:
        print("读卡成功。")
        print(_summary(record, full=False))
        print(f"照片解码：{PHOTO_CHECK_TEXT[photo]}")
    return EXIT_FAILED_CHECK if photo == "decode_failed" else EXIT_OK
