"""QApplication set-up: Chinese translations, the CJK UI font, Fusion style."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from zhanhe_counter.ui.singletons import keep_singletons_alive
from zhanhe_counter.ui.theme import BASE_FONT_PX

log = logging.getLogger(__name__)

_UI_FONT_FAMILIES = ("Microsoft YaHei", "微软雅黑", "Noto Sans CJK SC", "Source Han Sans SC")


def create_application(argv: Sequence[str]) -> QApplication:
    """Make the one QApplication, with Qt's zh_CN translation (standard buttons read 确定/取消)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    keep_singletons_alive()  # PySide6 6.12 on Python 3.11 (see the module)
    app = QApplication(list(argv))
    app.setApplicationName("湛河区综合窗口")
    app.setOrganizationName("zhanhe")
    app.setStyle("Fusion")
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    _install_qt_translation(app)
    app.setFont(_ui_font())
    return app


def _install_qt_translation(app: QApplication) -> None:
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load("qtbase_zh_CN", folder):
        app.installTranslator(translator)
    else:  # the client still works; only Qt's own dialogs fall back to English
        log.warning("qtbase_zh_CN translation not found in %s", folder)


def _ui_font() -> QFont:
    families = set(QFontDatabase.families())
    font = QFont()
    for family in _UI_FONT_FAMILIES:
        if family in families:
            font = QFont(family)
            break
    font.setPixelSize(BASE_FONT_PX)
    return font


def show_startup_error(message: str) -> None:
    """Tell the clerk, in Chinese, why the client cannot start (no window exists yet)."""
    QMessageBox.critical(None, "无法启动", message)


def main_loop(app: QApplication) -> int:
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main_loop(create_application(sys.argv)))
