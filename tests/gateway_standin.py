"""A JSON SMS gateway stand-in on loopback (kiosk.relay.gateway's interface),
started by a test: it records every request, and answers as told: a status
for the next requests (``fail_next``), one for a recipient (``refuse``), or
holding requests until released (``hold``)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    authorization: str | None
    idempotency_header: str | None
    payload: dict


class GatewayStandIn:
    def __init__(self, token: str = "gateway-token", keep_alive: bool = True, drop_after_each: bool = False) -> None:
        self.token = token
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._next_statuses: list[int] = []
        self._refused: dict[str, int] = {}
        self.held = threading.Event()  # set: every request waits until ``release``
        self._released = threading.Event()
        self.arrived = threading.Event()
        self.delay = 0.0  # seconds each request takes to answer
        self.hold_from: int | None = None  # the request (1, 2, ...) from which requests are held
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps the connection open between requests, as a real gateway does.
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def setup(self) -> None:
                super().setup()
                # The status line and the body go out in two writes: without this, Nagle's
                # algorithm holds the second until the client's delayed ACK (40 ms a request).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length).decode("utf-8"))
                status = stand_in._record(
                    Received(self.path, self.headers.get("Authorization"), self.headers.get("Idempotency-Key"), payload)
                )
                if stand_in.hold_from is not None and len(stand_in.received) >= stand_in.hold_from:
                    stand_in.held.set()
                if stand_in.held.is_set():
                    stand_in._released.wait(30)
                if stand_in.delay:
                    time.sleep(stand_in.delay)
                if status == 200 and self.headers.get("Authorization") != f"Bearer {stand_in.token}":
                    status = 401
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
                if drop_after_each:  # closed without saying so: the client's next request finds it gone
                    self.close_connection = True

            def log_message(self, *_args) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "GatewayStandIn":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, *statuses: int) -> None:
        with self._lock:
            self._next_statuses.extend(statuses)

    def refuse(self, recipient: str, status: int) -> None:
        with self._lock:
            self._refused[recipient] = status

    def hold(self) -> None:
        self._released.clear()
        self.held.set()

    def release(self) -> None:
        self.hold_from = None
        self.held.clear()
        self._released.set()

    def keys(self) -> Counter:
        """How many requests each idempotency key came in."""
        with self._lock:
            return Counter(r.payload["idempotency_key"] for r in self.received)

    def _record(self, received: Received) -> int:
        with self._lock:
            self.received.append(received)
            self.arrived.set()
            if self._next_statuses:
                return self._next_statuses.pop(0)
            return self._refused.get(received.payload["to"], 200)


class _QuietServer(ThreadingHTTPServer):
    request_queue_size = 64  # eight relays connecting at once are not left to retry their SYN
    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - socketserver's signature
        """A client gone before its answer (a relay killed, a timeout) is what some tests do."""
