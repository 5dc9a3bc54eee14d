"""``zhanhe-counter``: the GUI entry point and composition root.

The only module that knows both sides: it builds the station (``composition``), picks the real
or simulated card reader, and hands everything to the UI.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zhanhe_counter.composition import Station
    from zhanhe_counter.services.ports.printing import RenderedDocument
    from zhanhe_counter.services.ports.security import PasswordHasher
    from zhanhe_counter.services.reader_service import ReaderSettings
    from zhanhe_counter.ui.context import CounterContext, DemoCard
    from zhanhe_counter.ui.reader_bridge import ReaderBridge

log = logging.getLogger("zhanhe_counter")

#: The demo clerk ``--smoke`` and ``--screenshot`` log in as (``composition.DEMO_STAFF[0]``,
#: ``DEMO_PASSWORD``; spelt out so the login dialog shows without importing the composition).
DEMO_LOGIN = ("zhangmin", "123456")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="zhanhe-counter", description="湛河区综合窗口客户端")
    parser.add_argument("--demo", action="store_true", help="演示模式：模拟读卡器和打印机")
    parser.add_argument("--data-dir", help="数据目录（也可用环境变量 ZHANHE_DATA_DIR）")
    parser.add_argument("--smoke", action="store_true", help="启动主窗口后立即退出（安装自检）")
    parser.add_argument("--screenshot", metavar="PNG", help="启动主窗口，截图保存后退出")
    return parser.parse_args(list(argv))


def run(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    data_dir = _data_dir(args)
    from zhanhe_counter.adapters.logging_setup import configure_logging

    # logs/zhanhe.log in the data folder at INFO, the console only from WARNING (a clerk starting
    # the demo sees the window, not Alembic's plugin list); ID and phone numbers masked.
    configure_logging(data_dir, level=logging.INFO, stderr_level=logging.WARNING)
    log.info("data folder: %s (demo=%s)", data_dir, args.demo)

    from zhanhe_counter.ui.app import create_application, show_startup_error
    from zhanhe_counter.ui.startup import DEMO_HINT, sign_in

    app = create_application([sys.argv[0]])
    _log_qt_messages()
    unattended = bool(args.smoke or args.screenshot)
    while True:
        # The login dialog shows now; the station is built behind it (``ui.startup``).
        signed = sign_in(
            app,
            partial(_open_counter, data_dir, demo=args.demo),
            lambda opened: opened.context.auth,
            hint=DEMO_HINT if args.demo else "",
            auto_login=DEMO_LOGIN if args.demo and unattended else None,
            hand_back=_needs_setup,
            smoke=args.smoke,
        )
        if signed.error is None or not _needs_setup(signed.error):
            break
        if not _run_first_setup(data_dir):  # never set up: the setup, then the login again
            return 1
    opened = signed.built
    if opened is None or signed.session is None:
        if opened is not None:
            opened.station.close()
        return 1 if signed.error is not None else 0  # 0: the clerk closed the login
    from zhanhe_counter.ui.launch import run_counter

    reader, cards = _demo_reader() if args.demo else (None, [])
    reader_problem = ""
    if not args.demo:
        reader, reader_problem = configured_reader(data_dir)
    opened.context.demo_cards = tuple(cards)
    try:
        return run_counter(
            app,
            opened.context,
            opened.hasher,
            signed.session,
            reader=reader,
            reader_problem=reader_problem,
            printed_documents=_simulated_output(data_dir) if args.demo else None,
            smoke=args.smoke,
            screenshot=Path(args.screenshot) if args.screenshot else None,
        )
    except Exception as error:  # the last line of defence: say it in Chinese, keep the log
        log.exception("counter window failed")
        show_startup_error(
            f"程序出现意外错误，已记录日志。请重新启动；如再次出现请联系管理员。\n{error}"
        )
        return 1
    finally:
        if reader is not None:
            reader.stop()
        opened.station.close()


@dataclass
class _Opened:
    """What the worker thread behind the login dialog builds (``_open_counter``)."""

    station: Station
    context: CounterContext
    hasher: PasswordHasher


def _open_counter(data_dir: Path, *, demo: bool) -> _Opened:
    """Build the station and the window's services; runs on the thread behind the login dialog.

    Also imports the main window's modules, so the window is built as soon as the clerk is in.
    """
    from zhanhe_counter.adapters.security import Argon2PasswordHasher
    from zhanhe_counter.adapters.sync.station_config import load_config
    from zhanhe_counter.composition import build_station
    from zhanhe_counter.ui.context import CounterContext

    # The start-up checks run once the main window shows (``ui.launch``), on its storage thread.
    station = build_station(data_dir, demo=demo, startup_checks=False)
    try:
        # A demo folder syncs only once registered with a centre (scripts/hall-demo.sh).
        if not demo or load_config(station.engine) is not None:
            from zhanhe_counter.adapters.secrets import KeyringSecretStore

            # Not registered yet: the counter works offline and the sync bar says why.
            station.start_sync(KeyringSecretStore())
        import zhanhe_counter.ui.launch  # noqa: F401  (the main window's modules, off the GUI thread)

        # Demo accounts (published password) are hashed and checked with the fast
        # parameters; a real station's with the full ones.
        hasher = Argon2PasswordHasher(fast=demo)
        context = CounterContext.from_station(station, hasher)
    except BaseException:
        station.close()
        raise
    return _Opened(station, context, hasher)


def _needs_setup(error: Exception) -> bool:
    """A PC never set up: the login waits for the first-run setup."""
    try:
        from zhanhe_counter.composition import StationSetupMissing
    except ImportError:  # the build failed on that very import
        return False

    return isinstance(error, StationSetupMissing)


def _log_qt_messages() -> None:
    """Qt's own warnings go to the developer log (and its redaction) instead of bare stderr."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)


