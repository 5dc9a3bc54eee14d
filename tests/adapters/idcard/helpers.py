"""Independent test helpers: frames and text blocks written from the brief's tables, not from
the code under test, so a shared mistake cannot pass unnoticed."""

from __future__ import annotations

PREAMBLE = bytes.fromhex("AAAAAA9669")


def xor(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def frame(body: bytes) -> bytes:
    """A GA 467 frame around ``body`` (CMD PARA DATA, or SW1 SW2 SW3 DATA)."""
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor(length + body)])


def response(sw3: int, data: bytes = b"") -> bytes:
    return frame(bytes([0, 0, sw3]) + data)


def put(block: bytearray, offset: int, chars: int, value: str) -> None:
    raw = value.ljust(chars).encode("utf-16-le")
    assert len(raw) == 2 * chars
    block[offset : offset + 2 * chars] = raw


def blank_block(flag: str = " ") -> bytearray:
    block = bytearray(" ".encode("utf-16-le") * 128)
    block[248:250] = flag.encode("utf-16-le")
    return block


def resident_block(**overrides: str) -> bytes:
    """A resident card block with the offsets of docs/idcard.md (the resident card's text block)."""
    values = {
        "name": "张三",
        "sex": "1",
        "nation": "01",
        "birth": "19900101",
        "address": "河南省平顶山市湛河区测试路9号",
        "id_number": "410411199001011237",
        "issuer": "平顶山市公安局湛河分局",
        "valid_from": "20150101",
        "valid_until": "20350101",
    }
    values.update(overrides)
    block = blank_block()
    layout = [
        ("name", 0, 15), ("sex", 30, 1), ("nation", 32, 2), ("birth", 36, 8),
        ("address", 52, 35), ("id_number", 122, 18), ("issuer", 158, 15),
        ("valid_from", 188, 8), ("valid_until", 204, 8),
    ]  # fmt: skip
    for name, offset, chars in layout:
        put(block, offset, chars, values[name])
    return bytes(block)


def read_payload(
    text: bytes, photo: bytes = bytes(1024), fingerprint: bytes | None = None
) -> bytes:
    lengths = [len(text), len(photo)] + ([] if fingerprint is None else [len(fingerprint)])
    head = b"".join(n.to_bytes(2, "big") for n in lengths)
    return head + text + photo + (fingerprint or b"")
