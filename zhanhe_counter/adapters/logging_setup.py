"""The developer log and crash reports (开发日志与崩溃报告), with personal numbers masked.

Both entry points call :func:`configure_logging`: stderr as before, plus a rotating file
``logs/zhanhe.log`` in the data folder. Every line that reaches our handlers passes through
:func:`redact` first, exception text included, so an ID number or a mobile number that slips into
a message (a ``repr`` of a payload, a database error quoting a row) is written in its masked form
(docs/domain.md, Personal information). An unhandled exception in any thread leaves
``logs/crash-<time>.txt``: the redacted traceback only, never the local variables of its frames.

Names and addresses cannot be recognised by shape; they are kept out of log calls by review.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from zhanhe_counter.domain.identity import mod11_2_check_char, uscc_check_char
from zhanhe_counter.domain.masking import mask_id_number, mask_phone

LOG_FOLDER = "logs"
LOG_FILENAME = "zhanhe.log"
LOG_MAX_BYTES = 4 * 1024 * 1024
LOG_BACKUPS = 5
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"

# Digits and letters next to a match mean it is part of a longer token (a UUID, a hash, a
# timestamp in nanoseconds), not a number of its own.
_ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
# 外国人永久居留身份证 (2017): three letters of the country, then twelve digits.
_FOREIGN_2017 = re.compile(r"(?<![0-9A-Za-z])[A-Z]{3}\d{12}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _plausible_birth_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2099


def _id18(match: re.Match[str]) -> str:
    text = match.group(0)
    number = text.upper()
    body = number[:17]
    if mod11_2_check_char(body) != number[17]:
        # A 统一社会信用代码 is about an organisation, not a person: it stays readable.
        if uscc_check_char(body) == number[17]:
            return text
        # A mistyped ID number is still somebody's: mask anything with a birth date inside.
        if not _plausible_birth_date(int(body[6:10]), int(body[10:12]), int(body[12:14])):
            return text
    return mask_id_number(text)


def _id15(match: re.Match[str]) -> str:
    text = match.group(0)
    if not _plausible_birth_date(1900 + int(text[6:8]), int(text[8:10]), int(text[10:12])):
        return text
    return mask_id_number(text)


def redact(text: str) -> str:
    """``text`` with ID, residence-permit and mobile numbers in their masked form."""
    text = _ID18.sub(_id18, text)
    text = _ID15.sub(_id15, text)
    text = _FOREIGN_2017.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


class PersonalDataFilter(logging.Filter):
    """Replaces a record's message, exception and stack text by their redacted form.

    It changes the record itself, so every handler after this one sees the masked text too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format must not lose the record (or leak its args)
            message = f"{record.msg!r} (unformattable arguments)"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output is redacted, for text a filter never saw."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _FolderRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file whose folder is made on the first record, not when logging starts:
    a command that logs nothing leaves no ``logs`` folder behind."""

    def _open(self) -> Any:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


class _CurrentStderrHandler(logging.StreamHandler[Any]):
    """Writes to whatever ``sys.stderr`` is at the time of the record (test capture, a GUI
    that replaced it), like logging's own last-resort handler."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


# Handlers this module installed, so a second call (tests, the CLI in-process) replaces them.
_OUR_HANDLER = "_zhanhe_handler"


def log_dir(data_dir: Path) -> Path:
    """Where the developer log and crash reports of ``data_dir`` live."""
    return data_dir / LOG_FOLDER


