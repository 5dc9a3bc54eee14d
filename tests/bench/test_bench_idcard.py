"""Card present → record ready through the simulator with zero device latency, per read.

Floor, measured in the same run: only parsing the same response frames (find, select, 30 01,
30 03) and the text block, with no session, transport or simulator around them.
"""

from __future__ import annotations

import time
from datetime import date

import pytest

from zhanhe_counter.adapters.idcard.frames import Command, FrameParser, build_command
from zhanhe_counter.adapters.idcard.session import split_base_read
from zhanhe_counter.adapters.idcard.simulator import SimulatedSam, sample_cards, simulated_reader
from zhanhe_counter.adapters.idcard.text_block import parse_text_block
from zhanhe_counter.services.ports.idcard import CardType

READS = 300


def _best_of(runs: int, action: object) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.bench
def test_bench_card_present_to_record_ready():
    card = sample_cards()[CardType.RESIDENT]
    sam = SimulatedSam(card)
    reader = simulated_reader(sam)
    reader.open()
    today = date(2025, 1, 1)
    answers = [
        sam.handle(build_command(command))
        for command in (
            Command.FIND_CARD,
            Command.SELECT_CARD,
            Command.READ_BASE,
            Command.READ_APPENDED_ADDRESS,
        )
    ]

    def through_simulator() -> None:
        for _ in range(READS):
            assert reader.card_present()
            reader.read_card()

    def parse_only() -> None:
        for _ in range(READS):
            parser = FrameParser()
            frames = [parser.feed(answer)[0] for answer in answers]
            base = split_base_read(frames[2].data, with_fingerprint=False)
            address = frames[3].data.decode("utf-16-le").rstrip()
            parse_text_block(base.text, today=today, photo_wlt=base.photo, appended_address=address)

    full = _best_of(5, through_simulator) / READS
    floor = _best_of(5, parse_only) / READS
    record = reader.read_card()
    assert record.name == "演示用户"
    print(
        f"\nBENCH idcard_read_us per_read={full * 1e6:.1f}us floor_parse={floor * 1e6:.1f}us "
        f"ratio={full / floor:.2f} vs parsing the same frames"
    )
