"""The applicant's consent to SMS notices, asked at intake, travels with the RECEIVED event."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.services.test_intake import _request, station
from zhanhe_counter.composition import Station
from zhanhe_counter.domain import payloads
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.events import EventKind

station = station  # noqa: PLW0127 - the intake tests' station, as a fixture here


@pytest.mark.parametrize("consent", [True, False])
def test_consent_is_recorded_with_the_received_event(station: Station, consent: bool) -> None:
    request = replace(_request(station, "ZH-005"), sms_consent=consent)
    committed = station.intake.commit(request)
    [received] = [e for e in committed.events if e.kind is EventKind.RECEIVED]
    assert ("sms_consent" in received.payload) is consent
    assert payloads.Received.from_payload(received.payload).sms_consent is consent


def test_an_older_event_without_the_field_means_no_consent() -> None:
    payload = payloads.Received(
        case_number="41041101S202611260007K",
        matter_id="M",
        applicant=Applicant(Person(name="张三")),
        materials=[],
        flow=payloads.ServiceFlow.RECEIVE_ONLY,
        promised_due=None,
    ).to_payload()
    assert "sms_consent" not in payload  # written only when given
    assert payloads.Received.from_payload(payload).sms_consent is False
    payload["sms_consent"] = "yes"
    with pytest.raises(payloads.InvalidPayload, match="sms_consent"):
        payloads.Received.from_payload(payload)
