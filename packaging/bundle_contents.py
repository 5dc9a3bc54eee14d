"""What goes into the bundle and what stays out: the lists ``zhanhe_counter.spec`` builds from.

Kept apart from the spec (which only PyInstaller can execute) so that a fast test can check the
lists against the checkout: every shipped folder exists, the Qt Chinese translations are there,
the filters keep what the counter needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

#: Folders of the project shipped as data: (path in the checkout, folder inside the bundle).
#: ``resources_dir()``/``forms_dir()`` find the first two in ``sys._MEIPASS``. The Alembic
#: folders are loaded by path (``script_location``), so their .py files ship as data at the
#: place ``Path(__file__).with_name("migrations")`` points to inside the bundle.
PROJECT_FOLDERS = (
    ("forms", "forms"),
    ("resources", "resources"),
    (
        "zhanhe_counter/adapters/storage/migrations",
        "zhanhe_counter/adapters/storage/migrations",
    ),
    (
        "zhanhe_counter/adapters/centre/migrations",
        "zhanhe_counter/adapters/centre/migrations",
    ),
)

#: Qt's own Chinese strings (确定/取消 in standard dialogs); ``ui/app.py`` loads qtbase_zh_CN from
#: ``QLibraryInfo``'s translations path, which in a PyInstaller bundle is this folder.
QT_TRANSLATIONS = ("qtbase_zh_CN.qm",)
QT_TRANSLATIONS_DEST = "PySide6/Qt/translations"

#: Qt modules the client does not use (it imports QtCore, QtGui, QtWidgets, QtPdf,
#: QtPrintSupport). Each one kept out saves its bindings, libraries, QML files and plugins.
QT_UNUSED = tuple(
    f"PySide6.{name}"
    for name in (
        "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
        "QtBluetooth", "QtCharts", "QtConcurrent", "QtDataVisualization", "QtDesigner",
        "QtGraphs", "QtHelp", "QtHttpServer", "QtLabsStyleKit", "QtLocation",
        "QtMultimediaWidgets", "QtNetworkAuth", "QtNfc", "QtOpenGL", "QtOpenGLWidgets",
        "QtPdfWidgets", "QtPositioning", "QtQml", "QtQmlFeatures", "QtQuick", "QtQuick3D",
        "QtQuickControls2", "QtQuickTest", "QtQuickWidgets", "QtRemoteObjects", "QtScxml",
        "QtSensors", "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql",
        "QtStateMachine", "QtSvg", "QtSvgWidgets", "QtTest", "QtTextToSpeech", "QtUiTools",
        "QtWebChannel", "QtWebEngineCore", "QtWebEngineQuick", "QtWebEngineWidgets",
        "QtWebSockets", "QtXml",
    )
)  # fmt: skip

#: Qt modules the client imports; never in :data:`QT_UNUSED`.
QT_USED = ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtPdf",
           "PySide6.QtPrintSupport",
           "PySide6.QtMultimedia")  # the document camera (高拍仪), docs/materials.md  # fmt: skip

#: Development tools and the standard library's GUI kit never run on a counter.
DEV_ONLY = (
    "tkinter", "pydoc_data", "pytest", "_pytest", "hypothesis", "mypy", "IPython", "numpy",
    "pytestqt", "coverage", "importlinter", "grimp",
)  # fmt: skip

#: The admin program carries no Qt at all (import-linter keeps ``cli/`` free of it).
ADMIN_ONLY_EXCLUDES = ("PySide6", "shiboken6", "zhanhe_counter.ui", "zhanhe_counter.main")

#: Qt plugins for embedded boards and remote displays (EGLFS, LinuxFB, VNC, evdev input, Vulkan
#: display) and their libraries: a counter runs a desktop session (Windows, X11 or Wayland).
#: ``offscreen`` stays for the smoke test, the GTK theme for native dialogs on GNOME.
QT_PLUGINS_UNUSED = (
    "plugins/egldeviceintegrations/",
    "plugins/generic/",
    "plugins/networkinformation/",
    "plugins/platforms/libqeglfs",
    "plugins/platforms/libqlinuxfb",
    "plugins/platforms/libqminimalegl",
    "plugins/platforms/libqvkkhrdisplay",
    "plugins/platforms/libqvnc",
    "libQt6EglFSDeviceIntegration",
    "libQt6EglFsKmsSupport",
)

Entry = TypeVar("Entry", bound=Sequence[str])


def project_data(root: Path) -> list[tuple[str, str]]:
    """``datas`` entries for :data:`PROJECT_FOLDERS`; a missing folder is a build error."""
    entries = []
    for source, dest in PROJECT_FOLDERS:
        folder = root / source
        if not folder.is_dir():
            raise FileNotFoundError(f"shipped folder missing: {folder}")
        entries.append((str(folder), dest))
    return entries


def qt_translations_folder(pyside_dir: Path) -> Path:
    """Where the PySide6 wheel keeps Qt's .qm files (``Qt/translations`` on Linux and macOS,
    ``translations`` in the Windows wheel)."""
    for candidate in (pyside_dir / "Qt" / "translations", pyside_dir / "translations"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no Qt translations folder in {pyside_dir}")


def qt_translation_data(pyside_dir: Path) -> list[tuple[str, str]]:
    """``datas`` entries for the zh_CN Qt translations; a missing file is a build error."""
    folder = qt_translations_folder(pyside_dir)
    entries = []
    for name in QT_TRANSLATIONS:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"Qt translation missing: {path}")
        entries.append((str(path), QT_TRANSLATIONS_DEST))
    return entries


def _dest(entry: Sequence[str]) -> str:
    return entry[0].replace("\\", "/")


def without_other_translations(toc: Iterable[Entry]) -> list[Entry]:
    """Drop Qt .qm files of languages other than zh_CN (Qt's hooks collect all, ~10 MB)."""
    return [
        entry
        for entry in toc
        if not (
            "/translations/" in _dest(entry)
            and _dest(entry).endswith(".qm")
            and "_zh_CN" not in _dest(entry)
        )
    ]


def without_unused_qt_plugins(toc: Iterable[Entry]) -> list[Entry]:
    """Drop the binaries named in :data:`QT_PLUGINS_UNUSED`."""
    return [entry for entry in toc if not any(p in _dest(entry) for p in QT_PLUGINS_UNUSED)]


def admin_hidden_imports(hidden: Iterable[str]) -> list[str]:
    """The GUI's hidden imports less the Qt-side modules the admin program must not carry."""
    return [name for name in hidden if not name.startswith(ADMIN_ONLY_EXCLUDES)]
