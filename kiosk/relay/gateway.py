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

import json
import socket
import urllib.error
import urllib.request

from kiosk.relay.transport import Outgoing, PermanentFailure, TemporaryFailure


class JsonGateway:
    def __init__(self, *, url: str, token: str | None, timeout: float = 10.0) -> None:
        self._url = url
        self._token = token
        self._timeout = timeout
        # No proxy from the environment and no redirect followed: the token goes
        # only where the file says (a 3xx is answered as any other refusal).
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def send(self, message: Outgoing) -> None:
        payload = {
            "idempotency_key": message.idempotency_key,
            "to": message.recipient,
            "text": message.body,
            "institution": message.institution,
        }
        request = urllib.request.Request(
            self._url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": message.idempotency_key,
                **({"Authorization": f"Bearer {self._token}"} if self._token else {}),
            },
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            status = error.code
            error.close()
            if status == 429 or status >= 500:
                raise TemporaryFailure(f"pasarela: HTTP {status}") from None
            raise PermanentFailure(f"pasarela: HTTP {status}") from None
        except (TimeoutError, socket.timeout):
            raise TemporaryFailure("pasarela: sin respuesta a tiempo") from None
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise TemporaryFailure("pasarela: sin respuesta a tiempo") from None
            raise TemporaryFailure(f"pasarela: sin conexión ({type(reason).__name__})") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None  # the 3xx reaches send() as an HTTPError
