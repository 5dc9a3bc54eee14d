from __future__ import annotations

import pytest

from tests.adapters.idcard.helpers import read_payload, resident_block, response
from zhanhe_counter.adapters.idcard.frames import Command, Frame, FrameParser, SamStatus
from zhanhe_counter.adapters.idcard.session import (
    SamSession,
    SamStatusError,
    SamUnusableError,
    format_sam_id,
    split_any_base_read,
    split_base_read,
    status_error,
)
from zhanhe_counter.services.ports.idcard import (
    CardDataError,
    CardReadError,
    NoCardError,
    ReaderUnavailableError,
)


class ScriptedTransport:
    """Answers each command with the next scripted response bytes for that command."""

    description = "scripted"

    def __init__(self, answers: dict[int, list[bytes]]) -> None:
        self.answers = answers
        self.sent: list[int] = []

    def open(self) -> None: ...

    def close(self) -> None: ...

    def exchange(self, frame: bytes, timeout: float) -> Frame:
        command = FrameParser().feed(frame)[0].command
        self.sent.append(command)
        return FrameParser().feed(self.answers[command].pop(0))[0]


def session(answers: dict[int, list[bytes]]) -> tuple[SamSession, ScriptedTransport]:
    transport = ScriptedTransport(answers)
    return SamSession(transport), transport


def test_find_expects_9f_and_80_means_no_card():
    sam, _ = session({Command.FIND_CARD: [response(0x9F, bytes(4)), response(0x80)]})
    assert sam.find_card() is True
    assert sam.find_card() is False


def test_find_answering_90_is_not_success():
    sam, _ = session({Command.FIND_CARD: [response(0x90)]})
    with pytest.raises(SamStatusError) as caught:
        sam.find_card()
    assert caught.value.status == SamStatus.SUCCESS


ERROR_STATUSES = [s for s in SamStatus if s not in (0x90, 0x9F, 0x80, 0x91)]


@pytest.mark.parametrize("status", ERROR_STATUSES)
def test_every_error_status_maps_to_a_typed_error(status: SamStatus):
    sam, _ = session({Command.READ_BASE: [response(status)]})
    with pytest.raises((CardReadError, ReaderUnavailableError)) as caught:
        sam.read_base()
    error = caught.value
    assert error.status == status  # type: ignore[union-attr]
    assert error.user_message
    if status in (SamStatus.SELF_TEST_FAILED, SamStatus.NOT_AUTHORISED):
        assert isinstance(error, SamUnusableError)
    else:
        assert isinstance(error, SamStatusError)


def test_status_error_mapping_for_no_card_and_unknown_codes():
    assert isinstance(status_error(0x80, Command.FIND_CARD), NoCardError)
    unknown = status_error(0x55, Command.READ_BASE)
    assert isinstance(unknown, SamStatusError)
    assert "0x55" in unknown.user_message


def test_full_read_cycle_with_appended_address():
    text = resident_block()
    address = "新住址".ljust(35).encode("utf-16-le")
    sam, transport = session(
        {
            Command.RESET_SAM: [response(0x90)],
            Command.SELECT_CARD: [response(0x90, bytes(8))],
            Command.READ_BASE: [response(0x90, read_payload(text, b"\x07" * 1024))],
            Command.READ_APPENDED_ADDRESS: [response(0x90, address), response(0x91)],
        }
    )
    sam.reset()
    sam.select_card()
    base = sam.read_base()
    assert base.text == text
    assert base.photo == b"\x07" * 1024
    assert base.fingerprint is None
    assert sam.read_appended_address() == "新住址"
    assert sam.read_appended_address() is None  # 91: the card has no appended address
    assert transport.sent[:3] == [Command.RESET_SAM, Command.SELECT_CARD, Command.READ_BASE]


def test_fingerprint_read_and_fallback_when_the_card_has_none():
    text = resident_block()
    fp = b"\x05" * 1024
    sam, transport = session(
        {
            Command.READ_BASE_WITH_FINGERPRINT: [
                response(0x90, read_payload(text, fingerprint=fp)),
                response(0x91),
            ],
            Command.READ_BASE: [response(0x90, read_payload(text))],
        }
    )
    assert sam.read_base(with_fingerprint=True).fingerprint == fp
    assert sam.read_base(with_fingerprint=True).fingerprint is None
    assert transport.sent[-1] == Command.READ_BASE


def test_fingerprint_read_errors_other_than_91_propagate():
    sam, _ = session({Command.READ_BASE_WITH_FINGERPRINT: [response(0x41)]})
    with pytest.raises(SamStatusError):
        sam.read_base(with_fingerprint=True)


def test_appended_address_errors_propagate_and_odd_lengths_are_rejected():
    sam, _ = session({Command.READ_APPENDED_ADDRESS: [response(0x41), response(0x90, b"abc")]})
    with pytest.raises(SamStatusError):
        sam.read_appended_address()
    with pytest.raises(CardDataError):
        sam.read_appended_address()


def test_sam_id_is_formatted_like_vendor_tools():
    data = bytes([5, 0, 1, 0]) + (12345678).to_bytes(4, "little") + (1).to_bytes(4, "little")
    data += (4294967295).to_bytes(4, "little")
    sam, _ = session({Command.SAM_ID: [response(0x90, data)], Command.SAM_STATUS: [response(0x90)]})
    assert sam.sam_id() == "05.01-0012345678-0000000001-4294967295"
    sam.check_status()
    with pytest.raises(CardDataError):
        format_sam_id(bytes(10))


def test_payload_lengths_are_read_not_assumed():
    text = resident_block()
    short_photo = read_payload(text, photo=b"\x01" * 10)
    assert split_base_read(short_photo, with_fingerprint=False).photo == b"\x01" * 10
    both = read_payload(text, fingerprint=b"")
    assert split_any_base_read(both).fingerprint is None
    with pytest.raises(CardDataError):
        split_base_read(b"\x01", with_fingerprint=False)
    with pytest.raises(CardDataError):
        split_base_read(short_photo + b"\x00", with_fingerprint=False)
    with pytest.raises(CardDataError):
        split_base_read(read_payload(text[:200]), with_fingerprint=False)
