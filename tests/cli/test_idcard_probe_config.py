"""``zhanhe-admin idcard probe`` checks exactly the reader and decoder in reader.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.adapters.idcard import devices
from zhanhe_counter.adapters.idcard.reader_config import READER_CONFIG_FILENAME
from zhanhe_counter.cli.app import main

pty_port = devices.pty_port
vendor_library = devices.vendor_library


def write_config(folder: Path, text: str) -> Path:
    path = folder / READER_CONFIG_FILENAME
    path.write_text(text, encoding="utf-8")
    return path


def test_probe_reads_through_the_data_folders_reader_toml(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pty_port: str,
    vendor_library: str,
):
    write_config(tmp_path, f'transport = "serial"\nport = "{pty_port}"\n')
    assert main(["--data-dir", str(tmp_path), "idcard", "probe", "--timeout", "5"]) == 0
    out = capsys.readouterr().out
    assert f"读卡器配置：{tmp_path / READER_CONFIG_FILENAME}（serial {pty_port}）" in out
    assert "读卡成功" in out
    assert "照片解码：未配置照片解码库" in out
    assert "410411199001011237" not in out

    other = tmp_path / "elsewhere.toml"
    other.write_text(
        f'transport = "serial"\nport = "{pty_port}"\ndecoder_path = "{vendor_library}"\n',
        encoding="utf-8",
    )
    assert main(["idcard", "probe", "--config", str(other), "--json", "--timeout", "5"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["reader"] == f"串口 {pty_port}"
    assert record["photo"] == "decoded"
    assert record["id_number"] == "410411********1237"


def test_probe_fails_the_check_when_the_decoder_cannot_decode(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pty_port: str,
):
    library = tmp_path / "not-a-library.so"
    library.write_bytes(b"not a shared object")
    path = write_config(
        tmp_path, f'transport = "serial"\nport = "{pty_port}"\ndecoder_path = "{library.name}"\n'
    )
    assert main(["idcard", "probe", "--config", str(path), "--timeout", "5"]) == 1
    assert "照片解码失败" in capsys.readouterr().out


def test_probe_without_reader_toml_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["--data-dir", str(tmp_path), "idcard", "probe"]) == 2
    err = capsys.readouterr().err
    assert f"找不到读卡器配置文件：{tmp_path / READER_CONFIG_FILENAME}" in err
    assert "--transport" in err


def test_probe_reports_a_bad_reader_toml_by_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = write_config(tmp_path, 'transport = "pcsc"\ntunnel_header = "FF0A"\n')
    assert main(["idcard", "probe", "--config", str(path)]) == 2
    assert "tunnel_header 应为 8 位十六进制数" in capsys.readouterr().err


def test_probe_option_combinations(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = write_config(tmp_path, 'transport = "pcsc"\n')
    assert main(["idcard", "probe", "--config", str(path), "--transport", "sim"]) == 2
    assert "只能选一个" in capsys.readouterr().err
    assert main(["idcard", "probe", "--config", str(path), "--port", "COM3"]) == 2
    assert "--transport" in capsys.readouterr().err
    # The simulator is still there for a quick look without any file.
    assert (
        main(["--data-dir", str(tmp_path / "none"), "idcard", "probe", "--transport", "sim"]) == 0
    )
