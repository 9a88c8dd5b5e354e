"""SMS through Twilio's published Messages API.

POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json, form-encoded To,
From and Body, HTTP Basic auth with the account SID and auth token.  Every
attempt at one outbox message sends the same idempotency key in the
``I-Twilio-Idempotency-Token`` header.

Failure reasons carry Twilio's error code and message, never the body: the
body carries a member's code or temporary key."""

from __future__ import annotations

import base64
import http.client
import json
import re
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode, urlsplit

from kiosk.core.masking import mask_mobile
from kiosk.core.typed import MOBILE
from kiosk.relay.loopback import is_loopback
from kiosk.relay.transport import Outgoing, PermanentFailure, TemporaryFailure

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
_E164 = re.compile(r"\+[1-9][0-9]{7,14}", re.ASCII)
_COLOMBIA = "+57"
_REASON_LIMIT = 200


def e164(recipient: str) -> str:
    """A stored mobile in E.164: Colombian mobiles are stored as their 10 digits."""
    number = re.sub(r"[ -]", "", recipient.strip())
    if number.startswith(_COLOMBIA):
        number = number[len(_COLOMBIA) :]
    if MOBILE.fullmatch(number):
        return _COLOMBIA + number
    if _E164.fullmatch(number):
        return number
    raise PermanentFailure(f"{mask_mobile(recipient)} is not a mobile number an SMS can reach")


class TwilioSms:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str = "https://api.twilio.com",
        timeout: float = 10.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio needs an account SID and an auth token")
        address = urlsplit(base_url)
        if address.scheme not in ("https", "http") or not address.hostname:
            raise ValueError(f"Twilio base_url must be an http(s) URL, not {base_url!r}")
        if address.scheme == "http" and not is_loopback(address.hostname):
            raise ValueError(f"refusing to send the Twilio auth token unencrypted to {address.hostname}: use https")
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{quote(account_sid, safe='')}/Messages.json"
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self._authorization = f"Basic {credentials}"
        self._from_number = from_number
        self._timeout = timeout

    def send(self, message: Outgoing) -> None:
        form = urlencode({"To": e164(message.recipient), "From": self._from_number, "Body": message.body})
        request = urllib.request.Request(
            self._url,
            data=form.encode("utf-8"),
            method="POST",
            headers={
                "Authorization": self._authorization,
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Accept": "application/json",
                IDEMPOTENCY_HEADER: message.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            try:
                failure = _refusal(error, message.body)
            finally:
                error.close()
            raise failure from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            # Twilio may have accepted it before the line broke: the retry carries the same token.
            reason = getattr(error, "reason", None) or error
            raise TemporaryFailure(f"Twilio unreachable: {type(reason).__name__}: {reason}"[:_REASON_LIMIT]) from None


def _refusal(error: urllib.error.HTTPError, body: str) -> Exception:
    status = error.code
    detail = _twilio_error(error, body)
    if status == 401:
        # Wrong SID or token: a configuration error every message hits alike.  Temporary,
        # so the queue waits for an administrator instead of dead-lettering everything.
        return TemporaryFailure(
            f"Twilio refused the credentials (HTTP 401{detail}): check account_sid and the token variable"
        )
    if status == 429:
        retry_after = error.headers.get("Retry-After") if error.headers else None
        wait = f", retry after {retry_after} s" if retry_after else ""
        return TemporaryFailure(f"Twilio is rate limiting (HTTP 429{detail}{wait})")
    if status >= 500:
        return TemporaryFailure(f"Twilio failed (HTTP {status}{detail})")
    return PermanentFailure(f"Twilio refused the message (HTTP {status}{detail})")


def _twilio_error(error: urllib.error.HTTPError, body: str) -> str:
    """Twilio's ``code`` and ``message`` from its error JSON, or nothing."""
    try:
        payload = json.loads(error.read(16_384) or b"{}")
    except (ValueError, OSError, http.client.HTTPException):
        return ""
    if not isinstance(payload, dict):
        return ""
    code = payload.get("code")
    text = " ".join(str(payload.get("message") or "").split())
    if body.strip():
        text = text.replace(" ".join(body.split()), "[body]")  # a gateway that echoes the body
    text = text[:_REASON_LIMIT]
    parts = [f"error {code}" if code is not None else "", text]
    joined = ": ".join(part for part in parts if part)
    return f", {joined}" if joined else ""
