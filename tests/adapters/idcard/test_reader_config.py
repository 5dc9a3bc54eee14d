"""reader.toml: a good file of each transport, and every way an installer can get it wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhanhe_counter.adapters.idcard.factory import TransportKind
from zhanhe_counter.adapters.idcard.photo import DecoderStyle
from zhanhe_counter.adapters.idcard.reader_config import (
    READER_CONFIG_FILENAME,
    ReaderConfigError,
    default_reader_config_path,
    load_reader_config,
)
from zhanhe_counter.domain.errors import DomainError


def write(folder: Path, text: str) -> Path:
    path = folder / READER_CONFIG_FILENAME
    path.write_text(text, encoding="utf-8")
    return path


def failure(folder: Path, text: str) -> ReaderConfigError:
    path = write(folder, text)
    with pytest.raises(ReaderConfigError) as caught:
        load_reader_config(path)
    assert isinstance(caught.value, DomainError)
    assert str(path) in caught.value.user_message  # the installer must know which file
    return caught.value


def test_default_path_is_in_the_data_folder(tmp_path: Path):
    assert default_reader_config_path(tmp_path) == tmp_path / "reader.toml"


def test_serial_reader_with_a_decoder_relative_to_the_file(tmp_path: Path):
    (tmp_path / "vendor").mkdir()
    library = tmp_path / "vendor" / "libwlt.so"
    library.write_bytes(b"\x7fELF")
    config = load_reader_config(
        write(
            tmp_path,
            """
            transport = "serial"
            port = " /dev/ttyUSB0 "
            baudrate = 9600
            read_appended_address = false
            read_fingerprint = true
            decoder_path = "vendor/libwlt.so"
            decoder_style = "get_bmp"
            """,
        )
    )
    assert config.transport is TransportKind.SERIAL
    assert config.port == "/dev/ttyUSB0"
    assert config.baudrate == 9600
    assert config.tunnel_header is None
    assert config.read_appended_address is False
    assert config.read_fingerprint is True
    assert config.decoder_path == library
    assert config.decoder_style is DecoderStyle.GET_BMP
    assert config.options.reset_on_open is True


def test_pcsc_reader_with_tunnel_and_defaults(tmp_path: Path):
    library = tmp_path / "WltRS.dll"
    library.write_bytes(b"MZ")
    config = load_reader_config(
        write(
            tmp_path,
            f"""
            transport = "pcsc"
            tunnel_header = "ff 0a 00 00"
            decoder_path = '{library}'
            """,
        )
    )
    assert config.transport is TransportKind.PCSC
    assert config.port == ""  # any PC/SC reader
    assert config.tunnel_header == bytes.fromhex("FF0A0000")
    assert config.baudrate == 115200
    assert config.read_appended_address is True
    assert config.read_fingerprint is False
    assert config.decoder_path == library
    assert config.decoder_style is DecoderStyle.UNPACK
    assert config.options.reset_on_open is False


def test_missing_file(tmp_path: Path):
    path = tmp_path / READER_CONFIG_FILENAME
    with pytest.raises(ReaderConfigError) as caught:
        load_reader_config(path)
    assert caught.value.user_message == f"找不到读卡器配置文件：{path}"


def test_a_folder_instead_of_a_file(tmp_path: Path):
    path = tmp_path / READER_CONFIG_FILENAME
    path.mkdir()
    with pytest.raises(ReaderConfigError) as caught:
        load_reader_config(path)
    assert "无法读取读卡器配置文件" in caught.value.user_message


def test_malformed_toml_names_the_line(tmp_path: Path):
    error = failure(tmp_path, 'transport = "serial"\nport = COM3\n')
    assert "格式错误" in error.user_message
    assert "第 2 行" in error.user_message


def test_not_utf8(tmp_path: Path):
    path = tmp_path / READER_CONFIG_FILENAME
    path.write_bytes('transport = "serial"\nport = "串口"\n'.encode("gbk"))
    with pytest.raises(ReaderConfigError) as caught:
        load_reader_config(path)
    assert "UTF-8" in caught.value.user_message


def test_unknown_key_is_named_with_the_valid_ones(tmp_path: Path):
    error = failure(tmp_path, 'transport = "serial"\nport = "COM3"\nbaud = 9600\n')
    assert "baud 不是读卡器配置项" in error.user_message
    assert "baudrate" in error.user_message
    assert "'baud'" in str(error)  # the English log message names the key too


def test_a_table_is_an_unknown_key(tmp_path: Path):
    error = failure(tmp_path, '[reader]\ntransport = "serial"\n')
    assert "reader 不是读卡器配置项" in error.user_message


def test_transport_is_required(tmp_path: Path):
    error = failure(tmp_path, 'port = "COM3"\n')
    assert "transport 必须填写" in error.user_message
    assert "serial 或 pcsc" in error.user_message


@pytest.mark.parametrize("value", ['"usb"', '"sim"', '"Serial"'])
def test_bad_transport(tmp_path: Path, value: str):
    error = failure(tmp_path, f'transport = {value}\nport = "COM3"\n')
    assert "transport 只能是 serial / pcsc" in error.user_message


def test_serial_needs_a_port(tmp_path: Path):
    error = failure(tmp_path, 'transport = "serial"\nport = "  "\n')
    assert "port 必须填写" in error.user_message
    assert "COM3" in error.user_message


@pytest.mark.parametrize(
    ("line", "key", "said"),
    [
        ("port = 3", "port", "必须是文字"),
        ('baudrate = "9600"', "baudrate", "必须是 1200 到 921600 之间的整数"),
        ("baudrate = 300", "baudrate", "之间的整数"),
        ("baudrate = true", "baudrate", "之间的整数"),
        ("baudrate = 9600.0", "baudrate", "之间的整数"),
        ('read_appended_address = "yes"', "read_appended_address", "只能是 true 或 false"),
        ("read_fingerprint = 1", "read_fingerprint", "只能是 true 或 false"),
        ("decoder_path = false", "decoder_path", "必须是文字"),
        ('decoder_style = "dll"', "decoder_style", "只能是 unpack / get_bmp"),
    ],
)
def test_wrong_types_name_the_key(tmp_path: Path, line: str, key: str, said: str):
    error = failure(tmp_path, f'transport = "pcsc"\n{line}\n')
    assert f"中 {key} " in error.user_message
    assert said in error.user_message


@pytest.mark.parametrize("value", ["FF0A00", "FF0A0000FF", "GG0A0000", "F"])
def test_bad_tunnel_header_hex(tmp_path: Path, value: str):
    error = failure(tmp_path, f'transport = "pcsc"\ntunnel_header = "{value}"\n')
    assert "tunnel_header 应为 8 位十六进制数" in error.user_message
    assert value in error.user_message


def test_tunnel_header_is_for_pcsc_only(tmp_path: Path):
    error = failure(tmp_path, 'transport = "serial"\nport = "COM3"\ntunnel_header = "FF0A0000"\n')
    assert "tunnel_header 只对 PC/SC 读卡器" in error.user_message


def test_missing_decoder_file(tmp_path: Path):
    error = failure(
        tmp_path, 'transport = "serial"\nport = "COM3"\ndecoder_path = "vendor/WltRS.dll"\n'
    )
    assert "decoder_path 指向的照片解码库文件不存在" in error.user_message
    assert str(tmp_path / "vendor" / "WltRS.dll") in error.user_message


def test_decoder_path_must_be_a_file(tmp_path: Path):
    error = failure(tmp_path, f'transport = "pcsc"\ndecoder_path = "{tmp_path}"\n')
    assert "decoder_path 指向的照片解码库文件不存在" in error.user_message
