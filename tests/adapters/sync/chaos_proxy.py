"""A TCP proxy for fault injection between a station and PostgreSQL (docs/sync.md, Fault injection).

Faults: :meth:`ChaosProxy.cut` resets every open connection (mid-batch network loss);
``mode = "refuse"`` resets new connections at once (centre unreachable); ``mode = "blackhole"``
keeps sockets open and forwards nothing (a hung path; follow it with ``cut()``, as a NAT
timeout would); ``latency`` delays every chunk in each direction (WAN round trips).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        # Linger 0: close sends RST instead of FIN, like a dropped link seen by the peer.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class ChaosProxy:
    """Forwards 127.0.0.1:<port> to the target, with faults on demand."""

    def __init__(self, target_host: str, target_port: int, latency: float = 0.0) -> None:
        self.target = (target_host, target_port)
        self.latency = latency
        self.mode = "pass"
        self.connections = 0
        #: Chunks forwarded from clients to the server: one per request a client flushes.
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> ChaosProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut()

    def cut(self) -> None:
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            _reset(sock)

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "refuse":
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._open += [client, upstream]
                self.connections += 1
            for source, sink, upward in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(
                    target=self._pump, args=(source, sink, upward), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, upward: bool) -> None:
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                if self.mode == "blackhole":
                    continue  # swallowed: the peer waits for an answer that never comes
                if self.latency:
                    time.sleep(self.latency)
                if upward:
                    with self._lock:
                        self.requests += 1
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            _reset(sink)
            _reset(source)
