"""The bureau's administration at the centre, as the 管理 page uses it (port)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CentralStaff:
    """A staff account as the centre holds it."""

    staff_id: str
    name: str
    roles: tuple[str, ...]
    active: bool
    must_change_password: bool


@dataclass(frozen=True, slots=True)
class PublishCheck:
    """A document checked for publishing: the version in effect and what would change."""

    current_version: str | None
    lines: tuple[str, ...]  # the difference, in Chinese, one line each


class CentreAdministration(Protocol):
    """Staff accounts and publishing at the centre, for an administrator's login."""

    def staff(self) -> list[CentralStaff]: ...

    def create_staff(
        self, staff_id: str, name: str, roles: tuple[str, ...], password: str
    ) -> None: ...

    def set_active(self, staff_id: str, active: bool) -> None: ...

    def reset_password(self, staff_id: str, password: str) -> None: ...

    def check(self, kind: str, file: Path, effective: date) -> PublishCheck: ...

    def publish(self, kind: str, file: Path, version: str, effective: date) -> None: ...
