"""The compiled form of a catalogue: the validated result kept on disk, keyed by its content.

Composing and checking a YAML catalogue costs about 1.7 ms per matter (5,000 matters: 8–29 s on
a shared 2-core PC), at every start. The result never changes while the files do not, so after a
successful load it is pickled into the cache folder under a key made of

* the bytes of the catalogue and departments files (and their paths, which the warnings name),
* :data:`LOADER_VERSION` (bump it when the loader's checks or readings change),
* the shape of every record in the result (class, field and enum member names), so a new field
  of a matter invalidates old entries without anyone remembering to bump anything,
* the Python version.

A cache file starts with a magic line and the SHA-256 of its body: a truncated or damaged file
fails that check and is rebuilt, never unpickled. The body is read by an unpickler that only
resolves the catalogue's own record classes, so even a forged file cannot name other callables.
An invalid catalogue is never cached: its problems are found again at every load.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import logging
import os
import pickle
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path

from zhanhe_counter.adapters.catalogue.problems import CatalogueProblem
from zhanhe_counter.domain import matters, workdays

log = logging.getLogger(__name__)

#: Bump when the loader reads the same file into a different result (a new check, a new warning).
LOADER_VERSION = 1
_MAGIC = b"ZHANHE-CATALOGUE-CACHE\n"
_PREFIX = "catalogue-"
_SUFFIX = ".pickle"
#: Cache entries kept: one per catalogue a PC has used recently (its own, a new version, tests).
_KEEP_FILES = 8
#: Results kept in memory: the composition reads the same catalogue two or three times a start.
_KEEP_IN_MEMORY = 4


def _records_of(module: object) -> tuple[type, ...]:
    """The record classes (dataclasses and enums) a module defines, in definition order."""
    return tuple(
        kind
        for kind in vars(module).values()
        if isinstance(kind, type)
        and kind.__module__ == getattr(module, "__name__", None)
        and (dataclasses.is_dataclass(kind) or issubclass(kind, Enum))
    )


#: Every class a cached catalogue may contain; the unpickler resolves nothing else. Taken from the
#: modules themselves, so a record added to ``domain/matters.py`` is covered (and reshapes the key).
_RECORD_CLASSES: tuple[type, ...] = (
    *_records_of(matters),
    workdays.TimeLimit,
    workdays.TimeUnit,
    CatalogueProblem,
)


def _shape(kind: type) -> str:
    if issubclass(kind, Enum):
        return f"{kind.__qualname__}({','.join(m.name + '=' + str(m.value) for m in kind)})"
    assert dataclasses.is_dataclass(kind)
    names = ",".join(f.name for f in dataclasses.fields(kind))
    return f"{kind.__qualname__}({names})"


def _fingerprint(extra: tuple[type, ...]) -> bytes:
    shapes = ";".join(_shape(kind) for kind in _RECORD_CLASSES + extra)
    return f"{LOADER_VERSION}|{sys.version_info[:2]}|{shapes}".encode()


def _positional_reducer(kind: type) -> Callable[[object], tuple[type, tuple[object, ...]]]:
    assert dataclasses.is_dataclass(kind)
    names = tuple(f.name for f in dataclasses.fields(kind) if f.init)

    def reduce(record: object) -> tuple[type, tuple[object, ...]]:
        return kind, tuple(getattr(record, name) for name in names)

    return reduce


class _RecordUnpickler(pickle.Unpickler):
    """Resolves only the catalogue's record classes (and the frozenset pickle needs)."""

    def __init__(self, data: bytes, allowed: dict[tuple[str, str], object]) -> None:
        super().__init__(io.BytesIO(data))
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> object:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not a catalogue record") from None


class CompiledCatalogues:
    """Load-through cache of catalogues in ``folder`` (created when first written)."""

    def __init__(self, folder: Path, result_type: type) -> None:
        self.folder = folder
        self._result_type = result_type
        classes = (*_RECORD_CLASSES, result_type)
        self._allowed: dict[tuple[str, str], object] = {
            (kind.__module__, kind.__qualname__): kind for kind in classes
        }
        self._allowed[("builtins", "frozenset")] = frozenset
        self._fingerprint = _fingerprint((result_type,))
        # Records are stored as (class, field values) and rebuilt by calling the class: a
        # dataclass's own __setstate__ looks its fields up again for each of the ~60,000
        # objects of 5,000 matters, which doubled the time of a start.
        self._reducers = {
            kind: _positional_reducer(kind) for kind in classes if dataclasses.is_dataclass(kind)
        }
        self._memory: dict[str, object] = {}

    def key(self, sources: list[tuple[Path, bytes]]) -> str:
        digest = hashlib.sha256(self._fingerprint)
        for path, data in sources:
            digest.update(b"\0" + str(path).encode() + b"\0")
            digest.update(hashlib.sha256(data).digest())
        return digest.hexdigest()

    def load(self, sources: list[tuple[Path, bytes]], build: Callable[[], object]) -> object:
        """The cached result for these source files, else ``build()`` stored for next time."""
        key = self.key(sources)
        if key in self._memory:
            return self._memory[key]
        path = self.folder / f"{_PREFIX}{key[:40]}{_SUFFIX}"
        result = self._read(path)
        if result is None:
            result = build()  # raises on an invalid catalogue: nothing is written
            self._write(path, result)
        if len(self._memory) >= _KEEP_IN_MEMORY:
            self._memory.pop(next(iter(self._memory)))
        self._memory[key] = result
        return result

    def _read(self, path: Path) -> object | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head = len(_MAGIC) + 32
        body = data[head:]
        if (
            data[: len(_MAGIC)] != _MAGIC
            or hashlib.sha256(body).digest() != data[len(_MAGIC) : head]
        ):
            log.warning("catalogue cache %s is damaged; rebuilding it", path.name)
            return None
        try:
            result = _RecordUnpickler(body, self._allowed).load()
        except Exception as error:  # a forged body: treat as absent, rebuild it
            log.warning("catalogue cache %s unreadable (%s); rebuilding it", path.name, error)
            return None
        if not isinstance(result, self._result_type):
            log.warning("catalogue cache %s holds no catalogue; rebuilding it", path.name)
            return None
        return result

    def _write(self, path: Path, result: object) -> None:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = self._reducers
        pickler.dump(result)
        body = buffer.getvalue()
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(_MAGIC + hashlib.sha256(body).digest() + body)
            os.replace(temporary, path)
        except OSError as error:  # a read-only cache only costs the next start its time
            log.warning("catalogue cache not written to %s: %s", self.folder, error)
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            return
        with contextlib.suppress(OSError):  # another process pruning at the same time
            self._prune(keep=path)

    def _prune(self, keep: Path) -> None:
        entries = sorted(
            (p for p in self.folder.glob(f"{_PREFIX}*{_SUFFIX}") if p != keep),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for stale in entries[_KEEP_FILES - 1 :]:
            stale.unlink(missing_ok=True)
