"""The simulated SMS platform and provincial system: durable journals, real refusals."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from zhanhe_counter.adapters.outbound_journal import JsonLinesJournal
from zhanhe_counter.adapters.province.simulator import SimulatedProvince
from zhanhe_counter.adapters.sms.simulator import SimulatedSmsGateway
from zhanhe_counter.services.ports.outbound import Channel, GatewayRejected, OutboundMessage


def message(channel: Channel, payload: dict[str, object]) -> OutboundMessage:
    return OutboundMessage(
        key=f"k:{uuid.uuid4()}",
        channel=channel,
        kind="x",
        case_id=uuid.uuid4(),
        payload=payload,
        attempts=1,
        in_doubt=False,
    )


def test_the_sms_simulator_renders_the_template_and_masks_the_phone(tmp_path: Path) -> None:
    sms = SimulatedSmsGateway(tmp_path)
    sent = message(
        Channel.SMS,
        {
            "phone": "13837512345",
            "template": "rating_invite",
            "params": {"no": "N1", "link": "https://x/q"},
        },
    )
    receipt = sms.send(sent)
    assert sms.find(sent) == receipt
    [record] = sms.journal.records()
    assert record["text"] == "您的办件N1已办结，诚邀您对本次服务作出评价：https://x/q"
    assert record["phone"] == "138****2345"
    with pytest.raises(GatewayRejected) as caught:
        sms.send(message(Channel.SMS, {"phone": "1", "template": "nope"}))
    assert "模板" in caught.value.user_message


def test_the_province_simulator_refuses_an_incomplete_record(tmp_path: Path) -> None:
    province = SimulatedProvince(tmp_path)
    record = {
        "version": "2",
        "evaluateId": "e1",
        "projNo": "N1",
        "serviceCode": "C",
        "evaluateLevel": 5,
        "evaluateTime": "2026-11-26 10:00:00",
    }
    assert province.find(message(Channel.PROVINCE, record)) is None
    with pytest.raises(GatewayRejected) as caught:
        province.send(message(Channel.PROVINCE, {**record, "serviceCode": ""}))
    assert "serviceCode" in caught.value.user_message
    with pytest.raises(GatewayRejected) as caught:
        province.send(message(Channel.PROVINCE, {**record, "evaluateLevel": 9}))
    assert "等级" in caught.value.user_message
    sent = message(Channel.PROVINCE, record)
    assert province.send(sent).remote_id == "hcp-e1"


def test_a_line_torn_by_a_crash_is_not_a_record(tmp_path: Path) -> None:
    journal = JsonLinesJournal(tmp_path / "j.jsonl")
    assert journal.records() == []
    journal.append({"key": "a"})
    with journal.path.open("a", encoding="utf-8") as torn:
        torn.write('{"key": "b", "te')
    assert journal.records() == [{"key": "a"}]
    assert journal.find("b") is None
