"""Child process for :class:`SubprocessPhotoDecoder`: WLT on stdin, BMP on stdout.

Arguments: library path, style (unpack | get_bmp), symbol ("" = default), cdecl | stdcall,
swap | noswap, topdown | bottomup. Exit 0 only with a BMP written; a crash in the vendor library
kills only this process.
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from zhanhe_counter.adapters.idcard.photo import PIXEL_BYTES, DecoderStyle, pixels_to_bmp


def _load(path: str, stdcall: bool) -> ctypes.CDLL:
    if stdcall and sys.platform == "win32":  # pragma: no cover - Windows only
        return ctypes.WinDLL(path)  # type: ignore[attr-defined,no-any-return]
    return ctypes.CDLL(path)


def _memory_folder() -> str | None:
    """A RAM-backed folder for the decoder's files when the system has one (Linux /dev/shm)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def decode(argv: Sequence[str], wlt: bytes) -> bytes:
    path, style, symbol, convention, swap, order = argv
    library = _load(path, convention == "stdcall")
    if DecoderStyle(style) is DecoderStyle.UNPACK:
        unpack = getattr(library, symbol or "unpack")
        unpack.restype = ctypes.c_int
        unpack.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        pixels = ctypes.create_string_buffer(PIXEL_BYTES)
        result = unpack(wlt, pixels, 0)
        if result != 1:
            raise RuntimeError(f"unpack returned {result}")
        return pixels_to_bmp(pixels.raw, swap_rb=swap == "swap", top_down=order == "topdown")
    get_bmp = getattr(library, symbol or "GetBmp")
    get_bmp.restype = ctypes.c_int
    get_bmp.argtypes = [ctypes.c_char_p, ctypes.c_int]
    # GetBmp works on files; the photo is biometric data, so on Linux they stay in RAM.
    with tempfile.TemporaryDirectory(prefix="zhanhe-wlt-", dir=_memory_folder()) as folder:
        wlt_path = Path(folder) / "photo.wlt"
        wlt_path.write_bytes(wlt)
        result = get_bmp(str(wlt_path).encode(), 2)
        bmp_path = wlt_path.with_suffix(".bmp")
        if result != 1 or not bmp_path.exists():
            raise RuntimeError(f"GetBmp returned {result}")
        return bmp_path.read_bytes()


def main(argv: Sequence[str]) -> int:
    wlt = sys.stdin.buffer.read()
    try:
        bmp = decode(argv, wlt)
    except (OSError, AttributeError, RuntimeError, ValueError) as error:
        print(f"decode failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(bmp)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
