"""The counter's production reader from reader.toml, built the way ``main.py`` builds it.

End to end: a fake SAM process on a pty pair (as in ``tests/adapters/idcard/test_serial_pty``),
a fake vendor photo library compiled with gcc, ``reader.toml`` naming both, the main window.
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.adapters.idcard import devices
from tests.ui.conftest import CLERK, NOW
from zhanhe_counter.adapters.idcard.reader_config import READER_CONFIG_FILENAME
from zhanhe_counter.main import configured_reader
from zhanhe_counter.services.auth import LoginSession
from zhanhe_counter.services.ports.idcard import CardType, IdCardRecord, PhotoStatus
from zhanhe_counter.services.reader_service import ReaderSettings
from zhanhe_counter.ui.context import CounterContext
from zhanhe_counter.ui.main_window import MainWindow
from zhanhe_counter.ui.reader_bridge import ReaderBridge, photo_image

ROOT = Path(__file__).resolve().parents[2]
FAST = ReaderSettings(poll_interval=0.02, reconnect_interval=0.05)


pty_port = devices.pty_port
vendor_library = devices.vendor_library


def open_window(
    qtbot: QtBot,
    context: CounterContext,
    *,
    reader: ReaderBridge | None = None,
    reader_problem: str = "",
) -> MainWindow:
    session = LoginSession(staff=CLERK, roles=("window",), started_at=NOW)
    window = MainWindow(
        context,
        session,
        reader=reader,
        reader_problem=reader_problem,
        ask_unlock=lambda _w: True,
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_counter_reads_a_card_through_its_configured_serial_reader(
    qtbot: QtBot, tmp_path: Path, context: CounterContext, pty_port: str, vendor_library: str
):
    (tmp_path / READER_CONFIG_FILENAME).write_text(
        f'transport = "serial"\nport = "{pty_port}"\n'
        f'decoder_path = "{vendor_library}"\ndecoder_style = "unpack"\n',
        encoding="utf-8",
    )
    bridge, problem = configured_reader(tmp_path, settings=FAST)
    assert problem == ""
    assert isinstance(bridge, ReaderBridge)
    window = open_window(qtbot, context, reader=bridge)
    assert window.status.reader.text().startswith("读卡器连接中")
    records: list[IdCardRecord] = []
    bridge.recordRead.connect(records.append)
    try:
        with qtbot.waitSignal(bridge.recordRead, timeout=15000):
            bridge.start()  # as run_counter does after showing the window
        qtbot.waitUntil(lambda: "张三" in window.status.currentMessage(), timeout=5000)
    finally:
        bridge.stop()
        window.close()
    [record] = records
    assert record.source == "serial"
    assert record.card_type is CardType.RESIDENT
    assert record.id_number == "410411199001011237"
    assert record.appended_address == "平顶山市湛河区新地址"  # read_appended_address defaults on
    assert record.photo_status is PhotoStatus.DECODED  # through the configured vendor library
    photo = photo_image(record)
    # The fake paints the card's first WLT byte (0x42 from the fake SAM) and the row index.
    assert photo.pixelColor(0, 0).red() == 0x42
    assert [photo.pixelColor(0, y).green() for y in (0, 125)] == [0, 125]
    assert window.status.reader.text().startswith("读卡器<")  # connected: just the dot
    assert window.status.reader.toolTip() == "读卡器已连接"
    assert "410411********1237" in window.status.currentMessage()
    assert not bridge.running


def test_a_counter_without_reader_toml_says_it_has_no_reader(
    qtbot: QtBot, tmp_path: Path, context: CounterContext
):
    bridge, problem = configured_reader(tmp_path)
    assert (bridge, problem) == (None, "")
    window = open_window(qtbot, context, reader=bridge, reader_problem=problem)
    try:
        assert window.status.reader.text().startswith("未配置读卡器")
        assert "reader.toml" in window.status.reader.toolTip()
    finally:
        window.close()


def test_a_bad_reader_toml_opens_the_counter_and_says_why(
    qtbot: QtBot, tmp_path: Path, context: CounterContext
):
    (tmp_path / READER_CONFIG_FILENAME).write_text('transport = "serial"\n', encoding="utf-8")
    bridge, problem = configured_reader(tmp_path)
    assert bridge is None
    assert "reader.toml" in problem
    assert "port 必须填写" in problem
    window = open_window(qtbot, context, reader=bridge, reader_problem=problem)
    try:
        assert window.status.reader.text().startswith("读卡器配置错误")
        assert window.status.reader.toolTip() == problem
    finally:
        window.close()


def test_a_configured_reader_that_is_not_plugged_in_says_so(
    qtbot: QtBot, tmp_path: Path, context: CounterContext
):
    missing = tmp_path / "ttyUSB9"
    (tmp_path / READER_CONFIG_FILENAME).write_text(
        f'transport = "serial"\nport = "{missing}"\n', encoding="utf-8"
    )
    bridge, problem = configured_reader(tmp_path, settings=FAST)
    assert bridge is not None
    assert problem == ""
    window = open_window(qtbot, context, reader=bridge)
    try:
        bridge.start()
        qtbot.waitUntil(
            lambda: window.status.reader.text().startswith("读卡器未连接"), timeout=10000
        )
        assert "ttyUSB9" in window.status.reader.toolTip()
    finally:
        bridge.stop()
        window.close()
