"""What every printer adapter shares: status values with Chinese reasons, and error helpers."""

from __future__ import annotations

from zhanhe_counter.services.ports.printing import (
    BackendJobState,
    PrinterState,
    PrinterStatus,
    PrinterUnavailable,
    PrintOutcomeUnknown,
    PrintRejected,
)

__all__ = [
    "BackendJobState",
    "PrintOutcomeUnknown",
    "PrintRejected",
    "PrinterState",
    "PrinterStatus",
    "PrinterUnavailable",
    "not_responding",
    "offline",
    "paper_out",
    "printer_error",
    "ready",
    "rejected",
    "unknown",
]


def ready() -> PrinterStatus:
    return PrinterStatus(PrinterState.READY, "打印机就绪")


def offline(name: str) -> PrinterStatus:
    return PrinterStatus(PrinterState.OFFLINE, f"无法连接打印机“{name}”，请检查电源和网线/数据线。")


def paper_out(name: str) -> PrinterStatus:
    return PrinterStatus(PrinterState.PAPER_OUT, f"打印机“{name}”缺纸，请装纸。")


def not_responding(name: str) -> PrinterStatus:
    return PrinterStatus(
        PrinterState.NOT_RESPONDING, f"打印机“{name}”没有响应，请检查是否卡纸或重启打印机。"
    )


def printer_error(name: str, detail_zh: str) -> PrinterStatus:
    return PrinterStatus(PrinterState.ERROR, f"打印机“{name}”故障：{detail_zh}")


def unknown(name: str) -> PrinterStatus:
    return PrinterStatus(PrinterState.UNKNOWN, f"无法读取打印机“{name}”的状态。")


def rejected(message_en: str, user_message_zh: str) -> PrintRejected:
    return PrintRejected(message_en, user_message_zh)
