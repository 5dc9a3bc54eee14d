"""Staff login with argon2 hashes on this PC: success, wrong password, lockout, rehash."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from zhanhe_counter.adapters.security import Argon2PasswordHasher
from zhanhe_counter.adapters.storage.engine import open_local_database
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.auth import AccountLocked, AuthService, LoginFailed


class Clock:
    def __init__(self) -> None:
        self.current = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[SqliteReferenceStore]:
    engine = open_local_database(tmp_path / "station.db")
    yield SqliteReferenceStore(engine)
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(reference: SqliteReferenceStore, clock: Clock) -> AuthService:
    service = AuthService(reference, Argon2PasswordHasher(fast=True), clock, max_failures=3)
    service.create_staff("zhangmin", "张敏", "secret1")
    return service


def test_login_works_offline_from_the_stored_hash(
    auth: AuthService, reference: SqliteReferenceStore
) -> None:
    session = auth.login(" zhangmin ", "secret1")
    assert session.staff.name == "张敏"
    assert session.has_role("clerk")
    stored = reference.staff("zhangmin")
    assert stored is not None
    assert "secret1" not in stored.password_hash
    assert stored.password_hash.startswith("$argon2id$")


def test_unknown_account_and_wrong_password_read_the_same(auth: AuthService) -> None:
    with pytest.raises(LoginFailed) as unknown:
        auth.login("nobody", "secret1")
    with pytest.raises(LoginFailed) as wrong:
        auth.login("zhangmin", "wrong!!")
    assert unknown.value.user_message.startswith("工号或密码不正确")
    assert wrong.value.user_message.startswith("工号或密码不正确")
    assert "再错 2 次" in wrong.value.user_message


def test_lockout_after_repeated_failures_and_release(auth: AuthService, clock: Clock) -> None:
    for _ in range(2):
        with pytest.raises(LoginFailed):
            auth.login("zhangmin", "wrong!!")
    with pytest.raises(AccountLocked):
        auth.login("zhangmin", "wrong!!")
    with pytest.raises(AccountLocked):  # even the right password while locked
        auth.login("zhangmin", "secret1")
    clock.current += timedelta(minutes=16)
    assert auth.login("zhangmin", "secret1").staff.staff_id == "zhangmin"
    with pytest.raises(LoginFailed) as again:  # the count was reset by the success
        auth.login("zhangmin", "wrong!!")
    assert "再错 2 次" in again.value.user_message


def test_weak_hash_is_replaced_on_login(reference: SqliteReferenceStore, clock: Clock) -> None:
    weak = AuthService(reference, Argon2PasswordHasher(fast=True), clock)
    weak.create_staff("lina", "李娜", "secret2")
    strong = AuthService(reference, Argon2PasswordHasher(), clock)
    before = reference.staff("lina")
    strong.login("lina", "secret2")
    after = reference.staff("lina")
    assert before is not None
    assert after is not None
    assert after.password_hash != before.password_hash
    assert strong.login("lina", "secret2").staff.name == "李娜"


def test_unlock_needs_the_same_password(auth: AuthService) -> None:
    session = auth.login("zhangmin", "secret1")
    with pytest.raises(LoginFailed):
        auth.unlock(session, "nope!!")
    assert auth.unlock(session, "secret1") is session


def test_idle_lock_minutes_setting(auth: AuthService) -> None:
    assert auth.idle_lock_minutes() == 15
    auth.set_idle_lock_minutes(5)
    assert auth.idle_lock_minutes() == 5
    with pytest.raises(DomainError):
        auth.set_idle_lock_minutes(0)


def test_short_password_refused(auth: AuthService) -> None:
    with pytest.raises(DomainError) as error:
        auth.create_staff("x1", "某人", "123")
    assert "至少" in error.value.user_message


def test_an_account_the_centre_reset_sets_its_own_password_first(
    reference: SqliteReferenceStore, auth: AuthService
) -> None:
    from dataclasses import replace

    record = auth.create_staff("sunli", "孙莉", "reset-by-centre", ("window",))
    reference.save_staff(replace(record, must_change_password=True))
    assert auth.login("sunli", "reset-by-centre").must_change_password
    with pytest.raises(DomainError, match="equals"):
        auth.change_password("sunli", "reset-by-centre", "reset-by-centre")
    auth.change_password("sunli", "reset-by-centre", "only-mine-1")
    assert not auth.login("sunli", "only-mine-1").must_change_password
    with pytest.raises(LoginFailed):
        auth.login("sunli", "reset-by-centre")
