"""A password a person changes at this counter goes to the centre (密码变更上报).

The change is saved on this PC at once (the login works offline) and queued in a setting of
this PC; after each sync session the queue is sent, one call per person
(``change_staff_password`` at the centre, docs/governance.md, Staff accounts). The centre's
staff feed then brings the new hash to every other counter at its next pull.

Decisions:
- One entry per person: a second change before the first was sent keeps the first old hash (the
  one the centre knows) and the newest new hash.
- The centre answers ``stale`` when its password changed meanwhile (a reset of an account that
  need not change it): the counter's change is dropped, and the centre's hash arrives by pull.
- A failure to reach the centre keeps the queue for the next session; never raises.
"""

from __future__ import annotations

import logging
from typing import Protocol

from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.services.ports.storage import ReferenceStore

log = logging.getLogger(__name__)

#: The setting of this PC holding the changes not yet at the centre: {staff_id: {old, new}}.
PENDING_SETTING = "auth.password_changes_to_send"


class _Session(Protocol):
    @property
    def ok(self) -> bool: ...


class _WorkerState(Protocol):
    """What the relay reads of the sync worker's ``WorkerSnapshot``."""

    @property
    def syncing(self) -> bool: ...

    @property
    def last_report(self) -> _Session | None: ...


class PasswordChannel(Protocol):
    """The centre's side: ``changed``, ``stale`` or ``unknown``; raises ``SyncError``."""

    def send(self, staff_id: str, old_hash: str, new_hash: str) -> str: ...


def queue_password_change(
    reference: ReferenceStore, staff_id: str, old_hash: str, new_hash: str
) -> None:
    pending = dict(reference.get_setting(PENDING_SETTING) or {})
    first_old = dict(pending.get(staff_id) or {}).get("old", old_hash)
    pending[staff_id] = {"old": first_old, "new": new_hash}
    reference.set_setting(PENDING_SETTING, pending)


def pending_changes(reference: ReferenceStore) -> dict[str, dict[str, str]]:
    return dict(reference.get_setting(PENDING_SETTING) or {})


class PasswordRelay:
    """Sends the queued password changes (``after_session`` listens to the sync worker)."""

    def __init__(self, reference: ReferenceStore, channel: PasswordChannel) -> None:
        self._reference = reference
        self._channel = channel

    def after_session(self, snapshot: _WorkerState) -> None:
        report = snapshot.last_report
        if not snapshot.syncing and report is not None and report.ok:
            self.send_pending()

    def send_pending(self) -> int:
        """Send the queue; how many the centre took."""
        taken = 0
        for staff_id, change in pending_changes(self._reference).items():
            try:
                answer = self._channel.send(staff_id, change["old"], change["new"])
            except DomainError as error:  # SyncError: the centre is away, try next session
                log.warning("password change of %s not sent: %s", staff_id, error)
                return taken
            if answer == "changed":
                taken += 1
            else:
                log.warning("centre answered %s to the password change of %s", answer, staff_id)
            self._forget(staff_id, change["new"])
        return taken

    def _forget(self, staff_id: str, sent_hash: str) -> None:
        # Re-read: the clerk may have changed it again while the call ran.
        pending = pending_changes(self._reference)
        if dict(pending.get(staff_id) or {}).get("new") == sent_hash:
            del pending[staff_id]
            self._reference.set_setting(PENDING_SETTING, pending)
