"""The Twilio SMS transport against a local HTTP stand-in of Twilio's Messages API
(http.server in a thread): the request it makes, and how it reads 201, 400 with
Twilio's error JSON, 401, 429, 503, a timeout and nothing listening."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from kiosk.relay.transport import Outgoing, PermanentFailure, TemporaryFailure
from kiosk.relay.twilio import TwilioSms

SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "token-de-prueba"
FROM = "+15005550006"
SECRET_CODE = "731904"
BODY = f"Coasmedas: su código es {SECRET_CODE}. No lo comparta. Año nuevo, señal nueva."
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"


def outgoing(recipient: str = "3001234567", key: str = "coasmedas-41-9f8e7d") -> Outgoing:
    return Outgoing(
        idempotency_key=key, institution="coasmedas", channel="sms", recipient=recipient, subject="", body=BODY
    )


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class Script:
    """What the stand-in answers, one entry per request (201 when the script runs out)."""

    answers: list[tuple[int, dict | None, dict[str, str]]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    delay: float = 0.0


def stand_in(script: Script) -> ThreadingHTTPServer:
    class Twilio(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode("utf-8")
            script.seen.append(
                Seen(
                    method="POST",
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    form=parse_qs(raw, strict_parsing=True),
                )
            )
            if script.delay:
                time.sleep(script.delay)
            status, payload, headers = script.answers.pop(0) if script.answers else (201, None, {})
            if payload is None and status == 201:
                payload = {"sid": "SM" + "0" * 32, "status": "queued"}
            data = json.dumps(payload).encode() if payload is not None else b""
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (the timeout test)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Twilio)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture
def twilio():
    script = Script()
    server = stand_in(script)
    yield script, TwilioSms(
        account_sid=SID,
        auth_token=TOKEN,
        from_number=FROM,
        base_url=f"http://127.0.0.1:{server.server_address[1]}",
        timeout=5.0,
    )
    server.shutdown()
    server.server_close()


def assert_hidden(failure: BaseException) -> None:
    text = "".join(traceback.format_exception(failure))
    assert SECRET_CODE not in text and "No lo comparta" not in text
    assert TOKEN not in text


def test_a_201_is_sent_with_twilios_request_shape(twilio):
    script, sms = twilio
    sms.send(outgoing())
    [seen] = script.seen
    assert seen.path == PATH
    assert seen.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert seen.form == {"To": ["+573001234567"], "From": [FROM], "Body": [BODY]}
    scheme, _, credentials = seen.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(credentials).decode() == f"{SID}:{TOKEN}"
    assert seen.headers["i-twilio-idempotency-token"] == "coasmedas-41-9f8e7d"


def test_a_repeat_carries_the_same_idempotency_token(twilio):
    script, sms = twilio
    sms.send(outgoing())
    sms.send(outgoing())
    sms.send(outgoing(key="coasmedas-42-0a1b2c"))
    tokens = [seen.headers["i-twilio-idempotency-token"] for seen in script.seen]
    assert tokens == ["coasmedas-41-9f8e7d", "coasmedas-41-9f8e7d", "coasmedas-42-0a1b2c"]


def test_a_400_is_permanent_with_twilios_code_and_message(twilio):
    script, sms = twilio
    script.answers.append(
        (
            400,
            {
                "code": 21211,
                "message": "The 'To' number +573001234567 is not a valid phone number.",
                "more_info": "https://www.twilio.com/docs/errors/21211",
                "status": 400,
            },
            {},
        )
    )
    with pytest.raises(PermanentFailure) as failure:
        sms.send(outgoing())
    assert "HTTP 400" in str(failure.value)
    assert "21211" in str(failure.value) and "not a valid phone number" in str(failure.value)
    assert_hidden(failure.value)


def test_a_gateway_that_echoes_the_body_does_not_put_it_in_the_reason(twilio):
    script, sms = twilio
    script.answers.append((400, {"code": 21617, "message": f"Cannot send: {BODY}"}, {}))
    with pytest.raises(PermanentFailure, match="21617") as failure:
        sms.send(outgoing())
    assert_hidden(failure.value)


def test_a_4xx_without_json_is_still_permanent(twilio):
    script, sms = twilio
    script.answers.append((404, None, {}))
    with pytest.raises(PermanentFailure, match="HTTP 404") as failure:
        sms.send(outgoing())
    assert_hidden(failure.value)


def test_a_429_is_temporary_and_says_when(twilio):
    script, sms = twilio
    script.answers.append((429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": "3"}))
    with pytest.raises(TemporaryFailure, match="HTTP 429") as failure:
        sms.send(outgoing())
    assert "retry after 3 s" in str(failure.value)
    assert_hidden(failure.value)
    sms.send(outgoing())  # the retry goes through, with the same token
    assert [seen.headers["i-twilio-idempotency-token"] for seen in script.seen] == ["coasmedas-41-9f8e7d"] * 2


def test_a_503_is_temporary(twilio):
    script, sms = twilio
    script.answers.append((503, {"code": 20500, "message": "Service Unavailable"}, {}))
    with pytest.raises(TemporaryFailure, match="HTTP 503") as failure:
        sms.send(outgoing())
    assert_hidden(failure.value)


def test_wrong_credentials_are_temporary_and_say_so(twilio):
    """Every message would hit a wrong token alike: the queue waits for the fix
    instead of dead-lettering every member's message."""
    script, sms = twilio
    script.answers.append((401, {"code": 20003, "message": "Authenticate"}, {}))
    with pytest.raises(TemporaryFailure, match="credentials") as failure:
        sms.send(outgoing())
    assert "20003" in str(failure.value)
    assert_hidden(failure.value)


def test_a_slow_gateway_times_out_as_temporary():
    script = Script(delay=1.0)
    server = stand_in(script)
    try:
        impatient = TwilioSms(
            account_sid=SID,
            auth_token=TOKEN,
            from_number=FROM,
            base_url=f"http://127.0.0.1:{server.server_address[1]}",
            timeout=0.2,
        )
        with pytest.raises(TemporaryFailure, match="(?i)timed? ?out") as failure:
            impatient.send(outgoing())
        assert_hidden(failure.value)
    finally:
        server.shutdown()
        server.server_close()


def test_nothing_listening_is_temporary():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sms = TwilioSms(account_sid=SID, auth_token=TOKEN, from_number=FROM, base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(TemporaryFailure, match="unreachable") as failure:
        sms.send(outgoing())
    assert_hidden(failure.value)


def test_a_recipient_that_is_not_a_mobile_is_permanent_and_never_sent(twilio):
    script, sms = twilio
    with pytest.raises(PermanentFailure, match="not a mobile number") as failure:
        sms.send(outgoing(recipient="12345"))
    assert_hidden(failure.value)
    assert script.seen == []


def test_the_token_never_travels_unencrypted_to_another_machine():
    with pytest.raises(ValueError, match="unencrypted"):
        TwilioSms(account_sid=SID, auth_token=TOKEN, from_number=FROM, base_url="http://api.twilio.com")
    with pytest.raises(ValueError, match="SID"):
        TwilioSms(account_sid=SID, auth_token="", from_number=FROM)
