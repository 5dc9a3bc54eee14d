"""The photo decoder runs vendor libraries out of process: fake libraries built here with gcc."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from zhanhe_counter.adapters.idcard.photo import (
    BMP_LEN,
    PIXEL_BYTES,
    DecoderStyle,
    NullPhotoDecoder,
    PhotoDecoderConfig,
    SubprocessPhotoDecoder,
    pixels_to_bmp,
)

FAKE_DECODER_C = r"""
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
/* unpack(): fills 102*126*3 pixels; pixel value = first WLT byte, row index in green. */
int unpack(char *wlt, char *pixels, int save) {
    for (int y = 0; y < 126; y++)
        for (int x = 0; x < 102; x++) {
            char *p = pixels + (y * 102 + x) * 3;
            p[0] = wlt[0]; p[1] = (char)y; p[2] = 0x10;
        }
    return 1;
}
/* GetBmp(): WltRS style, writes a tiny BMP next to the .wlt file. */
int GetBmp(const char *path, int intf) {
    char out[4096];
    strncpy(out, path, sizeof out - 1); out[sizeof out - 1] = 0;
    char *dot = strrchr(out, '.'); if (!dot) return 0;
    strcpy(dot, ".bmp");
    FILE *f = fopen(out, "wb"); if (!f) return 0;
    fwrite("BM", 1, 2, f);
    for (int i = 0; i < 100; i++) fputc(i, f);
    fclose(f);
    return 1;
}
"""

CRASHING_C = r"""
int unpack(char *wlt, char *pixels, int save) { volatile int *p = 0; *p = 1; return 1; }
"""

HANGING_C = r"""
int unpack(char *wlt, char *pixels, int save) { for (;;) {} return 1; }
"""

FAILING_C = r"""
int unpack(char *wlt, char *pixels, int save) { return 0; }
"""


def build(tmp_path: Path, name: str, source: str) -> Path:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.fail("gcc is needed to build the fake vendor decoder (apt-get install gcc)")
    c_file = tmp_path / f"{name}.c"
    c_file.write_text(source)
    library = tmp_path / f"lib{name}.so"
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(library), str(c_file)], check=True)
    return library


def decoder(library: Path, **kwargs: object) -> SubprocessPhotoDecoder:
    return SubprocessPhotoDecoder(PhotoDecoderConfig(library_path=library, **kwargs))  # type: ignore[arg-type]


WLT = b"\x80" + bytes(1023)


def test_null_decoder_gives_nothing():
    assert NullPhotoDecoder().decode(WLT) is None
    assert NullPhotoDecoder.available is False


def test_unpack_style_library_gives_a_102x126_bmp(tmp_path: Path):
    bmp = decoder(build(tmp_path, "wlt2bmp", FAKE_DECODER_C)).decode(WLT)
    assert bmp is not None
    assert len(bmp) == BMP_LEN == 38862
    assert bmp[:2] == b"BM"
    assert int.from_bytes(bmp[18:22], "little") == 102
    assert int.from_bytes(bmp[22:26], "little") == 126
    # Bottom-up rows: the first stored row is the library's last row (green = 125).
    assert bmp[54:57] == bytes([0x10, 125, 0x80])  # and RGB from unpack() stored as BGR


def test_swap_and_flip_are_configurable(tmp_path: Path):
    library = build(tmp_path, "wlt2bmp", FAKE_DECODER_C)
    bmp = decoder(library, swap_rb=False, top_down=False).decode(WLT)
    assert bmp is not None
    assert bmp[54:57] == bytes([0x80, 0, 0x10])


def test_get_bmp_style_library(tmp_path: Path):
    library = build(tmp_path, "wltrs", FAKE_DECODER_C)
    bmp = decoder(library, style=DecoderStyle.GET_BMP).decode(WLT)
    assert bmp == b"BM" + bytes(range(100))


@pytest.mark.parametrize(
    ("name", "source", "timeout"),
    [("crash", CRASHING_C, 10.0), ("hang", HANGING_C, 1.0), ("fail", FAILING_C, 10.0)],
)
def test_a_crashing_hanging_or_failing_library_does_not_take_the_client_down(
    tmp_path: Path, name: str, source: str, timeout: float, caplog: pytest.LogCaptureFixture
):
    bad = decoder(build(tmp_path, name, source), timeout=timeout)
    assert bad.decode(WLT) is None
    assert "photo decoder" in caplog.text
    # This process is still here and a good decoder still works afterwards.
    good = decoder(build(tmp_path, "wlt2bmp", FAKE_DECODER_C))
    assert good.decode(WLT) is not None


def test_missing_library_and_missing_symbol(tmp_path: Path):
    assert decoder(tmp_path / "nope.so").decode(WLT) is None
    library = build(tmp_path, "wlt2bmp", FAKE_DECODER_C)
    assert decoder(library, symbol="no_such_function").decode(WLT) is None
    assert decoder(library, python=str(tmp_path / "no-python")).decode(WLT) is None


def test_pixels_to_bmp_checks_its_input():
    with pytest.raises(ValueError, match="38556"):
        pixels_to_bmp(bytes(10))
    assert len(pixels_to_bmp(bytes(PIXEL_BYTES))) == 38862
