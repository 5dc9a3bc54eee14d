"""The HTTP SMS adapter against a loopback stand-in of the provider: signing, answers, faults."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator

import pytest

from tests.outbound.fake_aliyun import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    RunningFake,
    expected_signature,
    start_fake,
)
from zhanhe_counter.adapters.sms.aliyun import AliyunSmsConfig, AliyunSmsGateway, signature
from zhanhe_counter.services.ports.outbound import (
    Channel,
    GatewayRejected,
    GatewayUnavailable,
    OutboundMessage,
)

TEMPLATES = {"accepted": "SMS_100001", "result_ready": "SMS_100003"}


@pytest.fixture
def fake() -> Iterator[RunningFake]:
    running = start_fake()
    yield running
    running.stop()


def gateway(
    endpoint: str, *, secret: str = ACCESS_KEY_SECRET, timeout: float = 5
) -> AliyunSmsGateway:
    return AliyunSmsGateway(
        AliyunSmsConfig(
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=secret,
            sign_name="湛河区政务服务",
            templates=TEMPLATES,
            endpoint=endpoint,
            timeout_seconds=timeout,
        )
    )


def message(phone: str = "13837512345", template: str = "accepted") -> OutboundMessage:
    return OutboundMessage(
        key=f"sms:{template}:{uuid.uuid4()}",
        channel=Channel.SMS,
        kind=template,
        case_id=uuid.uuid4(),
        payload={
            "phone": phone,
            "template": template,
            "params": {"no": "41041101S202611260007K", "matter": "个体工商户设立登记 *~"},
        },
        attempts=1,
        in_doubt=False,
    )


def test_signature_matches_an_independent_implementation() -> None:
    params = {"A": "a b*c~", "TemplateParam": '{"no":"湛河"}', "Z": "1/2"}
    assert signature(params, ACCESS_KEY_SECRET) == expected_signature(params)


def test_send_is_signed_and_carries_the_key_as_out_id(fake: RunningFake) -> None:
    sms = message()
    receipt = gateway(fake.endpoint).send(sms)
    assert receipt.remote_id.startswith("biz")
    assert fake.state.bad_signatures == 0
    [sent] = fake.state.accepted
    assert sent["OutId"] == sms.key
    assert sent["TemplateCode"] == "SMS_100001"
    assert sent["SignName"] == "湛河区政务服务"
    assert sent["PhoneNumbers"] == "13837512345"


def test_a_wrong_secret_is_retried_not_dropped(fake: RunningFake) -> None:
    with pytest.raises(GatewayUnavailable):
        gateway(fake.endpoint, secret="wrong").send(message())
    assert fake.state.bad_signatures == 1
    assert fake.state.accepted == []


def test_an_illegal_number_is_refused_for_good(fake: RunningFake) -> None:
    with pytest.raises(GatewayRejected) as caught:
        gateway(fake.endpoint).send(message(phone="0375123"))
    assert "非法手机号" in caught.value.user_message


def test_a_template_without_code_is_refused_for_good(fake: RunningFake) -> None:
    with pytest.raises(GatewayRejected):
        gateway(fake.endpoint).send(message(template="rating_invite"))
    assert fake.state.send_calls == 0


@pytest.mark.parametrize("fault", ["refuse_500", "throttle", "accept_then_500", "accept_then_drop"])
def test_passing_errors_are_retryable(fake: RunningFake, fault: str) -> None:
    fake.state.choose_fault = lambda _a: fault
    with pytest.raises(GatewayUnavailable):
        gateway(fake.endpoint).send(message())


def test_find_sees_an_accepted_send_whose_answer_was_lost(fake: RunningFake) -> None:
    sms = message()
    sms_gateway = gateway(fake.endpoint)
    assert sms_gateway.find(sms) is None
    fake.state.choose_fault = lambda a: "accept_then_drop" if a == "SendSms" else "ok"
    with pytest.raises(GatewayUnavailable):
        sms_gateway.send(sms)
    fake.state.choose_fault = lambda _a: "ok"
    found = sms_gateway.find(sms)
    assert found is not None
    assert found.remote_id.startswith("13837512345@")
    assert sms_gateway.find(message()) is None  # another key to the same phone


def test_find_pages_through_a_busy_number(fake: RunningFake) -> None:
    sms_gateway = gateway(fake.endpoint)
    sent = [message() for _ in range(60)]
    for sms in sent:
        sms_gateway.send(sms)
    assert sms_gateway.find(sent[-1]) is not None  # on the second page of 50


def test_unreachable_and_silent_providers_are_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(GatewayUnavailable):
        gateway(f"http://127.0.0.1:{closed}/").send(message())
    # A provider that takes the connection and never answers: the timeout ends the wait.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        with pytest.raises(GatewayUnavailable):
            gateway(f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=0.5).send(message())
    finally:
        silent.close()


def test_a_non_json_answer_is_retryable() -> None:
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Html(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html>gateway</html>")

        def log_message(self, *_a: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Html)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        with pytest.raises(GatewayUnavailable):
            gateway(f"http://127.0.0.1:{server.server_address[1]}/").send(message())
    finally:
        thread.join(timeout=5)
        server.server_close()
