"""材料影像 events: kept with the case in every state, moving nothing, their pages checked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.domain.test_case import event, run
from zhanhe_counter.domain import payloads as p
from zhanhe_counter.domain.case import apply, may_record
from zhanhe_counter.domain.events import EventKind

K = EventKind
PAGE = p.MaterialPage("c" * 64, 2048)


def captured(**fields: Any) -> p.MaterialCaptured:
    values: dict[str, Any] = {"material_id": "m1", "name": "身份证", "pages": (PAGE, PAGE)}
    return p.MaterialCaptured(**(values | fields))


def test_a_capture_follows_a_closed_case_and_moves_nothing() -> None:
    before = run(K.RECEIVED, K.WITHDRAWN)
    capture = event(K.MATERIAL_CAPTURED, payload=captured().to_payload())
    after = apply(before, capture)
    assert after.attachments == (capture,)
    assert (after.status, after.timeline, after.last_event_at) == (
        before.status,
        before.timeline,
        before.last_event_at,
    )
    assert after.event_count == before.event_count + 1
    assert K.MATERIAL_CAPTURED.is_attachment
    assert not K.MATERIAL_CAPTURED.is_audit
    assert K.MATERIAL_CAPTURED.label == "采集材料影像"
    assert not may_record(None, K.MATERIAL_CAPTURED)


def test_the_record_round_trips_with_its_counts() -> None:
    record = captured(source="camera")
    payload = record.to_payload()
    assert (payload["page_count"], payload["total_size"]) == (2, 4096)
    assert p.read_payload(K.MATERIAL_CAPTURED, payload) == record
    assert (record.page_count, record.total_size) == (2, 4096)


@pytest.mark.parametrize(
    ("pages", "field"),
    [
        ((), "pages"),
        ((p.MaterialPage("C" * 64, 1),), "pages[0].sha256"),
        ((PAGE, p.MaterialPage("d" * 64, 0)), "pages[1].size"),
        ((p.MaterialPage("d" * 64, True),), "pages[0].size"),
    ],
)
def test_bad_pages_are_refused(pages: tuple[p.MaterialPage, ...], field: str) -> None:
    with pytest.raises(p.InvalidPayload) as info:
        captured(pages=pages)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("pages", "field"), [("x", "pages"), (["x"], "pages[0]"), ([{"sha256": 1}], "pages[0].sha256")]
)
def test_a_malformed_payload_is_refused(pages: object, field: str) -> None:
    payload = captured().to_payload() | {"pages": pages}
    with pytest.raises(p.InvalidPayload) as info:
        p.read_payload(K.MATERIAL_CAPTURED, payload)
    assert info.value.field == field


def test_a_signed_document_record_round_trips_and_checks_its_hashes() -> None:
    record = p.DocumentSigned("gaozhi_pledge", "a" * 64, 1234, "b" * 64)
    assert p.read_payload(K.DOCUMENT_SIGNED, record.to_payload()) == record
    assert K.DOCUMENT_SIGNED.is_attachment
    for fields, field in (
        ({"sha256": "x"}, "sha256"),
        ({"signature_sha256": "A" * 64}, "signature_sha256"),
        ({"size": 0}, "size"),
        ({"size": True}, "size"),
    ):
        values: dict[str, Any] = {
            "document": "gaozhi_pledge",
            "sha256": "a" * 64,
            "size": 1,
            "signature_sha256": "b" * 64,
        } | fields
        with pytest.raises(p.InvalidPayload) as info:
            p.DocumentSigned(**values)
        assert info.value.field == field
