"""The reference data the centre published, as this PC loads them (中心下发的基础数据).

The bureau publishes whole documents (``reference_document`` at the centre: the catalogue, the
departments, the windows and halls, the document settings, the office hours), each under a
version with the day it takes effect, and single holiday overrides. A pull keeps them verbatim in
``reference_mirror``; here the version in effect on a given day is written once into the data
folder as ``reference/<kind>-<version>.<ext>`` and handed to the same loaders as a local file.
Old versions stay on disk: a case opened under one can still be read against it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.sync_tables import reference_mirror

#: The kinds of published document and the suffix of their files.
DOCUMENT_SUFFIXES: Mapping[str, str] = {
    "catalogue": "yaml",
    "departments": "yaml",
    "windows": "yaml",
    "document_settings": "toml",
    "office_hours": "yaml",
}
FOLDER = "reference"
_SAFE = re.compile(r"[^0-9A-Za-z._-]")


@dataclass(frozen=True, slots=True)
class PublishedDocument:
    """One published version of a reference document, as the centre sent it."""

    kind: str
    version: str
    effective_from: date
    content: str
    published_at: str = ""


@dataclass(frozen=True, slots=True)
class CentralHoliday:
    """A day the centre declared off (``holiday``) or a working day (``workday``, 调休上班)."""

    day: date
    is_workday: bool
    name: str


@dataclass(frozen=True, slots=True)
class CentralReference:
    """What the centre's data say today: the file of each kind in effect, the holiday days."""

    files: Mapping[str, Path] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    holidays: Mapping[date, CentralHoliday] = field(default_factory=dict)

    def file(self, kind: str) -> Path | None:
        return self.files.get(kind)


def central_reference(engine: sa.Engine, data_dir: Path, today: date) -> CentralReference:
    """The centre's reference data in effect on ``today``, their files written if missing."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(reference_mirror.c.entity, reference_mirror.c.data).where(
                reference_mirror.c.entity.in_(("reference_document", "holiday_override"))
            )
        ).all()
    documents = [_document(data) for entity, data in rows if entity == "reference_document"]
    holidays = [_holiday(data) for entity, data in rows if entity == "holiday_override"]
    files: dict[str, Path] = {}
    versions: dict[str, str] = {}
    for kind, document in in_effect([d for d in documents if d is not None], today).items():
        files[kind] = materialise(document, data_dir)
        versions[kind] = document.version
    return CentralReference(
        files=files,
        versions=versions,
        holidays={day.day: day for day in holidays if day is not None},
    )


def in_effect(documents: list[PublishedDocument], today: date) -> dict[str, PublishedDocument]:
    """Per kind, the version in effect: the latest effective day not after ``today``, and of
    versions effective the same day the one published last."""
    chosen: dict[str, PublishedDocument] = {}
    for document in documents:
        if document.effective_from > today:
            continue
        held = chosen.get(document.kind)
        rank = (document.effective_from, document.published_at, document.version)
        if held is None or rank > (held.effective_from, held.published_at, held.version):
            chosen[document.kind] = document
    return chosen


def materialise(document: PublishedDocument, data_dir: Path) -> Path:
    """The document's file in the data folder; written (atomically) only when it differs."""
    suffix = DOCUMENT_SUFFIXES[document.kind]
    folder = data_dir / FOLDER
    path = folder / f"{document.kind}-{_SAFE.sub('_', document.version)}.{suffix}"
    data = document.content.encode("utf-8")
    if path.exists() and _digest(path.read_bytes()) == _digest(data):
        return path
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _document(data: Any) -> PublishedDocument | None:
    """A mirrored ``reference_document`` row; None for one this client does not know."""
    if not isinstance(data, dict) or data.get("kind") not in DOCUMENT_SUFFIXES:
        return None
    try:
        return PublishedDocument(
            kind=str(data["kind"]),
            version=str(data["version"]),
            effective_from=date.fromisoformat(str(data["effective_from"])[:10]),
            content=str(data["content"]),
            published_at=str(data.get("published_at") or ""),
        )
    except (KeyError, ValueError):
        return None


def _holiday(data: Any) -> CentralHoliday | None:
    """A mirrored ``holiday_override`` row (kind ``holiday`` or ``workday``)."""
    if not isinstance(data, dict):
        return None
    try:
        day = date.fromisoformat(str(data["day"])[:10])
    except (KeyError, ValueError):
        return None
    return CentralHoliday(
        day=day, is_workday=data.get("kind") == "workday", name=str(data.get("name") or "")
    )
