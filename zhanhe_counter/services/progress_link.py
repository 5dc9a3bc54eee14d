"""The progress link (查询链接) printed as a QR code and URL on every document of a case.

The hall's ``progress_url`` setting is a template: ``{case_no}`` becomes the case number and
``{check_code}`` the case's check code (查询码, :mod:`zhanhe_counter.domain.check_code`), e.g.
``https://zwfw.zhanhe.gov.cn/q?no={case_no}&c={check_code}``. The code needs the check-code
key, kept in this PC's settings under ``PROGRESS_KEY_SETTING``: a registered station takes the
centre's key on every sync (so the progress page accepts what it prints); a station that never
registered (the demo) makes its own key once and keeps it.

This is the one place the link is made: the documents service and the receipt's QR code both
read it, so they can never disagree, and no document prints a literal ``{check_code}``.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, Protocol

from zhanhe_counter.domain.check_code import MIN_KEY_BYTES, check_code
from zhanhe_counter.domain.document_settings import DocumentSettings
from zhanhe_counter.domain.errors import DomainError

log = logging.getLogger(__name__)

#: Station setting: the check-code key as hex (the centre's, or this PC's own before it has one).
PROGRESS_KEY_SETTING = "progress_check_key"


class SettingsStore(Protocol):
    """This PC's settings (the part the progress link reads and writes)."""

    def get_setting(self, key: str, default: Any = None) -> Any: ...

    def set_setting(self, key: str, value: Any) -> None: ...


def ensure_local_check_key(settings: SettingsStore) -> None:
    """Give a station without a key one of its own, once; an existing key is kept."""
    if not settings.get_setting(PROGRESS_KEY_SETTING):
        settings.set_setting(PROGRESS_KEY_SETTING, secrets.token_hex(32))


class ProgressLinks:
    """The progress URL of a case at a hall (``None``: no page configured, or no key yet)."""

    def __init__(self, settings: DocumentSettings, store: SettingsStore | None = None) -> None:
        self._settings = settings
        self._store = store

    def check_key(self) -> bytes | None:
        value = self._store.get_setting(PROGRESS_KEY_SETTING) if self._store else None
        try:
            key = bytes.fromhex(str(value)) if value else b""
        except ValueError:
            key = b""
        return key if len(key) >= MIN_KEY_BYTES else None

    def url(self, hall_id: str, case_no: str) -> str | None:
        template = self._settings.optional(f"hall.{hall_id}.progress_url")
        if not template:
            return None
        url = template.replace("{case_no}", case_no)
        if "{check_code}" not in url:
            return url
        key = self.check_key()
        if key is None or not case_no:
            # Better no QR code than one the page refuses; the bar code still prints.
            log.warning("no check code for %r (no key on this station)", case_no)
            return None
        try:
            code = check_code(key, case_no)
        except DomainError:
            log.warning("no check code for malformed case number %r", case_no)
            return None
        return url.replace("{check_code}", code)
