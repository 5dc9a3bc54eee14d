"""Importing material pages from files (导入文件): images, a multi-page TIFF as its pages."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import ImageSequence

from zhanhe_counter.adapters.capture.imaging import MAX_RAW_BYTES, open_page, too_large
from zhanhe_counter.services.ports.capture import CaptureFailed


def _pages(raw: bytes) -> list[bytes]:
    image = open_page(raw)  # the size checks first
    frames = getattr(image, "n_frames", 1)
    if frames == 1:
        return [raw]
    pages = []
    for frame in ImageSequence.Iterator(image):
        out = io.BytesIO()
        frame.save(out, "PNG")
        pages.append(out.getvalue())
    return pages


class FileImport:
    """``PageSource`` over files chosen by the clerk, in the order given."""

    kind = "file"

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)

    def capture(self) -> list[bytes]:
        pages: list[bytes] = []
        for path in self.paths:
            try:
                size = path.stat().st_size
                if size > MAX_RAW_BYTES:
                    raise too_large(f"{path}: {size} bytes")
                raw = path.read_bytes()
            except OSError as error:
                raise CaptureFailed(
                    f"cannot read {path}: {error}", f"无法读取文件：{path.name}"
                ) from error
            pages.extend(_pages(raw))
        return pages
