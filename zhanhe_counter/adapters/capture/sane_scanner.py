"""Scanners through SANE (扫描仪), by running Debian's ``scanimage`` (package ``sane-utils``).

A subprocess rather than a binding: a driver that crashes or hangs takes ``scanimage`` down, not
the counter, and a timeout ends it. ``scanimage`` exits with the SANE status of the failure
(``SANE_STATUS_JAMMED`` = 6 …), which is what the clerk's message is chosen by. With the feeder
(``adf=True``) it scans until the feeder is empty, one PNG per page.
"""

from __future__ import annotations

import errno
import logging
import subprocess
import tempfile
from pathlib import Path

from zhanhe_counter.services.ports.capture import CaptureFailed, DeviceInfo

log = logging.getLogger(__name__)

SCAN_TIMEOUT = 120.0  # seconds for one batch: a jammed driver never hangs the counter
LIST_TIMEOUT = 30.0

# SANE_Status values (sane/sane.h) as scanimage's exit code, with what the clerk is told.
_STATUS_ZH = {
    3: "扫描仪正忙，请稍后再试",
    6: "扫描仪卡纸，请取出卡住的纸张后重新扫描",
    7: "扫描仪进纸器中没有纸张，请放入材料后重试",
    # With the cover open scanimage keeps waiting: the timeout ends it.
    8: "扫描仪盖板未关好，请关好后重试",
    9: "扫描仪通信出错，请检查连接线后重试",
    10: "扫描仪内存不足，请降低分辨率后重试",
    11: "没有使用扫描仪的权限，请联系管理员",
}
SCANNER_ABSENT_ZH = "未找到扫描仪，请检查电源和连接线（也可改用高拍仪或导入文件）"
NOT_INSTALLED_ZH = "本机未安装扫描程序（sane-utils），请联系管理员"
DISK_FULL_ZH = "磁盘空间不足，无法保存扫描页面，请联系管理员清理磁盘"


def list_scanners(timeout: float = LIST_TIMEOUT) -> list[DeviceInfo]:
    """The scanners SANE sees (``scanimage -L``)."""
    try:
        done = subprocess.run(
            ["scanimage", "-f", "%d\t%v %m%n"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as error:
        raise CaptureFailed("scanimage not installed", NOT_INSTALLED_ZH) from error
    except subprocess.TimeoutExpired as error:
        raise CaptureFailed("scanimage -L timed out", SCANNER_ABSENT_ZH) from error
    found = []
    for line in done.stdout.splitlines():
        device, _, description = line.partition("\t")
        if device.strip():
            found.append(DeviceInfo("scanner", device.strip(), description.strip()))
    return found


class SaneScanner:
    """``PageSource`` on one SANE device, e.g. ``genesys:libusb:001:004`` or ``test:0``."""

    kind = "scanner"

    def __init__(
        self,
        device: str,
        *,
        resolution: int = 200,
        mode: str = "Color",
        adf: bool = False,
        options: tuple[str, ...] = (),
        timeout: float = SCAN_TIMEOUT,
        work_dir: Path | None = None,
    ) -> None:
        self.device = device
        self.resolution = resolution
        self.mode = mode
        self.adf = adf
        self.options = options
        self.timeout = timeout
        self.work_dir = work_dir

    def _argv(self, folder: Path) -> list[str]:
        argv = ["scanimage", "-d", self.device, "--format=png"]
        argv += [f"--resolution={self.resolution}", f"--mode={self.mode}", *self.options]
        if self.adf:
            argv += ["--source=Automatic Document Feeder", f"--batch={folder}/page-%04d.png"]
        else:
            argv += [f"--output-file={folder}/page-0001.png"]
        return argv

    def capture(self) -> list[bytes]:
        try:
            with tempfile.TemporaryDirectory(prefix="scan-", dir=self.work_dir) as name:
                folder = Path(name)
                done = self._run(folder)
                pages = sorted(folder.glob("page-*.png"))
                if done.returncode != 0 and not (self.adf and pages and done.returncode == 7):
                    raise self._failure(done)
                return [page.read_bytes() for page in pages if page.stat().st_size]
        except OSError as error:
            if error.errno == errno.ENOSPC:
                raise CaptureFailed(f"scan: disk full: {error}", DISK_FULL_ZH) from error
            raise CaptureFailed(f"scan: {error}", "扫描页面无法保存，请联系管理员") from error

    def _run(self, folder: Path) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                self._argv(folder),
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError as error:
            raise CaptureFailed("scanimage not installed", NOT_INSTALLED_ZH) from error
        except subprocess.TimeoutExpired as error:
            raise CaptureFailed(
                f"scanimage timed out after {self.timeout}s", "扫描仪无响应，请检查后重试"
            ) from error

    def _failure(self, done: subprocess.CompletedProcess[str]) -> CaptureFailed:
        detail = done.stderr.strip().splitlines()[-1:] or [""]
        log.warning("scan on %s failed: exit %d %s", self.device, done.returncode, detail[0])
        if "No space left" in done.stderr:
            return CaptureFailed(f"scan: disk full ({detail[0]})", DISK_FULL_ZH)
        if done.returncode in _STATUS_ZH:
            return CaptureFailed(f"scan failed: {detail[0]}", _STATUS_ZH[done.returncode])
        if "open of device" in done.stderr or "no SANE devices" in done.stderr:
            return CaptureFailed(f"scanner {self.device} absent: {detail[0]}", SCANNER_ABSENT_ZH)
        return CaptureFailed(
            f"scan failed: exit {done.returncode} {detail[0]}", "扫描失败，请重试或改用其他方式采集"
        )
