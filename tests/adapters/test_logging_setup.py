"""The developer log and crash reports mask ID and phone numbers (issue 9, least exposure)."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from zhanhe_counter.adapters.logging_setup import (
    LOG_FILENAME,
    PersonalDataFilter,
    configure_logging,
    log_dir,
    redact,
    remove_handlers,
    write_crash_report,
)
from zhanhe_counter.domain.identity import mod11_2_check_char, uscc_check_char

ID_NUMBER = "410411199001011234"  # valid GB 11643 check character
MOBILE = "13812345678"


def _uscc_of_digits() -> str:
    """An all-digit 统一社会信用代码 whose check is a digit and that is no valid ID number."""
    for serial in range(10_000):
        body = f"9141041100{serial:07d}"
        check = uscc_check_char(body)
        if check.isdigit() and mod11_2_check_char(body) != check:
            return body + check
    raise AssertionError("no sample found")  # pragma: no cover


@pytest.fixture
def logging_state() -> Iterator[None]:
    """Put back the root level, the handlers and the exception hooks after the test."""
    root = logging.getLogger()
    level = root.level
    hooks = (sys.excepthook, threading.excepthook)
    yield
    remove_handlers()
    root.setLevel(level)
    sys.excepthook, threading.excepthook = hooks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"id {ID_NUMBER}.", "id 410411********1234."),
        ("lower x 41041119900101123x", "lower x 410411********123X"),
        # A mistyped check character is still somebody's number.
        ("typo 410411199001011235", "typo 410411********1235"),
        ("old 410411900101123", "old 410411*****1123"),
        ("permit 810000199001011236", "permit 810000********1236"),
        ("foreign ABC123456789012", "foreign ABC123*****9012"),
        (f"tel:{MOBILE}", "tel:138****5678"),
        ("全角后 410411199001011234号", "全角后 410411********1234号"),
    ],
)
def test_personal_numbers_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "event 0192f1c2-7a3b-7c4d-8e5f-410411199001 seq 42",  # inside a UUID
        "hlc 123456789012345678901",  # longer than any ID number
        "hlc 113456789099995678",  # 18 digits without a birth date: a counter, not a person
        "phone-like inside 8613812345678999",
        "USCC 91410400MA44XXXX1Q",
    ],
)
def test_other_numbers_stay_readable(text: str) -> None:
    assert redact(text) == text


def test_an_all_digit_uscc_stays_readable() -> None:
    code = _uscc_of_digits()
    assert redact(f"unit {code}") == f"unit {code}"


def test_log_file_and_stderr_hold_masked_numbers_only(
    tmp_path: Path, logging_state: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = configure_logging(tmp_path, level=logging.DEBUG, stderr=True)
    assert path == log_dir(tmp_path) / LOG_FILENAME
    log = logging.getLogger("zhanhe_counter.test")

    log.info("applicant %s phone %s", ID_NUMBER, MOBILE)
    try:
        raise ValueError(f"bad payload {{'id_number': '{ID_NUMBER}'}}")
    except ValueError:
        log.exception("saving failed for %s", ID_NUMBER)
    for handler in logging.getLogger().handlers:
        handler.flush()

    written = path.read_text(encoding="utf-8")
    err = capsys.readouterr().err
    for text in (written, err):
        assert ID_NUMBER not in text
        assert MOBILE not in text
        assert "410411********1234" in text
        assert "138****5678" in text
        assert "ValueError: bad payload" in text


def test_a_record_with_broken_arguments_is_kept_without_them() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d %s", (ID_NUMBER,), None)
    assert PersonalDataFilter().filter(record)
    assert record.args is None
    assert "unformattable arguments" in record.getMessage()
    assert ID_NUMBER not in record.getMessage()


def test_calling_again_replaces_the_handlers(tmp_path: Path, logging_state: None) -> None:
    configure_logging(tmp_path / "a", stderr=True)
    configure_logging(tmp_path / "b", stderr=True)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_zhanhe_handler", False)]
    assert len(ours) == 2  # one stderr, one file
    logging.getLogger("zhanhe_counter").warning("only in b")
    for handler in ours:
        handler.flush()
    assert not (tmp_path / "a" / "logs").exists()  # nothing written there: no folder made
    assert "only in b" in (tmp_path / "b" / "logs" / LOG_FILENAME).read_text(encoding="utf-8")


def _fail_with_personal_data() -> None:
    local_secret = f"LOCAL-ONLY-{MOBILE}-VALUE"
    raise RuntimeError(f"card {ID_NUMBER} could not be saved ({len(local_secret)})")


def _crash_reports(folder: Path) -> list[Path]:
    return sorted(folder.glob("crash-*.txt"))


def test_an_unhandled_exception_leaves_a_masked_crash_report(
    tmp_path: Path, logging_state: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(tmp_path, stderr=True)
    try:
        _fail_with_personal_data()
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # what the interpreter does with an uncaught error

    (report,) = _crash_reports(log_dir(tmp_path))
    text = report.read_text(encoding="utf-8")
    assert "RuntimeError: card 410411********1234 could not be saved" in text
    assert "_fail_with_personal_data" in text
    assert ID_NUMBER not in text
    assert "LOCAL-ONLY" not in text  # frame locals are never written
    logged = (log_dir(tmp_path) / LOG_FILENAME).read_text(encoding="utf-8")
    assert report.name in logged
    assert ID_NUMBER not in logged + capsys.readouterr().err


def test_an_exception_in_a_thread_leaves_a_crash_report(
    tmp_path: Path, logging_state: None
) -> None:
    configure_logging(tmp_path)
    worker = threading.Thread(target=_fail_with_personal_data, name="reader-worker")
    worker.start()
    worker.join()

    (report,) = _crash_reports(log_dir(tmp_path))
    text = report.read_text(encoding="utf-8")
    assert "thread: reader-worker" in text
    assert "410411********1234" in text
    assert ID_NUMBER not in text


def test_two_crashes_in_the_same_instant_keep_both_reports(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    instant = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    error = RuntimeError(ID_NUMBER)
    first = write_crash_report(tmp_path, RuntimeError, error, None, now=lambda: instant)
    second = write_crash_report(tmp_path, RuntimeError, error, None, now=lambda: instant)
    assert first is not None
    assert second is not None
    assert first != second
    assert ID_NUMBER not in first.read_text(encoding="utf-8")


def test_an_unwritable_folder_does_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert write_crash_report(blocker / "logs", RuntimeError, RuntimeError("x"), None) is None
