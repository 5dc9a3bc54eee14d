"""Shared helpers of the documents tests: a process clock in UTC, and PDF text read back."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from zhanhe_counter.composition import Station
from zhanhe_counter.services.documents import DocumentRequest

#: Every printed moment: "2026年11月26日 09:30"; every printed date: "2026年11月26日".
MOMENT = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(\d{2}:\d{2})")
DAY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


@contextmanager
def process_in_utc() -> Iterator[None]:
    """Run the block with the process's local zone set to UTC, as on a PC whose clock is UTC."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def pdf_text(station: Station, request: DocumentRequest, folder: Path, name: str) -> str:
    """The text of ``request`` rendered as the printer would get it (pdftotext), spaces
    squeezed so a line break inside a value does not hide it."""
    if request.kind.value == "thermal_ticket":
        document = station.renderer.render_pdf(request.kind, request.values)
    else:
        document = station.renderer.render_pdf(request.kind, request.values)
    path = folder / f"{name}.pdf"
    path.write_bytes(document.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    return re.sub(r"[ \t]+", " ", text.replace("\n", ""))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def days_in(text: str) -> set[str]:
    return {f"{y}-{int(m):02d}-{int(d):02d}" for y, m, d in DAY.findall(text)}


def moments_in(text: str) -> set[str]:
    return {f"{y}-{int(m):02d}-{int(d):02d}T{hm}" for y, m, d, hm in MOMENT.findall(text)}
