"""The JSON SMS gateway adapter (``kind = "json"`` in the delivery file).

The interface, for whoever builds the gateway (or a shim in front of a
provider): each message is one request

    POST <url>
    Authorization: Bearer <token>
    Idempotency-Key: <key>
    Content-Type: application/json; charset=utf-8

    {"idempotency_key": "<key>", "to": "<mobile>", "text": "<message>",
     "institution": "<slug>"}

and the answer's status alone counts (its body is ignored):

- 2xx: accepted; the message is sent.
- 429 or 5xx, a timeout or no connection: try again later.  The relay repeats
  the same request, with the same key, after a growing pause.
- any other status (400, 401, 403, 404, 422...): never again; the message is
  dead, with the status as its reason.

The key is the same on every attempt of one message (and after a relay that
died mid-send is replaced), so the gateway should drop a request whose key it
has already accepted: that is what makes a repeat invisible to the member.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from urllib.parse import urlsplit

from kiosk.relay.transport import Outgoing, PermanentFailure, TemporaryFailure

# A connection kept alive that the gateway closed meanwhile fails at once:
# the request is made again, once, on a new one (same key: a repeat is dropped).
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, http.client.CannotSendRequest)


class JsonGateway:
    """One connection kept alive between messages (no new TCP and TLS
    handshake for each); no proxy from the environment and no redirect
    followed: the token goes only where the delivery file says (a 3xx is
    answered as any other refusal)."""

    def __init__(self, *, url: str, token: str | None, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._token = token
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def send(self, message: Outgoing) -> None:
        payload = {
            "idempotency_key": message.idempotency_key,
            "to": message.recipient,
            "text": message.body,
            "institution": message.institution,
        }
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.idempotency_key,
            **({"Authorization": f"Bearer {self._token}"} if self._token else {}),
        }
        status = self._post(body, headers)
        if 200 <= status < 300:
            return
        if status == 429 or status >= 500:
            raise TemporaryFailure(f"pasarela: HTTP {status}")
        raise PermanentFailure(f"pasarela: HTTP {status}")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _post(self, body: bytes, headers: dict[str, str]) -> int:
        reused = self._connection is not None
        try:
            try:
                return self._exchange(body, headers)
            except _STALE:
                if not reused:
                    raise
                self.close()
                return self._exchange(body, headers)
        except (TimeoutError, socket.timeout):
            self.close()
            raise TemporaryFailure("pasarela: sin respuesta a tiempo") from None
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise TemporaryFailure(f"pasarela: sin conexión ({type(error).__name__})") from None

    def _exchange(self, body: bytes, headers: dict[str, str]) -> int:
        if self._connection is None:
            self._connection = (
                http.client.HTTPSConnection(
                    self._host, self._port, timeout=self._timeout, context=ssl.create_default_context()
                )
                if self._https
                else http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            )
        self._connection.request("POST", self._path, body, headers)
        response = self._connection.getresponse()
        response.read()
        if response.will_close:
            self.close()
        return response.status
