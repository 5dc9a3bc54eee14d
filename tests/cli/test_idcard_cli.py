from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adapters.idcard.helpers import read_payload, resident_block, response
from zhanhe_counter.adapters.idcard.simulator import sample_cards
from zhanhe_counter.cli.app import main
from zhanhe_counter.services.ports.idcard import CardType

ROOT = Path(__file__).resolve().parents[2]


def parse(tmp_path: Path, data: bytes, capsys: pytest.CaptureFixture[str], *extra: str):
    capture = tmp_path / "capture.bin"
    capture.write_bytes(data)
    code = main(["idcard", "parse", str(capture), *extra])
    return code, capsys.readouterr()


def test_parse_text_block_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, out = parse(tmp_path, resident_block(valid_until="长期"), capsys, "--json")
    assert code == 0
    record = json.loads(out.out)
    assert record["card_type"] == "resident"
    assert record["name"] == "张三"
    assert record["sex"] == "男"
    assert record["nation"] == "汉"
    assert record["birth_date"] == "1990-01-01"
    assert record["id_number"] == "410411199001011237"
    assert record["address"] == "河南省平顶山市湛河区测试路9号"
    assert record["issuer"] == "平顶山市公安局湛河分局"
    assert record["valid_from"] == "2015-01-01"
    assert record["valid_until"] == "长期"
    assert record["has_photo"] is False
    assert record["warnings"] == []


@pytest.mark.parametrize("card_type", list(CardType))
def test_parse_30_01_frames_of_every_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], card_type: CardType
):
    frame = response(0x90, read_payload(sample_cards()[card_type].text, b"\x01" * 1024))
    code, out = parse(tmp_path, frame, capsys, "--json")
    record = json.loads(out.out)
    assert code == 0
    assert record["card_type"] == card_type.value
    assert record["has_photo"] is True
    assert (record["nation"] is not None) == (card_type is CardType.RESIDENT)


def test_parse_30_10_frame_as_hex_text_with_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    block = resident_block(id_number="410411199001011238", valid_until="20200101")
    frame = response(0x90, read_payload(block, fingerprint=b"\x02" * 1024))
    code, out = parse(tmp_path, frame.hex(" ").upper().encode() + b"\n", capsys, "--json")
    record = json.loads(out.out)
    assert code == 0
    assert any("校验码" in w for w in record["warnings"])
    assert any("已过有效期" in w for w in record["warnings"])


def test_parse_human_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, out = parse(tmp_path, resident_block(), capsys)
    assert code == 0
    assert "证件类型：居民身份证" in out.out
    assert "410411199001011237" in out.out


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (response(0x90, read_payload(resident_block()))[:-1] + b"\x00", "校验和"),
        (response(0x90, read_payload(resident_block()))[:700], "截断"),
        (response(0x41), "0x41"),
        (bytes(resident_block()[:248]) + "Q".encode("utf-16-le") + bytes(6), "证件类型标识"),
        (b"\x01\x02\x03", "既不是"),
        (b"ABC", "奇数"),
        (response(0x90, b"\x01\x00\x04\x00" + bytes(10)), "长度"),
    ],
)
def test_parse_errors_exit_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, message: str
):
    code, out = parse(tmp_path, data, capsys, "--json")
    assert code == 2
    assert message in out.err
    assert "Traceback" not in out.err
    assert out.out == ""


def test_parse_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["idcard", "parse", str(tmp_path / "none.bin")]) == 2
    assert "无法读取文件" in capsys.readouterr().err


def test_probe_simulator_masks_the_number(capsys: pytest.CaptureFixture[str]):
    assert main(["idcard", "probe", "--transport", "sim", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["id_number"] == "410411********1237"
    assert record["address"] == ""
    assert record["readers"] == ["模拟阅读器（演示证件）"]
    assert main(["idcard", "probe", "--transport", "sim"]) == 0
    out = capsys.readouterr().out
    assert "读卡成功" in out
    assert "410411199001011237" not in out


def test_probe_argument_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path):
    assert main(["idcard", "probe", "--transport", "serial"]) == 2
    assert "--port" in capsys.readouterr().err
    assert main(["idcard", "probe", "--transport", "pcsc", "--tunnel", "XYZ"]) == 2
    assert main(["idcard", "probe", "--transport", "pcsc", "--tunnel", "FF00"]) == 2
    missing = str(tmp_path / "ttyUSB7")
    assert main(["idcard", "probe", "--transport", "serial", "--port", missing]) == 2
    assert "ttyUSB7" in capsys.readouterr().err


def test_entry_point_subprocess(tmp_path: Path):
    capture = tmp_path / "block.bin"
    capture.write_bytes(resident_block())
    done = subprocess.run(
        [sys.executable, "-m", "zhanhe_counter.cli.app", "idcard", "parse", str(capture), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["name"] == "张三"
