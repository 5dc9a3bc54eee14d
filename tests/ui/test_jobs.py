"""The UI's one storage runner: off the GUI thread, results on it, a busy database retried."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from zhanhe_counter.adapters.storage.engine import open_local_database, storage_errors
from zhanhe_counter.adapters.storage.tables import setting
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.storage import StorageBusy
from zhanhe_counter.services.storage_retry import LockRetry
from zhanhe_counter.ui.jobs import StorageRunner


def test_work_runs_off_the_gui_thread_and_its_result_arrives_on_it(qtbot: QtBot) -> None:
    runner = StorageRunner()
    seen: dict[str, str] = {}

    def work() -> int:
        seen["work"] = threading.current_thread().name
        return 42

    def done(result: object) -> None:
        seen["done"] = threading.current_thread().name
        seen["result"] = str(result)

    runner.submit(work, done)
    qtbot.waitUntil(lambda: not runner.busy, timeout=5_000)
    assert seen["work"] != threading.main_thread().name
    assert seen["done"] == threading.main_thread().name
    assert seen["result"] == "42"


def test_a_busy_database_is_retried_and_other_errors_are_not(qtbot: QtBot) -> None:
    runner = StorageRunner(retry=LockRetry((0.01, 0.02, 0.04)))
    attempts: list[int] = []
    errors: list[Exception] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise StorageBusy("locked", "数据库正被其他程序占用，请稍后重试。")
        return "ok"

    results: list[object] = []
    runner.submit(flaky, results.append, errors.append)
    qtbot.waitUntil(lambda: not runner.busy, timeout=5_000)
    assert (len(attempts), results, errors) == (3, ["ok"], [])

    def always_busy() -> None:
        attempts.append(1)
        raise StorageBusy("locked", "数据库正被其他程序占用，请稍后重试。")

    attempts.clear()
    runner.submit(always_busy, results.append, errors.append)
    assert runner.wait_idle(5_000)
    assert len(attempts) == 4  # the first try and one per delay
    assert isinstance(errors[-1], StorageBusy)

    def refused() -> None:
        attempts.append(1)
        raise DomainError("bad", "输入有误。")

    attempts.clear()
    runner.submit(refused, results.append, errors.append)
    assert runner.wait_idle(5_000)
    assert len(attempts) == 1
    assert errors[-1].user_message == "输入有误。"  # type: ignore[attr-defined]


def test_a_write_waits_out_another_writer_holding_the_real_file(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Another program holds the SQLite write lock for a while; the job gets through after it."""
    path = tmp_path / "station.db"
    engine = open_local_database(path, busy_timeout_ms=50)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    QTimer.singleShot(300, holder.commit)
    attempts: list[int] = []

    def write() -> str:
        attempts.append(1)
        with storage_errors(path), engine.begin() as connection:
            connection.execute(
                setting.insert().values(key="k", value=1, updated_at=datetime.now(UTC))
            )
        return "stored"

    runner = StorageRunner(retry=LockRetry((0.2, 0.4, 0.8)))
    results: list[object] = []
    errors: list[Exception] = []
    try:
        runner.submit(write, results.append, errors.append)
        qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    finally:
        holder.close()
        engine.dispose()
    assert errors == []
    assert results == ["stored"]
    assert len(attempts) >= 2
