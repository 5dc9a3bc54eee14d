"""Builds the configured printer adapter (kind: escpos | cups | windows | simulated).

The adapters import the configuration, never this module, so the ``printers`` package has no
import cycle (the same shape as ``adapters/idcard/factory.py``). Each adapter is imported only
when configured, so a counter without CUPS or pywin32 never loads them.
"""

from __future__ import annotations

from pathlib import Path

from zhanhe_counter.adapters.printing.printers.config import PrinterConfig, PrinterConfigError
from zhanhe_counter.services.ports.printing import Printer


def build_printer(config: PrinterConfig, *, base_dir: Path | None = None) -> Printer:
    """The adapter for ``config``. Qt printers are built by the UI (only ``ui`` imports Qt)."""
    if config.kind == "escpos":
        from zhanhe_counter.adapters.printing.printers.escpos_printer import EscposPrinter

        return EscposPrinter(config)
    if config.kind == "cups":
        from zhanhe_counter.adapters.printing.printers.cups import CupsPrinter

        return CupsPrinter(config)
    if config.kind == "windows":
        from zhanhe_counter.adapters.printing.printers.windows_spooler import WindowsSpoolerPrinter

        return WindowsSpoolerPrinter(config)
    if config.kind == "simulated":
        from zhanhe_counter.adapters.printing.printers.simulated import SimulatedPrinter

        folder = Path(config.folder).expanduser()
        if not folder.is_absolute() and base_dir is not None:
            folder = base_dir / folder
        return SimulatedPrinter(config.name, folder)
    raise PrinterConfigError(
        f"printer kind {config.kind!r} is built by the UI",
        f"打印机“{config.name}”是系统打印对话框类型（qt），只能在窗口程序中使用。",
    )
