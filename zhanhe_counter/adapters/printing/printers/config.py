"""Printer configuration (打印机配置): ``printers.toml`` in the data folder (built by ``factory``).

One table per printer, keyed by the name the clerk sees::

    [printers."窗口小票"]
    kind = "escpos"          # escpos | cups | qt | windows | simulated
    paper = "80mm"           # 80mm | 58mm | a4
    mode = "image"           # image (default) | gbk_text
    connection = "network"   # network | usb | serial | file   (escpos only)
    host = "192.168.1.50"
    port = 9100

See ``docs/printing-devices.md`` for every key. Errors name the file, the printer and the key
in Chinese, because the person reading them is installing a counter PC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.config_file import read_toml
from zhanhe_counter.domain.errors import DomainError

CONFIG_FILENAME = "printers.toml"

KINDS = ("escpos", "cups", "qt", "windows", "simulated")
PAPERS = ("80mm", "58mm", "a4")
MODES = ("image", "gbk_text")
CONNECTIONS = ("network", "usb", "serial", "file")
CUTS = ("partial", "full", "none")
TEXT_CODECS = ("gbk", "gb2312", "gb18030")

# PWG 5101.1 names: IPP Everywhere printers refuse the legacy "A4" keyword
# (docs/printing-devices.md, Paper names).
PWG_MEDIA = {
    "a4": "iso_a4_210x297mm",
    "80mm": "roll_max_80x3276.8mm",
    "58mm": "roll_max_58x3276.8mm",
}


class PrinterConfigError(DomainError):
    """打印机配置错误."""


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """One configured printer (打印机配置项)."""

    name: str
    kind: str
    paper: str = "a4"
    mode: str = "image"
    text_codec: str = "gbk"
    cut: str = "partial"
    # escpos
    connection: str = "network"
    host: str = ""
    port: int = 9100
    timeout_s: float = 5.0
    usb_vendor_id: int = 0
    usb_product_id: int = 0
    device: str = ""
    baudrate: int = 9600
    # cups / windows / qt
    queue: str = ""
    server: str = ""
    media: str = ""
    # simulated
    folder: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_receipt(self) -> bool:
        """A thermal roll printer rather than an A4 page printer."""
        return self.paper in ("80mm", "58mm")

    @property
    def pwg_media(self) -> str:
        return self.media or PWG_MEDIA[self.paper]


def default_config_path(data_dir: Path) -> Path:
    return data_dir / CONFIG_FILENAME


def load_printer_configs(path: Path) -> dict[str, PrinterConfig]:
    """Read and check ``printers.toml``; every problem is a :class:`PrinterConfigError`."""
    data = read_toml(path, "打印机配置文件", PrinterConfigError)
    return parse_printer_configs(data, source=path.name)


def parse_printer_configs(data: Mapping[str, Any], *, source: str) -> dict[str, PrinterConfig]:
    printers = data.get("printers")
    if not isinstance(printers, dict) or not printers:
        raise PrinterConfigError(
            f"{source}: no [printers.NAME] tables",
            f'{source} 中没有配置打印机（需要 [printers."名称"] 小节）。',
        )
    out: dict[str, PrinterConfig] = {}
    for name, table in printers.items():
        if not isinstance(table, dict):
            raise PrinterConfigError(
                f"{source}: printers.{name} is not a table",
                f"{source} 中打印机“{name}”的配置格式错误。",
            )
        out[name] = _parse_one(name, table, source)
    return out


class _Reader:
    """Typed access to one printer's table, with Chinese errors naming the key."""

    def __init__(self, name: str, table: Mapping[str, Any], source: str) -> None:
        self.name, self.table, self.source = name, table, source

    def fail(self, key: str, problem_zh: str) -> PrinterConfigError:
        return PrinterConfigError(
            f"{self.source}: printer {self.name!r} key {key!r}: invalid",
            f"{self.source} 中打印机“{self.name}”的 {key} {problem_zh}",
        )

    def text(self, key: str, default: str = "", *, required: bool = False) -> str:
        value = self.table.get(key, None)
        if value is None:
            if required:
                raise self.fail(key, "必须填写。")
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(key, "必须是文字。")
        return value.strip()

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.text(key, default)
        if value not in choices:
            raise self.fail(key, f"只能是 {' / '.join(choices)}，现在是“{value}”。")
        return value

    def integer(self, key: str, default: int, *, low: int = 0, high: int = 1 << 30) -> int:
        value = self.table.get(key, default)
        if isinstance(value, str):
            try:
                value = int(value, 0)  # USB ids are written as "0x0416"
            except ValueError:
                raise self.fail(key, "必须是整数。") from None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, f"必须是 {low} 到 {high} 之间的整数。")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.fail(key, "必须是大于 0 的数字。")
        return float(value)


def _parse_one(name: str, table: Mapping[str, Any], source: str) -> PrinterConfig:
    r = _Reader(name, table, source)
    kind = r.choice("kind", KINDS, "")
    paper = r.choice("paper", PAPERS, "80mm" if kind == "escpos" else "a4")
    config = PrinterConfig(
        name=name,
        kind=kind,
        paper=paper,
        mode=r.choice("mode", MODES, "image"),
        text_codec=r.choice("text_codec", TEXT_CODECS, "gbk"),
        cut=r.choice("cut", CUTS, "partial"),
        connection=r.choice("connection", CONNECTIONS, "network"),
        host=r.text("host"),
        port=r.integer("port", 9100, low=1, high=65535),
        timeout_s=r.number("timeout_s", 5.0),
        usb_vendor_id=r.integer("usb_vendor_id", 0, high=0xFFFF),
        usb_product_id=r.integer("usb_product_id", 0, high=0xFFFF),
        device=r.text("device"),
        baudrate=r.integer("baudrate", 9600, low=300, high=921600),
        queue=r.text("queue"),
        server=r.text("server"),
        media=r.text("media"),
        folder=r.text("folder"),
        options=dict(table),
    )
    if kind == "escpos":
        if paper == "a4":
            raise r.fail("paper", "不能是 a4：ESC/POS 小票打印机只支持 80mm 或 58mm。")
        needed = {"network": "host", "serial": "device", "file": "device"}.get(config.connection)
        if needed and not getattr(config, needed):
            raise r.fail(needed, f'必须填写（connection = "{config.connection}" 时）。')
        if config.connection == "usb" and not (config.usb_vendor_id and config.usb_product_id):
            raise r.fail("usb_vendor_id", '和 usb_product_id 必须填写（connection = "usb" 时）。')
    elif config.mode != "image":
        raise r.fail("mode", "只对 escpos 打印机有效。")
    if kind in ("cups", "windows") and not config.queue:
        raise r.fail("queue", "必须填写（系统中的打印机名称）。")
    if kind == "simulated" and not config.folder:
        raise r.fail("folder", "必须填写（模拟打印输出的文件夹）。")
    return config
