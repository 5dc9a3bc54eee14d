"""Builds the configured reader and photo decoder (transport: serial | pcsc | sim)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from zhanhe_counter.adapters.idcard.photo import (
    DecoderStyle,
    NullPhotoDecoder,
    PhotoDecoderConfig,
    SubprocessPhotoDecoder,
)
from zhanhe_counter.adapters.idcard.sam_reader import ReadOptions, SamCardReader
from zhanhe_counter.services.ports.idcard import CardReader, PhotoDecoder


class TransportKind(StrEnum):
    SERIAL = "serial"
    PCSC = "pcsc"
    SIM = "sim"


@dataclass(frozen=True)
class ReaderConfig:
    """阅读器配置. ``port`` is the serial device, or a PC/SC reader-name filter."""

    transport: TransportKind = TransportKind.SIM
    port: str = ""
    baudrate: int = 115200
    tunnel_header: bytes | None = None  # PC/SC vendor tunnel CLA INS P1 P2; None = off
    read_appended_address: bool = True
    read_fingerprint: bool = False
    decoder_path: Path | None = None
    decoder_style: DecoderStyle = DecoderStyle.UNPACK

    @property
    def options(self) -> ReadOptions:
        return ReadOptions(
            read_appended_address=self.read_appended_address,
            read_fingerprint=self.read_fingerprint,
            reset_on_open=self.transport is not TransportKind.PCSC,
        )


def build_reader(config: ReaderConfig) -> CardReader:
    if config.transport is TransportKind.SERIAL:
        from zhanhe_counter.adapters.idcard.serial_transport import SerialSamTransport

        transport = SerialSamTransport(config.port, baudrate=config.baudrate)
        return SamCardReader(transport, options=config.options, source="serial")
    if config.transport is TransportKind.PCSC:
        from zhanhe_counter.adapters.idcard.pcsc import PcscCardReader, TunnelConfig

        tunnel = TunnelConfig(config.tunnel_header) if config.tunnel_header else None
        return PcscCardReader(config.port, tunnel=tunnel, options=config.options)
    from zhanhe_counter.adapters.idcard.simulator import simulated_reader

    return simulated_reader(options=config.options)


def list_readers(config: ReaderConfig) -> list[str]:
    """What the installer should see: serial ports, PC/SC readers, or the simulator."""
    if config.transport is TransportKind.SERIAL:
        from zhanhe_counter.adapters.idcard.serial_transport import list_serial_ports

        return [
            f"{port.device} {port.description}".strip()
            + (f" [{port.vid:04x}:{port.pid:04x}]" if port.vid is not None and port.pid else "")
            for port in list_serial_ports()
        ]
    if config.transport is TransportKind.PCSC:
        from zhanhe_counter.adapters.idcard.pcsc import list_pcsc_readers

        return list_pcsc_readers()
    return ["模拟阅读器（演示证件）"]


def build_photo_decoder(config: ReaderConfig) -> PhotoDecoder:
    if config.decoder_path is None:
        return NullPhotoDecoder()
    return SubprocessPhotoDecoder(
        PhotoDecoderConfig(library_path=config.decoder_path, style=config.decoder_style)
    )
