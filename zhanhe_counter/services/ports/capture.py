"""Ports of material capture (材料采集): where page images come from, and how they are prepared.

A source is a scanner, a document camera (高拍仪) or a file import; each gives raw page images
(PNG, JPEG or TIFF bytes, one per page) and fails with :class:`CaptureFailed`, whose Chinese
message the clerk reads. A failure never blocks the intake: the row stays ticked, without image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from zhanhe_counter.domain.errors import DomainError

CAMERA_ABSENT_ZH = "未找到高拍仪，请检查连接后重试（也可改用扫描或导入文件）"
CAMERA_BUSY_ZH = "高拍仪正被其他程序占用或没有响应，请关闭其他程序后重试"


class CaptureFailed(DomainError):
    """A page could not be captured (采集失败): device absent or busy, jam, page too large…"""


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A capture device the station can see (采集设备)."""

    kind: str  # "scanner" or "camera"
    device_id: str
    description: str


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """A page ready to keep: encoded image, its SHA-256 (hex) and pixel size."""

    image: bytes
    media_type: str
    sha256: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.image)


class PageSource(Protocol):
    """Gives raw page images; ``kind`` is ``scanner``, ``camera`` or ``file``."""

    kind: str

    def capture(self) -> list[bytes]:
        """The pages, in order; raises :class:`CaptureFailed`."""
        ...


class PageImaging(Protocol):
    """Turns a raw page image into what is kept (crop, deskew, size limit, encoding)."""

    def prepare(self, raw: bytes, *, straighten: bool) -> PreparedPage:
        """Raises :class:`CaptureFailed` for an unreadable or oversized image."""
        ...
