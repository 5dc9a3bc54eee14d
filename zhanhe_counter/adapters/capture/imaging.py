"""Preparing a page image to keep (页面处理): size limit, crop, deskew, JPEG, with Pillow.

A document camera (高拍仪) photographs a page lying on the desk, usually a little askew, with
the desk around it. The skew is the angle whose rotation gives the sharpest row profile (the
text lines and the page edges line up with the rows: the variance of the row means peaks),
searched on a small copy; the page is then the bright region's bounding box. A scanner's page
is already straight and needs neither. Every page is kept as a JPEG no larger than A4 at 300
dpi: colour stays (a red seal is evidence), the file stays small enough to send.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

from zhanhe_counter.services.ports.capture import CaptureFailed, PreparedPage

#: A raw page larger than this is refused: no counter page needs it, and it would fill the disk.
MAX_RAW_BYTES = 40 * 1024 * 1024
MAX_PIXELS = 60_000_000
#: A4 at 300 dpi: the longest side kept.
MAX_SIDE = 3508
JPEG_QUALITY = 85
_SKEW_RANGE = 10.0  # degrees either way; a page further off is put down again by the clerk
_SKEW_STEP = 0.5
_COARSE_STEP = 2.0
_PROBE_SIDE = 400


def too_large(detail: str) -> CaptureFailed:
    return CaptureFailed(
        f"page over the size limit: {detail}",
        f"页面超出大小限制（不超过 {MAX_RAW_BYTES // (1024 * 1024)} MB、"
        f"{MAX_PIXELS // 1_000_000} 百万像素），请降低分辨率后重新采集",
    )


def open_page(raw: bytes) -> Image.Image:
    """The decoded image; raises ``CaptureFailed`` when it is too large or unreadable."""
    if len(raw) > MAX_RAW_BYTES:
        raise too_large(f"{len(raw)} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.width * image.height > MAX_PIXELS:
                raise too_large(f"{image.width}x{image.height} pixels")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_large(str(error)) from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise CaptureFailed(f"unreadable page image: {error}", "无法识别页面图像") from error
    return image


def row_sharpness(gray: Image.Image) -> float:
    """Variance of the row means: high when lines run along the rows."""
    profile = gray.resize((1, gray.height), Image.Resampling.BOX)
    return float(ImageStat.Stat(profile).var[0])


def skew_angle(image: Image.Image) -> float:
    """The counter-clockwise rotation (degrees) that straightens the page: every 2° first, then
    every 0.5° around the best (18 trial rotations of a small copy instead of 41)."""
    probe = image.convert("L")
    probe.thumbnail((_PROBE_SIDE, _PROBE_SIDE))
    background = _darkest(probe)

    def score(angle: float) -> tuple[float, float]:
        turned = probe.rotate(angle, Image.Resampling.BILINEAR, fillcolor=background)
        return row_sharpness(turned), -abs(angle)  # a tie goes to the smaller turn

    coarse = max((n * _COARSE_STEP for n in range(-5, 6)), key=score)
    steps = int(_COARSE_STEP / _SKEW_STEP)
    fine = [coarse + n * _SKEW_STEP for n in range(-steps + 1, steps)]
    return max((a for a in fine if abs(a) <= _SKEW_RANGE), key=score)


def _darkest(gray: Image.Image) -> int:
    return int(gray.getextrema()[0])  # type: ignore[arg-type]


def crop_to_page(image: Image.Image) -> Image.Image:
    """The bright region (the page on a darker desk); the whole image when there is none."""
    gray = image.convert("L")
    threshold = (_darkest(gray) + int(gray.getextrema()[1])) // 2  # type: ignore[arg-type]
    box = gray.point(lambda v: 255 if v > threshold else 0).getbbox()
    return image.crop(box) if box else image


def prepare(raw: bytes, *, straighten: bool) -> PreparedPage:
    """Size-checked, optionally deskewed and cropped, encoded as JPEG, hashed."""
    image = ImageOps.exif_transpose(open_page(raw))
    image = image.convert("RGB" if image.mode not in ("L", "1", "I;16", "I") else "L")
    if straighten:
        background = _darkest(image.convert("L"))
        fill: int | tuple[int, ...] = background if image.mode == "L" else (background,) * 3
        angle = skew_angle(image)
        if angle:
            image = image.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
        image = crop_to_page(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    encoded = out.getvalue()
    return PreparedPage(
        image=encoded,
        media_type="image/jpeg",
        sha256=hashlib.sha256(encoded).hexdigest(),
        width=image.width,
        height=image.height,
    )


class PillowImaging:
    """``PageImaging`` with Pillow."""

    def prepare(self, raw: bytes, *, straighten: bool) -> PreparedPage:
        return prepare(raw, straighten=straighten)