def _run_first_setup(data_dir: Path) -> bool:
    from zhanhe_counter.composition import open_for_setup
    from zhanhe_counter.services.setup import SetupService
    from zhanhe_counter.ui.setup_dialog import SetupDialog

    reference, catalogue, directory, close = open_for_setup(data_dir)
    try:
        dialog = SetupDialog(SetupService(reference, catalogue, directory))
        return bool(dialog.exec() == SetupDialog.DialogCode.Accepted)
    finally:
        close()


def configured_reader(
    data_dir: Path, *, settings: ReaderSettings | None = None
) -> tuple[ReaderBridge | None, str]:
    """The counter's card reader from ``reader.toml`` in the data folder, not started yet.

    No file: no reader and no problem (the status bar says 未配置读卡器). A bad file must not
    keep the counter closed: no reader, and the Chinese reason for the status bar. Needs the
    QApplication (the bridge is a QObject).
    """
    from zhanhe_counter.adapters.idcard.factory import build_photo_decoder, build_reader
    from zhanhe_counter.adapters.idcard.reader_config import (
        default_reader_config_path,
        load_reader_config,
    )
    from zhanhe_counter.domain.errors import DomainError
    from zhanhe_counter.services.reader_service import ReaderService
    from zhanhe_counter.ui.reader_bridge import ReaderBridge

    path = default_reader_config_path(data_dir)
    if not path.exists():
        log.info("no %s: the counter runs without a card reader", path.name)
        return None, ""
    try:
        config = load_reader_config(path)
        reader = build_reader(config)
    except DomainError as error:  # IdCardError is one too
        log.error("card reader not configured: %s", error)
        return None, error.user_message
    except ImportError as error:  # pyscard or its PC/SC library missing on this PC
        log.error("card reader driver missing: %s", error)
        return None, f"本机缺少 PC/SC 读卡组件，无法使用 {path.name} 中配置的读卡器。"
    log.info("card reader: %s %s", config.transport.value, config.port or "(any)")
    service = ReaderService(reader, settings=settings, photo_decoder=build_photo_decoder(config))
    return ReaderBridge(service), ""


def _demo_reader() -> tuple[ReaderBridge, list[DemoCard]]:
    """A simulated SAM reader with the sample cards; a shortcut in the window "taps" each."""
    from zhanhe_counter.adapters.idcard.simulator import (
        SimulatedSam,
        sample_cards,
        simulated_reader,
    )
    from zhanhe_counter.services.reader_service import ReaderService
    from zhanhe_counter.ui.context import DemoCard
    from zhanhe_counter.ui.reader_bridge import ReaderBridge

    sam = SimulatedSam()
    bridge = ReaderBridge(ReaderService(simulated_reader(sam)))
    cards = [
        DemoCard(label=f"样例{_CARD_LABELS[kind]}", tap=partial(sam.tap, card))
        for kind, card in sample_cards().items()
    ]
    return bridge, cards


_CARD_LABELS = {
    "resident": "居民身份证",
    "gat_residence": "港澳台居民居住证",
    "foreign_2017": "外国人永久居留身份证（2017版）",
    "foreign_2023": "外国人永久居留身份证（2023版）",
}


def _simulated_output(data_dir: Path) -> Callable[[], list[tuple[str, RenderedDocument]]]:
    """Demo F9: the A4 documents the simulated printer wrote, newest last, for the preview."""
    from zhanhe_counter.services.ports.printing import PDF, RenderedDocument

    folder = data_dir / "printed"

    def newest() -> list[tuple[str, RenderedDocument]]:
        files = sorted(folder.rglob("*.pdf"), key=lambda path: path.stat().st_mtime)[-20:]
        return [(f.stem, RenderedDocument.of(f.read_bytes(), PDF, f.stem, 1, 1)) for f in files]

    return newest


def _data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir:
        return Path(args.data_dir)
    if args.demo:
        return Path(tempfile.mkdtemp(prefix="zhanhe-demo-"))
    from zhanhe_counter.adapters.paths import resolve_data_dir

    return resolve_data_dir(None, os.environ)
