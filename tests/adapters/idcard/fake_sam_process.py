"""A fake serial SAM reader process for the pty integration test.

Usage: python -m tests.adapters.idcard.fake_sam_process MASTER_FD
Speaks GA 467 on the pty master with frames built by the independent test helpers. It answers
in fragments, puts garbage before one answer, says "no card" to the first find, stays silent
to SAM status (11 FF) and answers 12 FF with line noise only.
"""

from __future__ import annotations

import os
import sys
import time

from tests.adapters.idcard.helpers import PREAMBLE, read_payload, resident_block, response, xor

SAM_ID = bytes([5, 0, 1, 0]) + bytes(range(12))


def answer(command: int, finds: int) -> bytes | None:
    if command == 0x10FF:
        return response(0x90)
    if command == 0x11FF:
        return None
    if command == 0x12FF:
        return b"\x01\x02\x03\xaa\xaa\xaa\x96\x69\x00\x04\x00\x00\x90\x00"  # bad checksum
    if command == 0x2001:
        return response(0x80) if finds == 1 else b"\x00\x11" + response(0x9F, bytes(4))
    if command == 0x2002:
        return response(0x90, bytes(8))
    if command == 0x3001:
        return response(0x90, read_payload(resident_block(), b"\x42" * 1024))
    if command == 0x3003:
        return response(0x90, "平顶山市湛河区新地址".ljust(35).encode("utf-16-le"))
    return response(0x21)


def main(fd: int) -> None:
    buffer = b""
    finds = 0
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return
        if not chunk:
            return
        buffer += chunk
        while True:
            start = buffer.find(PREAMBLE)
            if start < 0 or len(buffer) < start + 7:
                break
            length = int.from_bytes(buffer[start + 5 : start + 7], "big")
            end = start + 7 + length
            if len(buffer) < end:
                break
            raw, buffer = buffer[start:end], buffer[end:]
            if xor(raw[5:-1]) != raw[-1]:
                os.write(fd, response(0x10))
                continue
            command = int.from_bytes(raw[7:9], "big")
            finds += command == 0x2001
            reply = answer(command, finds)
            if reply is None:
                continue
            # Fragmented like a real UART: header first, then the rest in pieces.
            for piece in (reply[:7], reply[7:300], reply[300:]):
                if piece:
                    os.write(fd, piece)
                    time.sleep(0.002)


if __name__ == "__main__":
    main(int(sys.argv[1]))
