"""A simulated provincial 好差评 system (模拟省好差评系统): a journal of the records it received.

It checks what the real interface requires (``version``, ``projNo``, ``evaluateId``, a level of
1–5) and refuses a record without it for good, as the province would.
"""

from __future__ import annotations

from pathlib import Path

from zhanhe_counter.adapters.outbound_journal import JsonLinesJournal
from zhanhe_counter.services.ports.outbound import GatewayRejected, OutboundMessage, Receipt

REQUIRED = ("version", "evaluateId", "projNo", "serviceCode", "evaluateLevel", "evaluateTime")


class SimulatedProvince:
    """``Gateway`` for 好差评 records, journalled in ``folder/province.jsonl``."""

    def __init__(self, folder: Path) -> None:
        self.journal = JsonLinesJournal(folder / "province.jsonl")

    def send(self, message: OutboundMessage) -> Receipt:
        record = dict(message.payload)
        missing = [name for name in REQUIRED if record.get(name) in (None, "")]
        if missing:
            raise GatewayRejected(
                f"province record lacks {missing}", f"好差评数据缺少必填项：{'、'.join(missing)}"
            )
        if record.get("evaluateLevel") not in (1, 2, 3, 4, 5):
            raise GatewayRejected("bad level", "好差评等级应为1–5")
        remote = f"hcp-{record['evaluateId']}"
        self.journal.append({"key": message.key, "remote_id": remote, "record": record})
        return Receipt(remote)

    def find(self, message: OutboundMessage) -> Receipt | None:
        found = self.journal.find(message.key)
        return Receipt(str(found["remote_id"])) if found else None
