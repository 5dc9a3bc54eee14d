"""The one retry policy for a busy station database: what is retried, how often, how long."""

from __future__ import annotations

import pytest

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.storage import StorageBusy
from zhanhe_counter.services.storage_retry import LOCK_RETRY, LockRetry


def _busy() -> StorageBusy:
    return StorageBusy("database is locked", "数据库正被其他程序占用，请稍后重试。")


def test_a_busy_database_is_tried_again_after_growing_waits() -> None:
    calls: list[int] = []
    waits: list[float] = []

    def work() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _busy()
        return "stored"

    assert LockRetry((0.5, 1.0, 2.0)).call(work, sleep=waits.append) == "stored"
    assert len(calls) == 3
    assert waits == [0.5, 1.0]


def test_it_gives_up_after_the_last_wait_with_the_clerks_message() -> None:
    waits: list[float] = []

    def work() -> None:
        raise _busy()

    with pytest.raises(StorageBusy) as caught:
        LockRetry((0.1, 0.2)).call(work, sleep=waits.append)
    assert waits == [0.1, 0.2]
    assert "占用" in caught.value.user_message


def test_other_errors_are_final() -> None:
    waits: list[float] = []

    def work() -> None:
        raise DomainError("bad input", "输入有误。")

    with pytest.raises(DomainError):
        LOCK_RETRY.call(work, sleep=waits.append)
    assert waits == []
    assert LOCK_RETRY.delay(1, ValueError("x")) is None
    assert LOCK_RETRY.delay(0, _busy()) is None
    assert LOCK_RETRY.delay(len(LOCK_RETRY.delays_s) + 1, _busy()) is None
    assert LOCK_RETRY.delay(1, _busy()) == LOCK_RETRY.delays_s[0]


def test_the_stores_busy_error_is_the_policys_busy_error() -> None:
    from zhanhe_counter.adapters.storage.engine import DatabaseBusy

    assert issubclass(DatabaseBusy, StorageBusy)
