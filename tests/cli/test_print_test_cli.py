"""``zhanhe-admin print-test``: real printers (simulated folder, fake port 9100), real decoders."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapters.printing.printers.lab import FakeEscposPrinter, npos_decode
from zhanhe_counter.cli.app import main


def zbar(path: Path) -> set[str]:
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg (zbar-tools) is required"
    out = subprocess.run([zbarimg, "--raw", "-q", str(path)], capture_output=True, check=False)
    return set(out.stdout.decode().split())


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeEscposPrinter]:
    printer = FakeEscposPrinter(tmp_path / "fake").start()
    yield printer
    printer.kill()


def write_config(tmp_path: Path, fake_port: int = 9) -> Path:
    config = tmp_path / "printers.toml"
    config.write_text(
        f"""
[printers."模拟A4"]
kind = "simulated"
paper = "a4"
folder = "out-a4"

[printers."模拟小票"]
kind = "simulated"
paper = "80mm"
folder = "out-ticket"

[printers."窗口小票"]
kind = "escpos"
connection = "network"
host = "127.0.0.1"
port = {fake_port}
timeout_s = 1
""",
        encoding="utf-8",
    )
    return config


def test_a4_test_page_has_scannable_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    assert main(["--data-dir", str(tmp_path), "print-test", "模拟A4", "--config", str(config)]) == 0
    (pdf,) = (tmp_path / "out-a4").glob("*.pdf")
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert zbar(next(tmp_path.glob("page*.png"))) == {"ZHANHE-PRINT-TEST", "ZH-TEST-0001"}
    out = capsys.readouterr().out
    assert "刘䶮" in out
    assert "打印机就绪" in out


def test_ticket_goes_through_escpos_and_decodes(tmp_path: Path, fake: FakeEscposPrinter) -> None:
    config = write_config(tmp_path, fake.port)
    assert main(["print-test", "窗口小票", "--config", str(config)]) == 0
    from tests.adapters.printing.printers.lab import wait_for

    wait_for(fake.jobs, what="ticket received")
    decoded = npos_decode(fake.jobs()[0], tmp_path)
    rows = [row for raster in decoded["rasters"] for row in raster["rows"]]
    assert len(rows[0]) == 576
    from PIL import Image

    # The decoded raster, drawn back into an image, still scans: codes survived the encoding.
    image = Image.new("L", (576, len(rows)), 255)
    image.putdata([0 if c == "1" else 255 for row in rows for c in row])
    image.save(tmp_path / "decoded.png")
    assert zbar(tmp_path / "decoded.png") == {"ZHANHE-PRINT-TEST", "ZH-TEST-0001"}


def test_paper_out_is_a_failed_check(
    tmp_path: Path, fake: FakeEscposPrinter, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.flag("paper_out", True)
    config = write_config(tmp_path, fake.port)
    assert main(["print-test", "窗口小票", "--config", str(config)]) == 1
    assert "缺纸" in capsys.readouterr().out
    assert fake.jobs() == []


def test_unknown_printer_and_bad_config_are_user_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    assert main(["print-test", "不存在", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "模拟A4" in err
    assert "Traceback" not in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[printers."x"]\nkind = "escpos"\nconnection = "network"\n', encoding="utf-8")
    assert main(["print-test", "x", "--config", str(bad)]) == 2
    assert "host" in capsys.readouterr().err
    assert main(["print-test", "x", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "找不到打印机配置文件" in capsys.readouterr().err
