"""The Windows version resource (文件属性 → 详细信息) of both programs, from pyproject's version.

PyInstaller reads a version file written in its own Python-expression syntax
(``EXE(version="file.txt")``); this module writes that text, so there is no hand-edited copy to
forget when the version changes. The NSIS installer takes the same four numbers
(``VIProductVersion``) from :func:`numeric_version` through ``build.py``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

COMPANY = "平顶山市湛河区政务服务和大数据管理局"
PRODUCT = "湛河区综合窗口客户端"
COPYRIGHT = "© 平顶山市湛河区"

#: (file name, description) of the two programs in the bundle.
PROGRAMS = {
    "zhanhe-counter": "湛河区综合窗口客户端",
    "zhanhe-admin": "湛河区综合窗口客户端 管理命令",
}


def project_version(root: Path) -> str:
    """The ``[project] version`` of ``root/pyproject.toml``."""
    data = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    return str(data["project"]["version"])


def numeric_version(version: str) -> tuple[int, int, int, int]:
    """``0.1.0`` → ``(0, 1, 0, 0)``; pre- and dev-release suffixes are dropped (Windows wants
    four 16-bit numbers)."""
    match = re.match(r"\d+(?:\.\d+){0,3}", version)
    if match is None:
        raise ValueError(f"not a version number: {version!r}")
    parts = [int(part) for part in match.group(0).split(".")]
    if any(part > 0xFFFF for part in parts):
        raise ValueError(f"version part above 65535: {version!r}")
    parts += [0] * (4 - len(parts))
    return parts[0], parts[1], parts[2], parts[3]


def version_file_text(version: str, program: str) -> str:
    """The PyInstaller version file for ``program`` (a key of :data:`PROGRAMS`)."""
    numbers = numeric_version(version)
    dotted = ".".join(str(n) for n in numbers)
    strings = {
        "CompanyName": COMPANY,
        "FileDescription": PROGRAMS[program],
        "FileVersion": dotted,
        "InternalName": program,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": f"{program}.exe",
        "ProductName": PRODUCT,
        "ProductVersion": version,
    }
    structs = ",\n".join(
        f"          StringStruct({key!r}, {value!r})" for key, value in strings.items()
    )
    # 0x0804 = Chinese (PRC), 1200 = Unicode code page.
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers!r},
    prodvers={numbers!r},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable('080404b0', [
{structs}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [0x0804, 1200])])
  ]
)
"""


def write_version_file(version: str, program: str, folder: Path) -> Path:
    """Write the version file for ``program`` into ``folder``; its path for ``EXE(version=…)``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{program}-version.txt"
    path.write_text(version_file_text(version, program), encoding="utf-8")
    return path
