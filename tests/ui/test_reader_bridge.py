from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from zhanhe_counter.adapters.idcard.simulator import SimulatedSam, sample_cards, simulated_reader
from zhanhe_counter.services.ports.idcard import CardType, IdCardRecord, PhotoStatus
from zhanhe_counter.services.reader_service import ReaderService, ReaderSettings
from zhanhe_counter.ui.reader_bridge import ReaderBridge, photo_image

FAST = ReaderSettings(poll_interval=0.002, reconnect_interval=0.002)


def test_signals_arrive_on_the_ui_thread(qtbot: QtBot):
    sam = SimulatedSam()
    bridge = ReaderBridge(ReaderService(simulated_reader(sam), settings=FAST))
    threads: list[object] = []
    records: list[IdCardRecord] = []
    bridge.recordRead.connect(
        lambda r: (records.append(r), threads.append(QThread.currentThread()))
    )
    bridge.start()
    try:
        with qtbot.waitSignal(bridge.readerStatusChanged, timeout=10000) as status:
            pass
        assert status.args == ["connected"]
        with qtbot.waitSignal(bridge.recordRead, timeout=10000):
            sam.insert(sample_cards()[CardType.RESIDENT])
        with qtbot.waitSignal(bridge.cardRemoved, timeout=10000):
            sam.remove()
        with qtbot.waitSignal(bridge.errorOccurred, timeout=10000) as error:
            sam.unplug()
        assert "阅读器" in error.args[0]
    finally:
        bridge.stop()
    assert not bridge.running
    assert [r.name for r in records] == ["演示用户"]
    assert threads == [bridge.thread()]
    assert not [t for t in threading.enumerate() if t.name == "id-card-reader"]


def test_forget_last_card_lets_the_same_card_fill_in_again(qtbot: QtBot):
    card = sample_cards()[CardType.RESIDENT]
    sam = SimulatedSam(card)
    bridge = ReaderBridge(ReaderService(simulated_reader(sam), settings=FAST))
    bridge.start()
    try:
        with qtbot.waitSignal(bridge.recordRead, timeout=10000):
            pass
        with qtbot.waitSignal(bridge.cardRemoved, timeout=10000):
            sam.remove()
        bridge.forget_last_card()
        with qtbot.waitSignal(bridge.recordRead, timeout=10000):
            sam.insert(card)
    finally:
        bridge.stop()


def test_photo_placeholder_and_decoded_photo(qtbot: QtBot):
    from zhanhe_counter.adapters.idcard.photo import PIXEL_BYTES, pixels_to_bmp
    from zhanhe_counter.adapters.idcard.text_block import parse_text_block

    record = parse_text_block(sample_cards()[CardType.RESIDENT].text, photo_wlt=bytes(1024))
    placeholder = photo_image(record)
    assert (placeholder.width(), placeholder.height()) == (102, 126)
    assert record.photo_status is PhotoStatus.NO_DECODER
    red = bytes([255, 0, 0]) * (PIXEL_BYTES // 3)
    decoded = record.__class__(
        **{**record.__dict__, "photo_bmp": pixels_to_bmp(red), "photo_status": PhotoStatus.DECODED}
    )
    image = photo_image(decoded)
    assert (image.width(), image.height()) == (102, 126)
    assert image.pixelColor(0, 0).red() == 255
    assert image.pixelColor(0, 0).blue() == 0
    broken = record.__class__(
        **{**record.__dict__, "photo_bmp": b"BMxx", "photo_status": PhotoStatus.DECODED}
    )
    assert photo_image(broken).size() == placeholder.size()
