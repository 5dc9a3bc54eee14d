"""PySide6 loses references to ``True`` on every emit; the guard keeps the process alive."""

from __future__ import annotations

import subprocess
import sys
import textwrap

_EMIT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal
    from zhanhe_counter.ui.singletons import keep_singletons_alive
    app = QCoreApplication([])
    # More emits than True has references: unguarded, its count would reach zero.
    emits = 2 * sys.getrefcount(True) + 1000
    if sys.argv[1] == "guarded":
        keep_singletons_alive()
    class Source(QObject):
        changed = Signal(object)
    source = Source()
    source.changed.connect(lambda value: None)
    before = sys.getrefcount(True)
    for _ in range(1000):
        source.changed.emit(None)
    print(before - sys.getrefcount(True))
    for _ in range(emits):
        source.changed.emit(None)
    print("alive")
    """
)


def _run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _EMIT, mode],
        check=False,
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ":".join(sys.path)},
        timeout=120,
    )


def test_emits_lose_references_and_the_guard_keeps_the_process_alive() -> None:
    guarded = _run("guarded")
    assert guarded.returncode == 0, guarded.stderr
    lost, alive = guarded.stdout.split()
    assert alive == "alive"
    if sys.version_info < (3, 12) and int(lost) > 0:
        # The PySide6 bug is present: unguarded, the same emits end the interpreter.
        unguarded = _run("unguarded")
        assert unguarded.returncode != 0
        assert "dealloc" in unguarded.stderr
