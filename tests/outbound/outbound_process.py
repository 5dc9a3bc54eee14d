"""The outbox runner in its own process, so a test can SIGKILL it anywhere (kill -9).

``python -m tests.outbound.outbound_process URL SMS_ENDPOINT FOLDER`` scans and sends in a loop
through the HTTP SMS adapter (to the loopback provider) and a province simulator that, now and
then, fails before taking a record or takes it and loses the answer.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from tests.outbound.fake_aliyun import ACCESS_KEY_ID, ACCESS_KEY_SECRET
from zhanhe_counter.adapters.centre.outbound_store import PostgresOutboundStore
from zhanhe_counter.adapters.clock import SystemClock
from zhanhe_counter.adapters.province.simulator import SimulatedProvince
from zhanhe_counter.adapters.sms.aliyun import AliyunSmsConfig, AliyunSmsGateway
from zhanhe_counter.services.notices import TEMPLATES
from zhanhe_counter.services.outbound import OutboundScanner, OutboundSender, OutboundSettings
from zhanhe_counter.services.ports.outbound import (
    Channel,
    Gateway,
    GatewayUnavailable,
    OutboundMessage,
    Receipt,
)


class FlakyProvince(SimulatedProvince):
    """The simulator behind a bad link: refuses now and then, or takes and loses the answer."""

    def send(self, message: OutboundMessage) -> Receipt:
        roll = random.random()
        if roll < 0.15:
            raise GatewayUnavailable("province down", "省好差评系统暂时无法连接")
        receipt = super().send(message)
        if roll < 0.3:
            raise GatewayUnavailable("answer lost", "省好差评系统答复超时")
        return receipt


def main() -> None:
    url, endpoint, folder = sys.argv[1:4]
    store = PostgresOutboundStore(url)
    scanner = OutboundScanner(store, OutboundSettings(check_key=store.check_key()), page_size=15)
    sms = AliyunSmsGateway(
        AliyunSmsConfig(
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            sign_name="湛河区政务服务",
            templates={kind: f"SMS_{n}" for n, kind in enumerate(TEMPLATES, 1)},
            endpoint=endpoint,
            timeout_seconds=2,
        )
    )
    gateways: dict[Channel, Gateway] = {
        Channel.SMS: sms,
        Channel.PROVINCE: FlakyProvince(Path(folder)),
    }
    sender = OutboundSender(
        store,
        gateways,
        SystemClock(),
        batch=4,
        lease_seconds=1.0,
        first_retry_seconds=0.2,
        max_attempts=50,
    )
    print("ready", flush=True)
    while True:
        scanner.run_once()
        sender.run_once()
        time.sleep(0.02)


if __name__ == "__main__":
    main()
