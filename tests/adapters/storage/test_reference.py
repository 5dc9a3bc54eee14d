from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from zhanhe_counter.adapters.storage.reference import SqliteReferenceStore
from zhanhe_counter.services.ports.storage import MatterRecord, StaffRecord, WindowRecord

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def test_catalogue_versions_are_kept_side_by_side(engine: sa.Engine) -> None:
    ref = SqliteReferenceStore(engine)
    assert ref.current_catalogue() is None
    assert ref.matters() == []
    ref.save_catalogue(
        "2026.1",
        [MatterRecord("M-1", "营业执照", "D-1", {"materials": ["申请书"]})],
        source="a.yaml",
        checksum="aa",
        imported_at=T0,
    )
    ref.save_catalogue(
        "2026.2",
        [
            MatterRecord("M-1", "营业执照（新）", "D-1", {}),
            MatterRecord("M-2", "食品经营许可", None, {}),
        ],
        source="b.yaml",
        checksum="bb",
        imported_at=T0 + timedelta(days=1),
    )
    current = ref.current_catalogue()
    assert current is not None
    assert (current.version, current.matter_count) == ("2026.2", 2)
    assert [v.version for v in ref.catalogue_versions()] == ["2026.1", "2026.2"]
    assert [m.matter_id for m in ref.matters()] == ["M-1", "M-2"]
    old = ref.matter("M-1", "2026.1")
    assert old is not None
    assert old.body == {"materials": ["申请书"]}
    assert ref.matter("M-2", "2026.1") is None
    # Re-importing a version replaces it instead of mixing old and new matters.
    ref.save_catalogue(
        "2026.1", [], source="c.yaml", checksum="cc", imported_at=T0, make_current=False
    )
    assert ref.matters("2026.1") == []
    current = ref.current_catalogue()
    assert current is not None
    assert current.version == "2026.2"


def test_staff_login_counters(engine: sa.Engine) -> None:
    ref = SqliteReferenceStore(engine)
    ref.save_staff(StaffRecord("clerk01", "刘芳", ("window", "delivery"), "$argon2id$x"))
    assert ref.record_login_failure("clerk01", None) == 1
    lock = T0 + timedelta(minutes=15)
    assert ref.record_login_failure("clerk01", lock) == 2
    stored = ref.staff("clerk01")
    assert stored is not None
    assert stored.roles == ("window", "delivery")
    assert (stored.failed_logins, stored.locked_until) == (2, lock)
    ref.record_login_success("clerk01")
    stored = ref.staff("clerk01")
    assert stored is not None
    assert (stored.failed_logins, stored.locked_until) == (0, None)
    assert ref.record_login_failure("nobody", None) == 0
    assert ref.staff("nobody") is None
    assert [s.staff_id for s in ref.all_staff()] == ["clerk01"]


def test_windows_departments_and_settings(engine: sa.Engine) -> None:
    ref = SqliteReferenceStore(engine)
    ref.save_window(WindowRecord("W01", "综合窗口1", "410411-01", True, ("M-1",)))
    ref.save_window(WindowRecord("W02", "出件窗口", "410411-02", False, ()))
    ref.save_window(WindowRecord("W01", "综合窗口一", "410411-01", False, ("M-1", "M-2")))
    assert [w.name for w in ref.windows()] == ["综合窗口一", "出件窗口"]
    [w01] = ref.windows("410411-01")
    assert (w01.can_accept, w01.matter_ids) == (False, ("M-1", "M-2"))
    ref.save_department("D-1", "市场监管局")
    ref.save_department("D-2", "已撤销的局", active=False)
    assert ref.departments() == {"D-1": "市场监管局"}
    assert ref.get_setting("station", "none") == "none"
    ref.set_setting("station", {"id": "410411-01", "code": "41041101"})
    ref.set_setting("station", {"id": "410411-02", "code": "41041102"})
    assert ref.get_setting("station") == {"id": "410411-02", "code": "41041102"}
