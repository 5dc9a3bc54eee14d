"""Encrypted backups of the station database (本机数据库备份) to a second place.

A township PC's disk can fail with a week of cases not yet synced. A backup is a consistent
copy taken while the counter runs: one read transaction on the live database (WAL: writers go
on) exported with ``sqlcipher_export`` into a new SQLCipher file under the **backup key**, not
the database key. The database key lives in this PC's keyring and dies with the PC; the backup
key is also in the keyring (so scheduled backups need nobody), and is shown once to the
administrator as a recovery code when it is made, for a restore on another PC.

Each backup is ``zhanhe-<stamp>.sqlite3`` plus ``zhanhe-<stamp>.json`` (size, SHA-256, schema
revision, event count, key fingerprint). The copy is written under a temporary name, synced,
renamed; the manifest comes last, also by rename. A backup killed half-way therefore leaves
either nothing or a file without manifest, which :func:`verify_backups` reports as incomplete and
the next backup removes: a complete backup is never overwritten by a broken one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.engine import (
    KEY_BYTES,
    StorageError,
    connect_encrypted,
    storage_errors,
)
from zhanhe_counter.domain.errors import DomainError

log = logging.getLogger(__name__)

BACKUP_KEY_ENTRY = "backup-key"
DEMO_BACKUP_KEY_FILE = "demo-backup.key"
BACKUP_KEY_ENV = "ZHANHE_BACKUP_KEY"
#: Station setting: the configured second place (another disk, a USB stick, a share).
BACKUP_DIR_SETTING = "backup_dir"
#: Station setting: hours between scheduled backups.
BACKUP_HOURS_SETTING = "backup_every_hours"
DEFAULT_BACKUP_HOURS = 24
#: Backups kept in one folder; older complete ones are removed after a new one is made.
KEEP_BACKUPS = 14
_PREFIX = "zhanhe-"
_PARTIAL = ".partial"


class BackupError(DomainError):
    """A backup could not be made, checked or restored (备份失败)."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """One complete backup (一份备份)."""

    path: Path
    manifest: dict[str, Any]

    @property
    def created_at(self) -> str:
        return str(self.manifest["created_at"])


@dataclass(frozen=True, slots=True)
class VerifiedBackup:
    """What :func:`verify_backups` found for one file (备份校验结果)."""

    path: Path
    ok: bool
    problem: str | None = None
    events: int | None = None
    created_at: str | None = None


def fingerprint(key: bytes) -> str:
    """A short public name of a key: tells "wrong key" from "damaged" without revealing it."""
    return hashlib.sha256(b"zhanhe-backup-key\x00" + key).hexdigest()[:16]


def recovery_code(key: bytes) -> str:
    """The backup key as the administrator writes it down: 64 hex digits in groups of 8."""
    text = key.hex()
    return "-".join(text[i : i + 8] for i in range(0, len(text), 8))


def parse_recovery_code(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.strip() if ch not in "- \t\n")
    try:
        key = bytes.fromhex(cleaned)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise BackupError(
            "backup key is not 32 hex bytes",
            "备份恢复码格式不正确（应为 64 位十六进制数字，可带短横线）。",
        )
    return key


def new_backup_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover - Windows has no directory fsync
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _prepare_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".zhanhe-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise BackupError(
            f"backup folder {folder} not writable: {error}",
            f"备份目录 {folder} 无法写入（不存在、只读或已拔出），请检查后重试。",
        ) from error


def export_copy(source: Path, key: bytes, target: Path, backup_key: bytes) -> None:
    """Copy the live database ``source`` into a new file ``target`` under ``backup_key``.

    One deferred read transaction around the export: every table is copied from the same
    snapshot, and in WAL mode the counter keeps writing meanwhile.
    """
    connection = connect_encrypted(source, key)
    try:
        connection.isolation_level = None
        connection.execute(
            "ATTACH DATABASE ? AS backup KEY \"x'" + backup_key.hex() + "'\"", (str(target),)
        )
        connection.execute("BEGIN")
        try:
            connection.execute("SELECT sqlcipher_export('backup')")
            version = connection.execute("PRAGMA main.user_version").fetchone()[0]
            connection.execute(f"PRAGMA backup.user_version = {int(version)}")
        finally:
            connection.execute("COMMIT")
        connection.execute("DETACH DATABASE backup")
    finally:
        connection.close()


def _describe(path: Path, key: bytes) -> tuple[str | None, int]:
    """The schema revision and event count of a database file (for the manifest and checks)."""
    connection = connect_encrypted(path, key)
    try:
        ok = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"{path}: integrity_check {ok}", "备份文件完整性检查未通过。")
        revision_row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        events = connection.execute("SELECT count(*) FROM case_event").fetchone()[0]
    finally:
        connection.close()
    return (str(revision_row[0]) if revision_row else None), int(events)


def make_backup(
    source: Path,
    key: bytes,
    folder: Path,
    backup_key: bytes,
    *,
    reason: str = "manual",
    now: datetime | None = None,
    keep: int = KEEP_BACKUPS,
) -> BackupInfo:
    """Write one complete, checked backup of ``source`` into ``folder``."""
    when = now or datetime.now(UTC)
    _prepare_folder(folder)
    base = f"{_PREFIX}{_stamp(when)}"
    final = folder / f"{base}.sqlite3"
    partial = folder / f"{base}.sqlite3{_PARTIAL}"
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        with storage_errors(source):
            export_copy(source, key, partial, backup_key)
        revision, events = _describe(partial, backup_key)
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        partial.replace(final)
        manifest = {
            "format": 1,
            "created_at": when.astimezone(UTC).isoformat(),
            "reason": reason,
            "file": final.name,
            "bytes": final.stat().st_size,
            "sha256": _sha256(final),
            "revision": revision,
            "events": events,
            "key_fingerprint": fingerprint(backup_key),
        }
        manifest_path = folder / f"{base}.json"
        manifest_partial = folder / f"{base}.json{_PARTIAL}"
        manifest_partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
        with manifest_partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        manifest_partial.replace(manifest_path)
        _fsync_dir(folder)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise BackupError(
            f"backup to {folder} failed: {error}",
            f"写入备份目录 {folder} 失败（{error.strerror or error}），本次备份未完成，"
            "之前的备份不受影响。",
        ) from error
    except StorageError as error:
        partial.unlink(missing_ok=True)
        raise BackupError(str(error), error.user_message) from error
    log.info(
        "backup %s written (%s, %d events, %.1f s)",
        final,
        reason,
        events,
        time.monotonic() - started,
    )
    _tidy(folder, keep)
    return BackupInfo(final, manifest)


def _tidy(folder: Path, keep: int) -> None:
    """Remove leftovers of interrupted backups and complete backups beyond ``keep``."""
    for leftover in folder.glob(f"{_PREFIX}*{_PARTIAL}"):
        leftover.unlink(missing_ok=True)
    complete = list_backups(folder)
    for old in complete[: max(0, len(complete) - keep)]:
        old.path.unlink(missing_ok=True)
        old.path.with_suffix(".json").unlink(missing_ok=True)


def list_backups(folder: Path) -> list[BackupInfo]:
    """Complete backups in ``folder`` (those with a manifest), oldest first."""
    found = []
    for manifest_path in sorted(folder.glob(f"{_PREFIX}*.json")):
        try:
            manifest = json.loads(manifest_path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        found.append(BackupInfo(manifest_path.with_suffix(".sqlite3"), manifest))
    return found


def verify_backups(folder: Path, backup_key: bytes | None) -> list[VerifiedBackup]:
    """Check every backup in ``folder``: complete, unchanged, opens with the key, whole."""
    if not folder.is_dir():
        raise BackupError(f"no backup folder {folder}", f"备份目录 {folder} 不存在。")
    results: list[VerifiedBackup] = []
    listed = {info.path for info in list_backups(folder)}
    for orphan in sorted(folder.glob(f"{_PREFIX}*.sqlite3*")):
        if orphan not in listed:
            results.append(VerifiedBackup(orphan, False, "未完成的备份（没有清单文件），不能使用"))
    for info in list_backups(folder):
        results.append(_verify_one(info, backup_key))
    return results


def _verify_one(info: BackupInfo, backup_key: bytes | None) -> VerifiedBackup:
    created = info.created_at
    if not info.path.is_file():
        return VerifiedBackup(info.path, False, "备份文件缺失", created_at=created)
    if _sha256(info.path) != info.manifest.get("sha256"):
        return VerifiedBackup(info.path, False, "备份文件已改变或损坏（校验和不符）", None, created)
    if backup_key is None:
        return VerifiedBackup(info.path, False, "没有备份密钥，无法打开检查", None, created)
    if fingerprint(backup_key) != info.manifest.get("key_fingerprint"):
        return VerifiedBackup(info.path, False, "备份密钥与这份备份不符", None, created)
    try:
        revision, events = _describe(info.path, backup_key)
    except (BackupError, Exception) as error:  # the driver's own errors: a damaged copy
        return VerifiedBackup(info.path, False, f"备份无法打开：{error}", None, created)
    if events != info.manifest.get("events") or revision != info.manifest.get("revision"):
        return VerifiedBackup(info.path, False, "备份内容与清单不符", events, created)
    return VerifiedBackup(info.path, True, None, events, created)


def restore_backup(info: BackupInfo, backup_key: bytes, target: Path, target_key: bytes) -> None:
    """Restore ``info`` into the new database file ``target`` under ``target_key``.

    The target must not exist: a restore never overwrites a database, damaged or not (the
    damaged one may still hold cases the backup lacks, for a specialist to rescue).
    """
    if target.exists():
        raise BackupError(
            f"{target} exists",
            f"目标数据目录中已有数据库 {target}，恢复只能写入空的数据目录。",
        )
    checked = _verify_one(info, backup_key)
    if not checked.ok:
        raise BackupError(f"backup {info.path} unusable: {checked.problem}", str(checked.problem))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + _PARTIAL)
    partial.unlink(missing_ok=True)
    export_copy(info.path, backup_key, partial, target_key)
    _describe(partial, target_key)
    with partial.open("rb+") as handle:
        os.fsync(handle.fileno())
    partial.replace(target)
    _fsync_dir(target.parent)
    log.info("backup %s restored into %s", info.path, target)


def latest_good(folder: Path, backup_key: bytes) -> BackupInfo:
    """The newest backup in ``folder`` that verifies."""
    for info in reversed(list_backups(folder)):
        if _verify_one(info, backup_key).ok:
            return info
    raise BackupError(
        f"no usable backup in {folder}",
        f"备份目录 {folder} 中没有可用的完整备份（或备份密钥不符）。",
    )


def backup_due(folder: Path, hours: float, now: datetime) -> bool:
    """Whether the newest complete backup in ``folder`` is older than ``hours``."""
    backups = list_backups(folder) if folder.is_dir() else []
    if not backups:
        return True
    newest = datetime.fromisoformat(backups[-1].created_at)
    return (now - newest).total_seconds() >= hours * 3600


def engine_path(engine: sa.Engine) -> Path:
    database = engine.url.database
    if not database:  # pragma: no cover - station engines always have a file
        raise BackupError("engine without a file", "内存数据库无法备份。")
    return Path(database)


class BackupSchedule:
    """Backs the running counter's database up to the configured place every ``hours``.

    Checked every ``poll_seconds``; a missing USB stick or an offline share only logs a warning
    and is tried again at the next poll, the counter never waits for it.
    """

    def __init__(
        self,
        source: Path,
        key: bytes,
        backup_key: Callable[[], bytes],
        folder: Path,
        hours: float,
        *,
        poll_seconds: float = 600.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._source = source
        self._key = key
        self._backup_key = backup_key
        self.folder = folder
        self._hours = hours
        self._poll = poll_seconds
        self._now = now
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    def run_due(self) -> BackupInfo | None:
        """Make a backup if one is due; the backup made, else ``None``."""
        now = self._now()
        try:
            if not backup_due(self.folder, self._hours, now):
                return None
            info = make_backup(
                self._source, self._key, self.folder, self._backup_key(), reason="schedule", now=now
            )
        except DomainError as error:
            self.last_error = error.user_message
            log.warning("scheduled backup failed: %s", error)
            return None
        self.last_error = None
        return info

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="backup", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self.run_due()
            self._stopping.wait(self._poll)
