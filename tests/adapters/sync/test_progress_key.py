"""A registered station prints the check codes the centre's progress page accepts (issue 22)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.adapters.sync.helpers import MemoryKeyring, make_station
from tests.centre_cases import login_in_role
from zhanhe_counter.adapters.centre.progress_source import PostgresProgressSource
from zhanhe_counter.adapters.printing.settings_file import (
    load_document_settings,
    shipped_settings_path,
)
from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.domain.case_number import CaseNumberKind, make_case_number
from zhanhe_counter.domain.check_code import verify_check_code
from zhanhe_counter.services.progress_link import (
    PROGRESS_KEY_SETTING,
    ProgressLinks,
    ensure_local_check_key,
)


def test_sync_replaces_a_local_key_with_the_centres(
    central_url: str, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    pc = make_station(central_url, tmp_path)
    settings = SqliteReferenceStore(pc.engine)
    ensure_local_check_key(settings)  # as if printed before its first sync
    local = settings.get_setting(PROGRESS_KEY_SETTING)
    try:
        assert pc.run().ok
        stored = settings.get_setting(PROGRESS_KEY_SETTING)
        assert stored != local
        links = ProgressLinks(load_document_settings(shipped_settings_path(demo=True)), settings)
        number = make_case_number("41041101", CaseNumberKind.RECEIPT, date(2026, 12, 1), 3)
        url = links.url("QZX", number)
        assert url is not None
        code = url.rsplit("c=", 1)[1]
        # The key the progress page itself reads, over its own read-only login.
        source = PostgresProgressSource(login_in_role(central_url, "zhanhe_progress"))
        try:
            centre_key = source.check_key()
        finally:
            source.close()
        assert bytes.fromhex(str(stored)) == centre_key
        assert verify_check_code(centre_key, number, code)
    finally:
        pc.dispose()
