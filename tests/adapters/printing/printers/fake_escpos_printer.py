"""A fake port-9100 ESC/POS printer for the tests, run as its own process so it can be killed.

usage: python fake_escpos_printer.py PORT DIR

Each connection's bytes, minus the leading and trailing real-time status queries (DLE EOT n),
are saved as DIR/jobNNN.bin when the connection closes (numbering continues after a restart).
Connections that only asked for status save nothing. Faults are switched with flag files in DIR:

- ``paper_out``: answer DLE EOT 4 with 0x72 (paper end);
- ``silent``: accept connections, never answer, save nothing;
- ``no_ack``: answer the status queries before the ticket, not the one after it.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path

ONLINE = 0x12
PAPER_END = 0x72
_lock = threading.Lock()


def strip_status_queries(data: bytes) -> bytes:
    while len(data) >= 3 and data[:2] == b"\x10\x04":
        data = data[3:]
    while len(data) >= 3 and data[-3:-1] == b"\x10\x04":
        data = data[:-3]
    return data


def save(outdir: Path, payload: bytes) -> None:
    with _lock:
        number = len(list(outdir.glob("job*.bin"))) + 1
        tmp = outdir / f"job{number:03d}.tmp"
        tmp.write_bytes(payload)
        tmp.replace(outdir / f"job{number:03d}.bin")
    print(f"saved {len(payload)} bytes as job {number}", flush=True)


def handle(conn: socket.socket, outdir: Path) -> None:
    buf = bytearray()
    scanned = 0
    conn.settimeout(30)
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            buf += chunk
            if (outdir / "silent").exists():
                continue
            # Answer every complete DLE EOT n not yet answered.
            while True:
                i = buf.find(b"\x10\x04", scanned)
                if i < 0 or i + 2 >= len(buf):
                    scanned = max(scanned, len(buf) - 2)
                    break
                n = buf[i + 2]
                if i >= 6 and (outdir / "no_ack").exists():
                    scanned = i + 3
                    continue
                answer = PAPER_END if n == 4 and (outdir / "paper_out").exists() else ONLINE
                conn.sendall(bytes((answer,)))
                scanned = i + 3
    except OSError:
        pass
    finally:
        conn.close()
    if (outdir / "silent").exists():
        return
    payload = strip_status_queries(bytes(buf))
    if payload:
        save(outdir, payload)


def main() -> None:
    port, outdir = int(sys.argv[1]), Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(16)
    (outdir / f"ready-{os.getpid()}").write_text("ready")
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn, outdir), daemon=True).start()


if __name__ == "__main__":
    main()
