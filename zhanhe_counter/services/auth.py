"""Staff login (工作人员登录): argon2 hashes stored on this PC, so logins work offline.

Decisions:
- One message for an unknown account and a wrong password, so the login box does not reveal
  which staff ids exist.
- ``max_failures`` wrong passwords in a row lock the account for ``lock_minutes``; the count is
  stored, so restarting the client does not reset it. A correct password resets it.
- A hash made with weaker parameters is replaced on the next successful login.
- The idle auto-lock is the UI's job; the number of minutes is a setting of this PC
  (``IDLE_LOCK_SETTING``), read and written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.password_relay import queue_password_change
from zhanhe_counter.services.ports import Clock
from zhanhe_counter.services.ports.security import PasswordHasher
from zhanhe_counter.services.ports.storage import ReferenceStore, StaffRecord
from zhanhe_counter.services.station import Staff

DEFAULT_MAX_FAILURES = 5
DEFAULT_LOCK_MINUTES = 15
DEFAULT_IDLE_LOCK_MINUTES = 15
IDLE_LOCK_SETTING = "ui.idle_lock_minutes"
MIN_PASSWORD_LENGTH = 6


class LoginFailed(DomainError):
    """登录失败: wrong account or password, a locked or disabled account."""


class AccountLocked(LoginFailed):
    """账号已锁定 after too many wrong passwords."""

    def __init__(self, staff_id: str, until: datetime) -> None:
        local = until.astimezone()
        super().__init__(
            f"account {staff_id} locked until {until.isoformat()}",
            f"密码错误次数过多，账号已锁定，请于 {local:%H:%M} 后再试或联系管理员。",
        )
        self.until = until


@dataclass(frozen=True, slots=True)
class LoginSession:
    """An open login (登录会话): who works at this window, with which roles."""

    staff: Staff
    roles: tuple[str, ...]
    started_at: datetime
    #: The bureau created or reset the account: a new password before work starts.
    must_change_password: bool = False

    def has_role(self, role: str) -> bool:
        return role in self.roles


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class AuthService:
    """登录服务."""

    def __init__(
        self,
        reference: ReferenceStore,
        hasher: PasswordHasher,
        clock: Clock,
        *,
        max_failures: int = DEFAULT_MAX_FAILURES,
        lock_minutes: int = DEFAULT_LOCK_MINUTES,
        accounts_stale: Callable[[], str | None] | None = None,
    ) -> None:
        if max_failures < 1 or lock_minutes < 1:
            raise ValueError("max_failures and lock_minutes must be >= 1")
        #: Why no account can be trusted now (a registered PC offline past its limit), or None.
        self._accounts_stale = accounts_stale
        self._reference = reference
        self._hasher = hasher
        self._clock = clock
        self.max_failures = max_failures
        self.lock_minutes = lock_minutes

    # ------------------------------------------------------------------ accounts

    def create_staff(
        self, staff_id: str, name: str, password: str, roles: tuple[str, ...] = ("clerk",)
    ) -> StaffRecord:
        """Add or replace an account (the admin's and the demo's way in)."""
        staff_id = staff_id.strip()
        if not staff_id or not name.strip():
            raise DomainError("staff id and name are required", "工号和姓名不能为空。")
        _check_password(password)
        record = StaffRecord(
            staff_id=staff_id,
            name=name.strip(),
            roles=roles,
            password_hash=self._hasher.hash(password),
        )
        self._reference.save_staff(record)
        return record

    def change_password(self, staff_id: str, old_password: str, new_password: str) -> None:
        record = self._check(staff_id, old_password)
        _check_password(new_password)
        if new_password == old_password:
            raise DomainError("new password equals the old one", "新密码不能与原密码相同。")
        new_hash = self._hasher.hash(new_password)
        self._reference.save_staff(
            replace(record, password_hash=new_hash, must_change_password=False)
        )
        # To the centre at the next sync, so the new password works at every counter.
        queue_password_change(self._reference, record.staff_id, record.password_hash, new_hash)

    def has_accounts(self) -> bool:
        return any(s.active for s in self._reference.all_staff())

    # ------------------------------------------------------------------ login

    def login(self, staff_id: str, password: str) -> LoginSession:
        """Check the password and open a session; raises :class:`LoginFailed`."""
        record = self._check(staff_id.strip(), password)
        return LoginSession(
            staff=Staff(staff_id=record.staff_id, name=record.name),
            roles=record.roles,
            started_at=self._clock.now(),
            must_change_password=record.must_change_password,
        )

    def unlock(self, session: LoginSession, password: str) -> LoginSession:
        """Unlock after the idle lock: the same clerk's password; the lockout rules apply."""
        self._check(session.staff.staff_id, password)
        return session

    def _check(self, staff_id: str, password: str) -> StaffRecord:
        record = self._reference.staff(staff_id) if staff_id else None
        if record is None or not record.active:
            raise LoginFailed(f"unknown or inactive account {staff_id!r}", "工号或密码不正确。")
        stale = self._accounts_stale() if self._accounts_stale is not None else None
        if stale is not None:
            raise LoginFailed(f"staff list past the offline limit; {staff_id} refused", stale)
        now = self._clock.now()
        if record.locked_until is not None and _as_utc(record.locked_until) > now:
            raise AccountLocked(staff_id, _as_utc(record.locked_until))
        if not self._hasher.verify(record.password_hash, password):
            failures = record.failed_logins + 1
            lock_until = (
                now + timedelta(minutes=self.lock_minutes)
                if failures >= self.max_failures
                else None
            )
            self._reference.record_login_failure(staff_id, lock_until)
            if lock_until is not None:
                raise AccountLocked(staff_id, lock_until)
            left = self.max_failures - failures
            raise LoginFailed(
                f"wrong password for {staff_id} ({failures} failures)",
                f"工号或密码不正确，再错 {left} 次账号将被锁定。",
            )
        if record.failed_logins or record.locked_until is not None:
            self._reference.record_login_success(staff_id)
        if self._hasher.needs_rehash(record.password_hash):
            self._reference.save_staff(
                replace(
                    record,
                    password_hash=self._hasher.hash(password),
                    failed_logins=0,
                    locked_until=None,
                )
            )
        return record

    # ------------------------------------------------------------------ idle lock setting

    def idle_lock_minutes(self) -> int:
        value = self._reference.get_setting(IDLE_LOCK_SETTING, DEFAULT_IDLE_LOCK_MINUTES)
        return value if isinstance(value, int) and value > 0 else DEFAULT_IDLE_LOCK_MINUTES

    def set_idle_lock_minutes(self, minutes: int) -> None:
        if not 1 <= minutes <= 240:
            raise DomainError(
                f"idle lock minutes out of range: {minutes}", "自动锁屏时间应在 1 到 240 分钟之间。"
            )
        self._reference.set_setting(IDLE_LOCK_SETTING, minutes)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("password too short", f"密码至少 {MIN_PASSWORD_LENGTH} 位。")
