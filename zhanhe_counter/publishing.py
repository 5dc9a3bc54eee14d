"""Publishing reference data at the centre, checked as a counter would load it (发布检查).

Shared by ``zhanhe-admin central publish`` and the client's 管理 page (through
:class:`CentreConsole`, the ``CentreAdministration`` port): a file is loaded with the counter's
own loaders against the other kinds in effect on its effective day, and the difference from the
version in effect is shown before anything is published (docs/governance.md).
"""

from __future__ import annotations

import difflib
import tempfile
from datetime import date
from pathlib import Path

from zhanhe_counter.adapters.calendar.office_hours import parse_office_hours
from zhanhe_counter.adapters.catalogue import load_catalogue, load_windows
from zhanhe_counter.adapters.centre import governance
from zhanhe_counter.adapters.printing.settings_file import load_document_settings
from zhanhe_counter.adapters.resources import resources_dir
from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.domain.china_time import china_date
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.administration import CentralStaff, PublishCheck

_SUFFIX = {"document_settings": ".toml"}


def check_document(
    url: str, kind: str, file: Path, effective: date, folder: Path
) -> dict[str, list[str]]:
    """Load ``file`` as the counter would on ``effective`` with the other kinds in effect;
    the catalogue's difference (matter ids added, changed, retired) against the one in effect.
    Raises the loaders' errors (every problem as ``FILE:LINE: message``)."""
    packaged = {
        "catalogue": resources_dir() / "catalogue/sample-matters.yaml",
        "departments": resources_dir() / "catalogue/departments.yaml",
        "windows": resources_dir() / "windows/sample-windows.yaml",
    }

    def in_effect(which: str) -> Path:
        """The file of ``which`` counters use that day: published, else the packaged one."""
        published = governance.in_effect(url, which, effective)
        if published is None:
            return packaged[which]
        path = folder / f"{which}-{published.version}{_SUFFIX.get(which, '.yaml')}"
        path.write_text(published.content, encoding="utf-8")
        return path

    def path_of(which: str) -> Path:
        return file if which == kind else in_effect(which)

    if kind == "document_settings":
        load_document_settings(file)
        return {}
    if kind == "office_hours":
        parse_office_hours(file.read_text(encoding="utf-8"), str(file))
        return {}
    catalogue = load_catalogue(path_of("catalogue"), departments=path_of("departments")).catalogue
    load_windows(path_of("windows"), catalogue)
    if kind != "catalogue":
        return {}
    before = load_catalogue(in_effect("catalogue")).catalogue.matters
    after = catalogue.matters
    return {
        "added": sorted(set(after) - set(before)),
        "changed": sorted(m for m in set(after) & set(before) if after[m] != before[m]),
        "retired": sorted(set(before) - set(after)),
    }


def matters_of(file: Path) -> list[tuple[str, str, str]]:
    return [(m.id, m.name, m.department) for m in load_catalogue(file).catalogue]


def text_difference(before: str, after: str) -> list[str]:
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "当前版本", "新版本", lineterm="", n=1
    )
    return list(lines)[:200]


def difference_lines(url: str, kind: str, file: Path, effective: date) -> PublishCheck:
    """Check ``file`` and describe, line by line in Chinese, what publishing it changes."""
    current = governance.in_effect(url, kind, effective)
    with tempfile.TemporaryDirectory(prefix="zhanhe-publish-") as folder:
        changes = check_document(url, kind, file, effective, Path(folder))
    if kind == "catalogue":
        lines = [
            f"{label}事项 {len(changes[key])} 项：{'、'.join(changes[key]) or '无'}"
            for label, key in (("新增", "added"), ("变更", "changed"), ("取消", "retired"))
        ]
    else:
        lines = text_difference(
            current.content if current else "", file.read_text(encoding="utf-8")
        ) or ["内容无变化"]
    return PublishCheck(current.version if current else None, tuple(lines))


class CentreConsole:
    """The ``CentreAdministration`` port on the centre's owner login, for one administrator."""

    def __init__(self, admin_url: str, actor: str, clock: Clock) -> None:
        self._url = admin_url
        self._actor = actor
        self._clock = clock
        self._hasher = Argon2PasswordHasher()

    def staff(self) -> list[CentralStaff]:
        return governance.list_staff(self._url)

    def create_staff(self, staff_id: str, name: str, roles: tuple[str, ...], password: str) -> None:
        governance.save_staff(
            self._url,
            staff_id,
            actor=self._actor,
            create=True,
            name=name,
            roles=list(roles),
            password_hash=self._hasher.hash(password),
        )

    def set_active(self, staff_id: str, active: bool) -> None:
        governance.save_staff(self._url, staff_id, actor=self._actor, active=active)

    def reset_password(self, staff_id: str, password: str) -> None:
        governance.save_staff(
            self._url, staff_id, actor=self._actor, password_hash=self._hasher.hash(password)
        )

    def check(self, kind: str, file: Path, effective: date) -> PublishCheck:
        return difference_lines(self._url, kind, file, effective)

    def publish(self, kind: str, file: Path, version: str, effective: date) -> None:
        with tempfile.TemporaryDirectory(prefix="zhanhe-publish-") as folder:
            check_document(self._url, kind, file, effective, Path(folder))
        governance.publish_document(
            self._url,
            kind,
            file.read_text(encoding="utf-8"),
            version=version,
            effective_from=effective,
            actor=self._actor,
            matters=matters_of(file) if kind == "catalogue" else (),
            today=china_date(self._clock.now()),
        )
