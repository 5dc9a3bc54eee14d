"""The compiled catalogue: reused while the files are the same, rebuilt when anything differs."""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import pytest

from zhanhe_counter.adapters.catalogue import CatalogueInvalid, catalogue_file, compiled
from zhanhe_counter.adapters.catalogue.catalogue_file import (
    LoadedCatalogue,
    load_catalogue,
    read_catalogue,
)

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
SAMPLE = RESOURCES / "catalogue" / "sample-matters.yaml"
DEPARTMENTS = RESOURCES / "catalogue" / "departments.yaml"


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the in-memory results, as a new process would."""
    monkeypatch.setattr(catalogue_file, "_caches", {})


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_bytes(SAMPLE.read_bytes())
    return path


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("catalogue-*.pickle"))


def parse_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> LoadedCatalogue:
        raise AssertionError("the YAML was parsed although a compiled form existed")

    monkeypatch.setattr(catalogue_file, "read_catalogue", refuse)


def test_second_start_reads_the_compiled_form(
    tmp_path: Path, copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = load_catalogue(copy, departments=DEPARTMENTS, cache_dir=cache)
    assert len(entries(cache)) == 1
    monkeypatch.setattr(catalogue_file, "_caches", {})
    parse_forbidden(monkeypatch)
    second = load_catalogue(copy, departments=DEPARTMENTS, cache_dir=cache)
    assert second == first
    assert second == read_catalogue(copy, departments=DEPARTMENTS)  # the unpatched reader


def test_changed_content_is_read_again(tmp_path: Path, copy: Path, fresh: None) -> None:
    cache = tmp_path / "cache"
    load_catalogue(copy, cache_dir=cache)
    copy.write_text(
        copy.read_text(encoding="utf-8").replace("食品经营许可（新办）", "食品经营许可（首次）"),
        encoding="utf-8",
    )
    assert load_catalogue(copy, cache_dir=cache).catalogue.matter("ZH-001").name == (
        "食品经营许可（首次）"
    )
    assert len(entries(cache)) == 2


def test_a_changed_departments_file_is_read_again(tmp_path: Path, copy: Path, fresh: None) -> None:
    cache = tmp_path / "cache"
    departments = tmp_path / "departments.yaml"
    departments.write_bytes(DEPARTMENTS.read_bytes())
    before = load_catalogue(copy, departments=departments, cache_dir=cache).catalogue
    text = departments.read_text(encoding="utf-8")
    phone = before.departments["湛河区市场监督管理局"].phones[0]
    departments.write_text(text.replace(phone, "0375-2222333"), encoding="utf-8")
    after = load_catalogue(copy, departments=departments, cache_dir=cache).catalogue
    assert after.departments["湛河区市场监督管理局"].phones[0] == "0375-2222333"


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty"])
def test_a_damaged_cache_is_rebuilt(
    tmp_path: Path, copy: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    expected = load_catalogue(copy, cache_dir=cache)
    (entry,) = entries(cache)
    data = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        middle = len(data) // 2
        entry.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    else:
        entry.write_bytes(b"")
    monkeypatch.setattr(catalogue_file, "_caches", {})
    assert load_catalogue(copy, cache_dir=cache) == expected
    assert entry.read_bytes() == data  # rewritten whole
    monkeypatch.setattr(catalogue_file, "_caches", {})
    parse_forbidden(monkeypatch)
    assert load_catalogue(copy, cache_dir=cache) == expected


class _Forged:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.getenv, ("HOME",))


def test_a_forged_cache_naming_other_callables_is_refused(
    tmp_path: Path, copy: Path, fresh: None
) -> None:
    cache = tmp_path / "cache"
    expected = load_catalogue(copy, cache_dir=cache)
    (entry,) = entries(cache)
    body = pickle.dumps(_Forged())
    entry.write_bytes(compiled._MAGIC + hashlib.sha256(body).digest() + body)
    catalogue_file._caches.clear()
    assert load_catalogue(copy, cache_dir=cache) == expected


def test_a_cache_holding_something_else_is_refused(tmp_path: Path, copy: Path, fresh: None) -> None:
    cache = tmp_path / "cache"
    expected = load_catalogue(copy, cache_dir=cache)
    (entry,) = entries(cache)
    body = pickle.dumps(frozenset({"not", "a", "catalogue"}))
    entry.write_bytes(compiled._MAGIC + hashlib.sha256(body).digest() + body)
    catalogue_file._caches.clear()
    assert load_catalogue(copy, cache_dir=cache) == expected


def test_an_invalid_catalogue_is_never_cached(tmp_path: Path, fresh: None) -> None:
    cache = tmp_path / "cache"
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nmatters: []\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(CatalogueInvalid):
            load_catalogue(bad, cache_dir=cache)
    assert entries(cache) == []


def test_an_unwritable_cache_only_costs_time(tmp_path: Path, copy: Path, fresh: None) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    loaded = load_catalogue(copy, cache_dir=blocker / "cache")
    assert len(loaded.catalogue) == len(read_catalogue(copy).catalogue)


@dataclass(frozen=True)
class _LongerResult:
    """A result record with one field more than :class:`LoadedCatalogue`."""

    catalogue: object
    warnings: tuple[object, ...]
    guide: str


def test_a_new_loader_version_or_record_shape_changes_the_key(
    tmp_path: Path, copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = [(copy, copy.read_bytes())]
    before = compiled.CompiledCatalogues(tmp_path, LoadedCatalogue).key(sources)
    monkeypatch.setattr(compiled, "LOADER_VERSION", compiled.LOADER_VERSION + 1)
    bumped = compiled.CompiledCatalogues(tmp_path, LoadedCatalogue).key(sources)
    monkeypatch.undo()
    reshaped = compiled.CompiledCatalogues(tmp_path, _LongerResult).key(sources)
    assert len({before, bumped, reshaped}) == 3


def test_old_entries_are_pruned(tmp_path: Path, copy: Path, fresh: None) -> None:
    cache = tmp_path / "cache"
    text = copy.read_text(encoding="utf-8")
    for n in range(compiled._KEEP_FILES + 3):
        copy.write_text(text.replace("食品经营许可（新办）", f"食品经营许可{n}"), encoding="utf-8")
        load_catalogue(copy, cache_dir=cache)
    assert len(entries(cache)) == compiled._KEEP_FILES


def test_the_default_folder_follows_the_environment(tmp_path: Path) -> None:
    from zhanhe_counter.adapters.paths import catalogue_cache_dir

    assert catalogue_cache_dir({"ZHANHE_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert catalogue_cache_dir({}).name == "catalogue"
