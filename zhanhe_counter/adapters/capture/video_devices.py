"""Document cameras the operating system lists (高拍仪), without Qt, for ``zhanhe-admin devices``.

On Linux a USB video-class camera is a V4L2 device with its name in sysfs
(``/sys/class/video4linux/video0/name``); only capture nodes are listed (a camera also gets a
metadata node, index 1). Elsewhere the counter program lists them (Qt Multimedia).
"""

from __future__ import annotations

from pathlib import Path

from zhanhe_counter.services.ports.capture import DeviceInfo

SYSFS = Path("/sys/class/video4linux")


def list_video_devices(root: Path = SYSFS) -> list[DeviceInfo]:
    found = []
    for node in sorted(root.glob("video*")):
        try:
            name = (node / "name").read_text(encoding="utf-8").strip()
            index = (node / "index").read_text(encoding="ascii").strip()
        except OSError:
            continue
        if index == "0":
            found.append(DeviceInfo("camera", f"/dev/{node.name}", name))
    return found
