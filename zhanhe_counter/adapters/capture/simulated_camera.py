"""A simulated document camera (模拟高拍仪) for the demo and the tests.

It photographs a synthetic page: a white A4-shaped sheet with dark text lines, turned by
``skew`` degrees and lying on a dark desk, as a real 高拍仪 sees a page put down carelessly.
``unplugged`` and ``busy`` reproduce the camera's failures with the real adapter's messages.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from zhanhe_counter.services.ports.capture import CAMERA_ABSENT_ZH, CAMERA_BUSY_ZH, CaptureFailed


def page_photo(skew: float = 4.0, width: int = 1200, seed: int = 0) -> bytes:
    """A PNG photo of a page turned by ``skew`` degrees on a dark desk."""
    page_w, page_h = int(width * 0.6), int(width * 0.6 * 1.414)
    page = Image.new("L", (page_w, page_h), 245)
    draw = ImageDraw.Draw(page)
    margin = page_w // 10
    line = max(4, page_h // 60)
    for n, y in enumerate(range(margin, page_h - margin, line * 2)):
        length = page_w - 2 * margin - ((n * 37 + seed * 11) % (page_w // 4))
        draw.rectangle((margin, y, margin + length, y + line // 2), fill=30)
    turned = page.rotate(skew, Image.Resampling.BICUBIC, expand=True, fillcolor=50)
    desk = Image.new("L", (width, int(width * 1.1)), 50)
    desk.paste(turned, ((desk.width - turned.width) // 2, (desk.height - turned.height) // 2))
    out = io.BytesIO()
    desk.save(out, "PNG")
    return out.getvalue()


class SimulatedCamera:
    """``PageSource``: one synthetic page photo per capture."""

    kind = "camera"

    def __init__(self, *, skew: float = 4.0, unplugged: bool = False, busy: bool = False) -> None:
        self.skew = skew
        self.unplugged = unplugged
        self.busy = busy
        self.shots = 0

    def capture(self) -> list[bytes]:
        if self.unplugged:
            raise CaptureFailed("simulated camera unplugged", CAMERA_ABSENT_ZH)
        if self.busy:
            raise CaptureFailed("simulated camera busy", CAMERA_BUSY_ZH)
        self.shots += 1
        return [page_photo(self.skew, seed=self.shots)]
