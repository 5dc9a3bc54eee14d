"""build_printer: the configured kind gives its adapter; Qt printers are refused outside the UI."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhanhe_counter.adapters.printing.printers.config import PrinterConfig, PrinterConfigError
from zhanhe_counter.adapters.printing.printers.cups import CupsPrinter
from zhanhe_counter.adapters.printing.printers.escpos_printer import EscposPrinter
from zhanhe_counter.adapters.printing.printers.factory import build_printer
from zhanhe_counter.adapters.printing.printers.simulated import SimulatedPrinter
from zhanhe_counter.adapters.printing.printers.windows_spooler import WindowsSpoolerPrinter


@pytest.mark.parametrize(
    ("kind", "adapter"),
    [("escpos", EscposPrinter), ("cups", CupsPrinter), ("windows", WindowsSpoolerPrinter)],
)
def test_each_kind_builds_its_adapter(kind: str, adapter: type) -> None:
    config = PrinterConfig(name="窗口小票", kind=kind, paper="80mm", host="127.0.0.1", queue="q")
    printer = build_printer(config)
    assert isinstance(printer, adapter)
    assert printer.name == "窗口小票"


def test_a_relative_simulated_folder_is_under_the_data_folder(tmp_path: Path) -> None:
    printer = build_printer(
        PrinterConfig(name="A4", kind="simulated", folder="out"), base_dir=tmp_path
    )
    assert isinstance(printer, SimulatedPrinter)
    assert printer.folder == tmp_path / "out"
    absolute = tmp_path / "elsewhere"
    printer = build_printer(
        PrinterConfig(name="A4", kind="simulated", folder=str(absolute)), base_dir=tmp_path / "x"
    )
    assert isinstance(printer, SimulatedPrinter)
    assert printer.folder == absolute


def test_a_qt_printer_is_the_ui_s_to_build() -> None:
    with pytest.raises(PrinterConfigError) as refused:
        build_printer(PrinterConfig(name="A4激光", kind="qt", queue="HP"))
    assert "只能在窗口程序中使用" in refused.value.user_message
    assert "A4激光" in refused.value.user_message
