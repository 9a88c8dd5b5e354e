"""What the relay hands a transport, and how a transport says it failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One outbox message, opened for sending."""

    idempotency_key: str  # the same on every attempt: a gateway or mail server can drop a repeat
    institution: str
    channel: str  # "sms" or "email"
    recipient: str
    subject: str
    body: str


class TemporaryFailure(Exception):
    """Try again later (connection refused, timeout, 4xx SMTP, HTTP 429/5xx)."""


class PermanentFailure(Exception):
    """Never try again (a refused recipient, 5xx SMTP, HTTP 4xx other than 429)."""


class Transport(Protocol):
    def send(self, message: Outgoing) -> None:
        """Deliver ``message`` or raise TemporaryFailure / PermanentFailure."""
