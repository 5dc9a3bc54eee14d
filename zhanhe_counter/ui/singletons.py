"""A guard against PySide6 6.12's lost references to ``True`` and ``None`` (Python 3.11).

Under PySide6 6.12.0 every ``Signal.emit()`` returns ``True`` without the reference it owes,
and the storage runner's queued results lose references to ``None`` the same way (about 230
per intake through the intake page). On Python 3.11 these objects are counted like any other:
after some hundreds of intakes a count reaches zero and the interpreter aborts ("Fatal Python
error: bool_dealloc" / "none_dealloc"), losing the clerk's window mid-day. Python 3.12 made
them immortal (PEP 683); this does the same here by giving each a count no day can use up.
``tests/ui/test_singletons.py`` shows the loss and that the guard holds.
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache

#: Far more references than a counter can lose in years of emits (about 10^12).
_RESERVE = 1 << 40


@cache  # once per process
def keep_singletons_alive() -> None:
    """Give ``None``, ``True`` and ``False`` a reserve of references."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _RESERVE
