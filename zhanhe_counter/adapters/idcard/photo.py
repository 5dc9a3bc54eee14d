"""Photo decoders: none by default, or a vendor WLT library run in a separate process.

The 1024-byte WLT photo is a proprietary format; only vendor libraries decode it. Those may crash,
hang, leak or be 32-bit only, so they never run inside the client: each decode starts
:mod:`photo_worker` in a child interpreter (optionally a 32-bit one) with a timeout.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

log = logging.getLogger(__name__)

WIDTH = 102
HEIGHT = 126
PIXEL_BYTES = WIDTH * HEIGHT * 3  # 38556, what unpack() fills
BMP_HEADER_LEN = 54
ROW_STRIDE = (WIDTH * 3 + 3) // 4 * 4  # 308: BMP rows are padded to four bytes
BMP_LEN = BMP_HEADER_LEN + ROW_STRIDE * HEIGHT  # 38862


class DecoderStyle(StrEnum):
    """How the vendor library is called."""

    UNPACK = "unpack"  # int unpack(char *wlt, char *pixels, int save): libwlt2bmp style
    GET_BMP = "get_bmp"  # int GetBmp(const char *wlt_path, int intf): WltRS style, writes .bmp


class NullPhotoDecoder:
    """No decoder configured (the default): every text field works, the UI shows a placeholder."""

    available = False

    def decode(self, wlt: bytes) -> bytes | None:
        return None


def pixels_to_bmp(pixels: bytes, *, swap_rb: bool = True, top_down: bool = True) -> bytes:
    """A 24-bit BMP file from 102×126 raw pixels.

    BMP wants BGR rows bottom-up. Public callers of ``unpack()`` swap R/B (the buffer is RGB) and
    flip, hence the defaults; vendor builds differ, so calibrate both against a real card.
    """
    if len(pixels) != PIXEL_BYTES:
        raise ValueError(f"expected {PIXEL_BYTES} pixel bytes, got {len(pixels)}")
    rows = [pixels[y * WIDTH * 3 : (y + 1) * WIDTH * 3] for y in range(HEIGHT)]
    if swap_rb:
        rows = [_swap_rb(row) for row in rows]
    if top_down:
        rows.reverse()
    padding = bytes(ROW_STRIDE - WIDTH * 3)
    body = b"".join(row + padding for row in rows)
    header = (
        b"BM"
        + BMP_LEN.to_bytes(4, "little")
        + bytes(4)
        + BMP_HEADER_LEN.to_bytes(4, "little")
        + (40).to_bytes(4, "little")
        + WIDTH.to_bytes(4, "little", signed=True)
        + HEIGHT.to_bytes(4, "little", signed=True)
        + (1).to_bytes(2, "little")
        + (24).to_bytes(2, "little")
        + bytes(4)
        + len(body).to_bytes(4, "little")
        + (3780).to_bytes(4, "little") * 2  # 96 dpi
        + bytes(8)
    )
    return header + body


def _swap_rb(row: bytes) -> bytes:
    swapped = bytearray(row)
    swapped[0::3], swapped[2::3] = row[2::3], row[0::3]
    return bytes(swapped)


def looks_like_bmp(data: bytes) -> bool:
    return len(data) > BMP_HEADER_LEN and data[:2] == b"BM"


@dataclass(frozen=True)
class PhotoDecoderConfig:
    """照片解码库配置 (``photo.decoder_path`` and friends); ship without it."""

    library_path: Path
    style: DecoderStyle = DecoderStyle.UNPACK
    symbol: str = ""  # default: unpack / GetBmp
    stdcall: bool = False  # Windows __stdcall DLLs (WinDLL)
    swap_rb: bool = True
    top_down: bool = True
    timeout: float = 5.0
    # A 32-bit vendor DLL needs a 32-bit interpreter with this package importable.
    python: str = sys.executable


class SubprocessPhotoDecoder:
    """Runs a vendor decoder library in a child process; a crash or hang yields None."""

    available = True

    def __init__(self, config: PhotoDecoderConfig) -> None:
        self.config = config

    def decode(self, wlt: bytes) -> bytes | None:
        config = self.config
        command = [
            config.python,
            "-m",
            "zhanhe_counter.adapters.idcard.photo_worker",
            str(config.library_path),
            config.style.value,
            config.symbol,
            "stdcall" if config.stdcall else "cdecl",
            "swap" if config.swap_rb else "noswap",
            "topdown" if config.top_down else "bottomup",
        ]
        try:
            done = subprocess.run(
                command, input=wlt, capture_output=True, timeout=config.timeout, check=False
            )
        except subprocess.TimeoutExpired:
            log.warning("photo decoder timed out after %.1fs", config.timeout)
            return None
        except OSError as error:
            log.warning("photo decoder could not start: %s", error)
            return None
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip()[-200:]
            log.warning("photo decoder failed (exit %d): %s", done.returncode, reason)
            return None
        if not looks_like_bmp(done.stdout):
            log.warning("photo decoder returned %d bytes that are not a BMP", len(done.stdout))
            return None
        return done.stdout
