"""A loopback stand-in for Aliyun's SMS API (SendSms, QuerySendDetails), with injected faults.

It checks every request's signature with its own implementation of signature version 1.0, keeps
what it accepted (like the provider's records, queryable by number and day with each message's
``OutId``), and can be told to fail in the ways a real provider and network do: refuse with
HTTP 500, accept *and then* answer 500 or drop the connection (the sender cannot know it went),
throttle, or answer slowly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCESS_KEY_ID = "LTAI-test"
ACCESS_KEY_SECRET = "test-secret-of-the-hall"
BEIJING = timezone(timedelta(hours=8))

FAULTS = ("ok", "refuse_500", "accept_then_500", "accept_then_drop", "throttle", "slow")


def _encode(value: str) -> str:
    # RFC 3986 unreserved characters stay; everything else is %XX in upper case.
    return "".join(
        ch
        if ch.isascii() and (ch.isalnum() or ch in "-_.~")
        else "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
        for ch in value
    )


def expected_signature(params: dict[str, str]) -> str:
    canonical = "&".join(f"{_encode(k)}={_encode(params[k])}" for k in sorted(params))
    to_sign = "GET&%2F&" + _encode(canonical)
    mac = hmac.new((ACCESS_KEY_SECRET + "&").encode(), to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class FakeAliyun:
    """The provider's state, shared with its request handler."""

    accepted: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    send_calls: int = 0
    query_calls: int = 0
    choose_fault: Callable[[str], str] = lambda _action: "ok"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keys(self) -> list[str]:
        with self.lock:
            return [m["OutId"] for m in self.accepted]


def random_faults(rate: float, seed: int = 7) -> Callable[[str], str]:
    rng = random.Random(seed)
    lock = threading.Lock()

    def choose(_action: str) -> str:
        with lock:
            return rng.choice(FAULTS[1:]) if rng.random() < rate else "ok"

    return choose


def _handler(state: FakeAliyun) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def _answer(self, status: int, data: dict[str, Any]) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            query = urllib.parse.urlsplit(self.path).query
            params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
            given = params.pop("Signature", "")
            if params.get("AccessKeyId") != ACCESS_KEY_ID or given != expected_signature(params):
                with state.lock:
                    state.bad_signatures += 1
                self._answer(400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"})
                return
            action = params.get("Action")
            fault = state.choose_fault(action or "")
            if fault == "slow":
                time.sleep(random.uniform(0.05, 0.3))
            if fault == "refuse_500":
                self._answer(500, {"Code": "isp.SYSTEM_ERROR", "Message": "系统错误"})
                return
            if fault == "throttle":
                self._answer(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})
                return
            if action == "SendSms":
                self._send(params, fault)
            elif action == "QuerySendDetails":
                self._query(params)
            else:
                self._answer(404, {"Code": "InvalidAction.NotFound"})

        def _send(self, params: dict[str, str], fault: str) -> None:
            with state.lock:
                state.send_calls += 1
            phone = params["PhoneNumbers"]
            if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
                self._answer(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
                return
            json.loads(params["TemplateParam"])  # must be JSON
            biz = f"biz{len(state.accepted) + 1:06d}"
            with state.lock:
                state.accepted.append(
                    {
                        **params,
                        "BizId": biz,
                        "SendDate": datetime.now(UTC).astimezone(BEIJING).strftime("%Y%m%d"),
                    }
                )
            if fault == "accept_then_500":
                self._answer(500, {"Code": "isp.SYSTEM_ERROR"})
            elif fault == "accept_then_drop":
                self.close_connection = True
                self.connection.shutdown(2)
            else:
                self._answer(200, {"Code": "OK", "Message": "OK", "BizId": biz})

        def _query(self, params: dict[str, str]) -> None:
            with state.lock:
                state.query_calls += 1
                mine = [
                    m
                    for m in state.accepted
                    if m["PhoneNumbers"] == params["PhoneNumber"]
                    and m["SendDate"] == params["SendDate"]
                ]
            size, page = int(params["PageSize"]), int(params["CurrentPage"])
            chunk = mine[(page - 1) * size : page * size]
            self._answer(
                200,
                {
                    "Code": "OK",
                    "TotalCount": len(mine),
                    "SmsSendDetailDTOs": {
                        "SmsSendDetailDTO": [
                            {
                                "OutId": m["OutId"],
                                "SendStatus": 3,
                                "PhoneNum": m["PhoneNumbers"],
                                "SendDate": m["SendDate"],
                            }
                            for m in chunk
                        ]
                    },
                },
            )

    return Handler


@dataclass
class RunningFake:
    state: FakeAliyun
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed mid-request leaves a broken pipe: expected here, not worth a trace.
        pass


def start_fake(state: FakeAliyun | None = None) -> RunningFake:
    state = state or FakeAliyun()
    server = _QuietServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return RunningFake(state, server, thread)
