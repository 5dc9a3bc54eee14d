from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.adapters.idcard.helpers import frame, response, xor
from zhanhe_counter.adapters.idcard.frames import (
    Command,
    FrameError,
    FrameParser,
    SamStatus,
    build_command,
    build_response,
    parse_exact_frame,
)

# The command table of docs/idcard.md (Reader protocol facts), byte for byte.
COMMAND_TABLE = {
    Command.RESET_SAM: "AA AA AA 96 69 00 03 10 FF EC",
    Command.SAM_STATUS: "AA AA AA 96 69 00 03 11 FF ED",
    Command.SAM_ID: "AA AA AA 96 69 00 03 12 FF EE",
    Command.FIND_CARD: "AA AA AA 96 69 00 03 20 01 22",
    Command.SELECT_CARD: "AA AA AA 96 69 00 03 20 02 21",
    Command.READ_BASE: "AA AA AA 96 69 00 03 30 01 32",
    Command.READ_APPENDED_ADDRESS: "AA AA AA 96 69 00 03 30 03 30",
    Command.READ_BASE_WITH_FINGERPRINT: "AA AA AA 96 69 00 03 30 10 23",
}

# Answers seen in public reader code (docs/idcard.md, Reader protocol facts).
PUBLIC_RESPONSES = {
    "find ok": ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, 4),
    "find none": ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, 0),
    "select ok": ("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", 0x90, 8),
    "select fail": ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, 0),
    "read fail": ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, 0),
    "reset ok": ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, 0),
}


@pytest.mark.parametrize(("command", "expected"), COMMAND_TABLE.items())
def test_every_command_constant_matches_the_published_frame(command: Command, expected: str):
    assert build_command(command) == bytes.fromhex(expected)


def test_uart_rate_and_rf_size_commands_match_the_published_frames():
    assert build_command(0x6000) == bytes.fromhex("AAAAAA96690003600063")
    assert build_command(0x6004) == bytes.fromhex("AAAAAA96690003600467")
    assert build_command(0x61FF, b"\x50") == bytes.fromhex("AAAAAA9669000461FF50CA")


@pytest.mark.parametrize(("capture", "sw3", "data_len"), PUBLIC_RESPONSES.values())
def test_public_responses_parse_and_rebuild(capture: str, sw3: int, data_len: int):
    raw = bytes.fromhex(capture)
    parsed = parse_exact_frame(raw)
    assert parsed.sw3 == sw3
    assert len(parsed.data) == data_len
    assert build_response(sw3, parsed.data) == raw


def test_read_response_header_matches_the_public_capture():
    raw = build_response(0x90, b"\x01\x00\x04\x00" + bytes(256 + 1024))
    assert len(raw) == 1295
    assert raw[:14] == bytes.fromhex("AAAAAA966905080000900100 0400".replace(" ", ""))


def test_fragmented_input_one_byte_at_a_time():
    raw = response(0x90, bytes(range(40)))
    parser = FrameParser()
    got = []
    for byte in raw:
        got.extend(parser.feed(bytes([byte])))
    assert [f.data for f in got] == [bytes(range(40))]
    assert parser.pending == 0


def test_leading_garbage_is_dropped_including_a_false_preamble_start():
    parser = FrameParser()
    got = parser.feed(b"\x00\x13\xaa\xaa\x96" + response(0x9F, bytes(4)))
    assert [f.sw3 for f in got] == [0x9F]
    assert parser.dropped_bytes == 5


def test_two_frames_in_one_chunk_and_a_third_split():
    third = response(0x41)
    parser = FrameParser()
    got = parser.feed(response(0x90) + response(0x80) + third[:6])
    assert [f.sw3 for f in got] == [0x90, 0x80]
    assert [f.sw3 for f in parser.feed(third[6:])] == [0x41]


def test_bad_checksum_is_dropped_and_the_next_frame_still_found():
    bad = bytearray(response(0x90, b"\x01\x02"))
    bad[-1] ^= 0x55
    parser = FrameParser()
    got = parser.feed(bytes(bad) + response(0x9F, bytes(4)))
    assert [f.sw3 for f in got] == [0x9F]
    assert parser.bad_frames == 1


def test_truncated_frame_waits_and_absurd_length_resyncs():
    parser = FrameParser()
    assert parser.feed(response(0x90, bytes(10))[:-3]) == []
    assert parser.pending > 0
    parser.reset()
    absurd = bytes.fromhex("AAAAAA9669FFFF") + response(0x90)
    assert [f.sw3 for f in parser.feed(absurd)] == [0x90]


def test_a_preamble_split_across_chunks_is_kept():
    raw = response(0x90)
    parser = FrameParser()
    assert parser.feed(b"\x01\x02" + raw[:3]) == []
    assert [f.sw3 for f in parser.feed(raw[3:])] == [0x90]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00" + response(0x90), "开头"),
        (response(0x90)[:6], "截断"),
        (response(0x90, bytes(5))[:-2], "截断"),
        (response(0x90) + b"\x00", "多余"),
        (bytes.fromhex("AAAAAA96690001") + b"\x00", "长度"),
        (response(0x90)[:-1] + b"\x00", "校验和"),
    ],
)
def test_exact_frame_errors_are_typed_with_a_chinese_message(data: bytes, message: str):
    with pytest.raises(FrameError) as caught:
        parse_exact_frame(data)
    assert message in caught.value.user_message


def test_frame_accessors_reject_short_bodies():
    parsed = FrameParser().feed(frame(b"\x00"))[0]
    with pytest.raises(FrameError):
        _ = parsed.command
    assert parse_exact_frame(frame(b"\x00\x00")).command == 0
    with pytest.raises(FrameError):
        _ = parse_exact_frame(frame(b"\x00\x00")).sw3


def test_status_enum_holds_the_brief_table():
    assert {s.value for s in SamStatus} == {
        0x90, 0x91, 0x9F, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x41,
        0x47, 0x60, 0x66, 0x80, 0x81,
    }  # fmt: skip


@given(st.binary(max_size=600), st.lists(st.integers(1, 50), max_size=30))
def test_fuzz_parser_never_raises_and_chunking_does_not_matter(data: bytes, cuts: list[int]):
    whole = [f.body for f in FrameParser().feed(data)]
    parser = FrameParser()
    pieces: list[bytes] = []
    position = 0
    for cut in cuts:
        pieces.append(data[position : position + cut])
        position += cut
    pieces.append(data[position:])
    chunked = [f.body for piece in pieces for f in parser.feed(piece)]
    assert chunked == whole
    for body in whole:  # everything returned is a checked frame
        assert frame(body) in data


@given(st.lists(st.binary(min_size=3, max_size=40), max_size=5), st.binary(max_size=20))
def test_fuzz_valid_frames_inside_noise_are_all_found(bodies: list[bytes], noise: bytes):
    noise = noise.replace(b"\xaa", b"\x00")  # noise that cannot start a preamble
    stream = noise + b"".join(frame(body) + noise for body in bodies)
    assert [f.body for f in FrameParser().feed(stream)] == bodies


@given(st.binary(max_size=300))
def test_fuzz_exact_frame_only_raises_frame_error(data: bytes):
    try:
        parsed = parse_exact_frame(data)
    except FrameError:
        return
    assert xor(data[5:-1]) == data[-1]
    assert len(parsed.body) == len(data) - 8
