"""A real uvicorn serving an ASGI app on a free loopback port, in a thread of the test."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str


@dataclass
class LiveServer:
    server: uvicorn.Server
    thread: threading.Thread
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, *, headers: dict[str, str] | None = None) -> Reply:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(
                    response.status, dict(response.headers), response.read().decode("utf-8")
                )
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read().decode("utf-8"))

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def start_live_server(app: Any, **config: Any) -> LiveServer:
    port = free_port()
    settings = {"access_log": False, "log_level": "warning", **config}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **settings))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer(server, thread, port)
