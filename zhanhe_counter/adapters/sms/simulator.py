"""A simulated SMS gateway (模拟短信平台): writes each message to a journal instead of a phone.

Used by training, demos and the outbox tests. The phone number is kept masked in the journal:
a simulation has no reason to hold it.
"""

from __future__ import annotations

from pathlib import Path

from zhanhe_counter.adapters.outbound_journal import JsonLinesJournal
from zhanhe_counter.domain.masking import mask_phone
from zhanhe_counter.services.notices import TEMPLATES, render
from zhanhe_counter.services.ports.outbound import GatewayRejected, OutboundMessage, Receipt


class SimulatedSmsGateway:
    """``Gateway`` for SMS, journalled in ``folder/sms.jsonl``."""

    def __init__(self, folder: Path) -> None:
        self.journal = JsonLinesJournal(folder / "sms.jsonl")

    def send(self, message: OutboundMessage) -> Receipt:
        sms = message.sms()
        template = sms.template
        if template not in TEMPLATES:
            raise GatewayRejected(f"no template {template!r}", f"短信模板“{template}”不存在")
        text = render(template, sms.params)
        remote = f"sim-{message.key}"
        self.journal.append(
            {
                "key": message.key,
                "remote_id": remote,
                "phone": mask_phone(sms.phone),
                "template": template,
                "text": text,
            }
        )
        return Receipt(remote)

    def find(self, message: OutboundMessage) -> Receipt | None:
        record = self.journal.find(message.key)
        return Receipt(str(record["remote_id"])) if record else None
