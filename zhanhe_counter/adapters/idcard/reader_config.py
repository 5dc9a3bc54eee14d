"""The counter's card reader (读卡器配置): ``reader.toml`` in the data folder.

Flat keys, one reader per counter PC::

    transport = "serial"            # serial | pcsc
    port = "COM3"                   # serial: the port (required); pcsc: a reader-name filter
    baudrate = 115200               # serial only
    tunnel_header = "FF0A0000"      # pcsc only: vendor APDU tunnel CLA INS P1 P2 (hex)
    read_appended_address = true
    read_fingerprint = false
    decoder_path = "C:/zhanhe/vendor/WltRS.dll"   # the vendor photo decoder; optional
    decoder_style = "get_bmp"       # unpack | get_bmp

No file means the counter has no reader. Errors name the file and the key in Chinese, because
the person reading them is installing a counter PC (``docs/idcard.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zhanhe_counter.adapters.config_file import read_toml
from zhanhe_counter.adapters.idcard.factory import ReaderConfig, TransportKind
from zhanhe_counter.adapters.idcard.photo import DecoderStyle
from zhanhe_counter.domain.errors import DomainError

READER_CONFIG_FILENAME = "reader.toml"

# The simulator is not a counter's reader: it is chosen by --demo, never by a file.
TRANSPORTS = (TransportKind.SERIAL.value, TransportKind.PCSC.value)
DECODER_STYLES = tuple(style.value for style in DecoderStyle)
KEYS = (
    "transport",
    "port",
    "baudrate",
    "tunnel_header",
    "read_appended_address",
    "read_fingerprint",
    "decoder_path",
    "decoder_style",
)
BAUDRATES = (1200, 921600)
TUNNEL_HEADER_LEN = 4


class ReaderConfigError(DomainError):
    """读卡器配置错误."""


def default_reader_config_path(data_dir: Path) -> Path:
    return data_dir / READER_CONFIG_FILENAME


def load_reader_config(path: Path) -> ReaderConfig:
    """Read and check ``reader.toml``; every problem is a :class:`ReaderConfigError`.

    A relative ``decoder_path`` is taken from the file's folder, so a data folder copied to
    another PC keeps working.
    """
    data = read_toml(path, "读卡器配置文件", ReaderConfigError)
    return parse_reader_config(data, source=path, base_dir=path.parent)


def parse_reader_config(
    data: Mapping[str, Any], *, source: Path | str, base_dir: Path
) -> ReaderConfig:
    """Check the parsed TOML table; ``source`` names the file in messages."""
    keys = _Keys(data, str(source))
    unknown = [key for key in data if key not in KEYS]
    if unknown:
        raise keys.fail(
            unknown[0],
            f"不是读卡器配置项。可用的配置项：{'、'.join(KEYS)}",
            english="unknown key",
        )
    transport = TransportKind(keys.choice("transport", TRANSPORTS, required=True))
    port = keys.text("port")
    if transport is TransportKind.SERIAL and not port:
        raise keys.fail(
            "port",
            '必须填写（transport = "serial" 时），如 "COM3" 或 "/dev/ttyUSB0"。',
            english="required for serial",
        )
    tunnel_header = keys.hex_bytes("tunnel_header", TUNNEL_HEADER_LEN)
    if tunnel_header is not None and transport is not TransportKind.PCSC:
        raise keys.fail(
            "tunnel_header", '只对 PC/SC 读卡器（transport = "pcsc"）有效。', english="pcsc only"
        )
    decoder_path = keys.existing_file("decoder_path", base_dir)
    return ReaderConfig(
        transport=transport,
        port=port,
        baudrate=keys.integer("baudrate", 115200, low=BAUDRATES[0], high=BAUDRATES[1]),
        tunnel_header=tunnel_header,
        read_appended_address=keys.flag("read_appended_address", True),
        read_fingerprint=keys.flag("read_fingerprint", False),
        decoder_path=decoder_path,
        decoder_style=DecoderStyle(
            keys.choice("decoder_style", DECODER_STYLES, default=DecoderStyle.UNPACK.value)
        ),
    )


class _Keys:
    """Typed access to the file's keys, with Chinese errors naming the file and the key."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.data, self.source = data, source

    def fail(self, key: str, problem_zh: str, *, english: str = "invalid") -> ReaderConfigError:
        return ReaderConfigError(
            f"{self.source}: key {key!r}: {english}",
            f"读卡器配置文件 {self.source} 中 {key} {problem_zh}",
        )

    def text(self, key: str) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str):
            raise self.fail(key, "必须是文字（用英文双引号括起来）。", english="not a string")
        return value.strip()

    def choice(
        self, key: str, choices: tuple[str, ...], *, default: str = "", required: bool = False
    ) -> str:
        if key not in self.data:
            if required:
                raise self.fail(key, f"必须填写：{' 或 '.join(choices)}。", english="missing")
            return default
        value = self.text(key)
        if value not in choices:
            raise self.fail(
                key, f"只能是 {' / '.join(choices)}，现在是“{value}”。", english="bad choice"
            )
        return value

    def integer(self, key: str, default: int, *, low: int, high: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(
                key, f"必须是 {low} 到 {high} 之间的整数（不加引号）。", english="bad integer"
            )
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "只能是 true 或 false（不加引号）。", english="not a boolean")
        return value

    def hex_bytes(self, key: str, length: int) -> bytes | None:
        text = self.text(key).replace(" ", "")
        if not text:
            return None
        try:
            value = bytes.fromhex(text)
        except ValueError:
            value = b""
        if len(value) != length:
            raise self.fail(
                key,
                f"应为 {length * 2} 位十六进制数（{length} 字节），如 “FF0A0000”，现在是“{text}”。",
                english="bad hex",
            )
        return value

    def existing_file(self, key: str, base_dir: Path) -> Path | None:
        text = self.text(key)
        if not text:
            return None
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        if not path.is_file():
            raise self.fail(
                key,
                f"指向的照片解码库文件不存在：{path}。请把厂商提供的解码库复制到该位置，"
                "或删除此项（照片将显示为占位图）。",
                english="decoder file missing",
            )
        return path