def configure_logging(
    data_dir: Path | None,
    *,
    level: int = logging.INFO,
    stderr_level: int | None = None,
    stderr_format: str = "%(asctime)s %(levelname)s %(name)s: %(message)s",
    crash_reports: bool = True,
    stderr: bool | None = None,
) -> Path | None:
    """Log to stderr and to ``<data_dir>/logs/zhanhe.log`` (rotated, 4 MB × 5), both redacted.

    ``level`` is the root logger's level and the file's; ``stderr_level`` (default: ``level``)
    lets the CLI keep its stderr quiet while the file still records. With ``crash_reports``, an
    unhandled exception in any thread writes a crash report next to the log. ``stderr=None``
    adds the stderr handler only when nothing else handles the root logger yet, as
    ``logging.basicConfig`` did (a test runner's capture stays in charge). Returns the log
    file, or ``None`` without a data folder. Calling it again replaces what it installed.
    """
    remove_handlers()
    root = logging.getLogger()
    root.setLevel(level)
    redacting = PersonalDataFilter()

    if stderr or (stderr is None and not root.handlers):
        console = _CurrentStderrHandler()
        console.setLevel(level if stderr_level is None else stderr_level)
        console.setFormatter(RedactingFormatter(stderr_format))
        console.addFilter(redacting)
        setattr(console, _OUR_HANDLER, True)
        root.addHandler(console)

    if data_dir is None:
        return None
    path = log_dir(data_dir) / LOG_FILENAME
    file_handler = _FolderRotatingFileHandler(
        path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=True
    )
    file_handler.setLevel(level)
    file_handler.setFormatter(RedactingFormatter(FILE_FORMAT))
    file_handler.addFilter(redacting)
    setattr(file_handler, _OUR_HANDLER, True)
    root.addHandler(file_handler)
    if crash_reports:
        install_crash_reports(log_dir(data_dir))
    return path


def remove_handlers() -> None:
    """Remove and close the handlers :func:`configure_logging` installed (tests, shutdown)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OUR_HANDLER, False):
            root.removeHandler(handler)
            handler.close()


# ------------------------------------------------------------------------------ crash reports

_crash_log = logging.getLogger("zhanhe_counter.crash")


def write_crash_report(
    folder: Path,
    error_type: type[BaseException],
    error: BaseException,
    trace: TracebackType | None,
    *,
    thread_name: str | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Path | None:
    """Write ``crash-<time>.txt`` in ``folder``: the redacted traceback, no local variables.

    Returns the file, or ``None`` when it could not be written (the report is best effort: the
    crash itself must still reach the log and the user).
    """
    from zhanhe_counter import __version__

    stamp = now()
    lines = [
        f"Zhanhe Counter {__version__} crash report",
        f"time (UTC): {stamp.isoformat()}",
        f"python: {sys.version.split()[0]} on {sys.platform}",
        f"thread: {thread_name or threading.current_thread().name}",
        "",
        # format_exception prints file, line and source text only: frame locals never appear.
        *traceback.format_exception(error_type, error, trace),
    ]
    text = redact("\n".join(line.rstrip("\n") for line in lines)) + "\n"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        base = f"crash-{stamp.astimezone(UTC):%Y%m%d-%H%M%S-%f}"
        path = folder / f"{base}.txt"
        counter = 1
        while path.exists():
            path = folder / f"{base}-{counter}.txt"
            counter += 1
        path.write_text(text, encoding="utf-8")
    except OSError as problem:
        _crash_log.error("could not write the crash report in %s: %s", folder, problem)
        return None
    return path


def install_crash_reports(folder: Path) -> None:
    """Route unhandled exceptions of the main thread and of other threads to a crash report
    and to the log (error level); Ctrl+C stays the plain interrupt it was."""

    def on_main(
        error_type: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        if issubclass(error_type, KeyboardInterrupt):
            sys.__excepthook__(error_type, error, trace)
            return
        report = write_crash_report(folder, error_type, error, trace)
        _crash_log.error(
            "unhandled exception, crash report %s", report, exc_info=(error_type, error, trace)
        )

    def on_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else None
        report = write_crash_report(
            folder, args.exc_type, args.exc_value, args.exc_traceback, thread_name=name
        )
        _crash_log.error(
            "unhandled exception in thread %s, crash report %s",
            name,
            report,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    sys.excepthook = on_main
    threading.excepthook = on_thread
