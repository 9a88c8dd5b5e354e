"""The relay: takes due outbox messages and delivers them (``kiosk relay``).

One turn (``Relay.turn``): claim a batch (kiosk.relay.claims), then, outside
any transaction, for each message open its body (the Sealer: bodies are
opened only here, at send time) and hand it to its transport; then mark it
sent, or due again after an exponential pause with jitter on a temporary
failure, or dead with the reason on a permanent one or after the last
attempt.  A message whose code or link has expired is marked dead, never sent
late.  Any number of relays may run on any number of machines.

Stopping (``stop`` set, SIGTERM/SIGINT in the command) finishes the message
in hand and gives the rest of the batch back.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import signal
import socket
import threading
import time
from collections.abc import Mapping
from datetime import timedelta

from cryptography.fernet import InvalidToken
from sqlalchemy.engine import Engine

from kiosk.core.clock import Clock
from kiosk.core.sealing import Sealer
from kiosk.relay import claims
from kiosk.relay.config import Pace
from kiosk.relay.transport import Outgoing, PermanentFailure, TemporaryFailure, Transport

log = logging.getLogger("kiosk.relay")

# Tests only: "before_send:N" or "after_send:N" kills this relay (SIGKILL) at
# that point of its Nth message, to show a crash loses nothing.
FAULT_ENV = "KIOSK_RELAY_FAULT"


class Relay:
    def __init__(
        self,
        engine: Engine,
        sealer: Sealer,
        transports: Mapping[tuple[str, str], Transport],
        clock: Clock | None = None,
        pace: Pace | None = None,
        name: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.sealer = sealer
        self.transports = dict(transports)
        self.clock = clock or Clock()
        self.pace = pace or Pace()
        self.name = (name or f"{socket.gethostname()}:{os.getpid()}")[:60]
        self.rng = rng or random.Random()
        self.stop = threading.Event()
        self._fault = _fault_from_env()
        self._opened = 0  # messages opened to be sent (the fault hook counts these)
        self.settled = 0  # messages this relay claimed and gave an outcome

    def run(self) -> None:
        """Turn until stopped, resting ``poll_seconds`` whenever nothing was due."""
        while not self.stop.is_set():
            if not self.turn():
                self.stop.wait(self.pace.poll_seconds)

    def drain(self) -> int:
        """Turn until nothing is due (``kiosk relay --once``); how many were claimed."""
        total = 0
        while not self.stop.is_set():
            claimed = self.turn()
            if not claimed:
                break
            total += claimed
        return total

    def turn(self) -> int:
        """One batch claimed and settled; how many messages were claimed."""
        token = f"{self.name}:{secrets.token_hex(6)}"
        lease = timedelta(seconds=self.pace.lease_seconds)
        # Sending stops short of the lease: past it another relay may have the message.
        deadline = time.monotonic() + self.pace.lease_seconds * 0.8
        batch = claims.claim(
            self.engine, token, self.clock.now(), self.transports.keys(), self.pace.batch, lease, self.pace.max_attempts
        )
        for index, message in enumerate(batch):
            if self.stop.is_set() or time.monotonic() > deadline:
                claims.release(self.engine, batch[index:], token)
                break
            self._settle(message, token)
            self.settled += 1
        return len(batch)

    def _settle(self, message: claims.Claimed, token: str) -> None:
        if message.expires_at is not None and message.expires_at <= self.clock.now():
            claims.mark_dead(self.engine, message, token, claims.EXPIRED)
            return
        try:
            body = self.sealer.open(message.sealed_body)
        except InvalidToken:
            claims.mark_dead(self.engine, message, token, "el cuerpo sellado no se pudo abrir (¿otro pepper?)")
            return
        outgoing = Outgoing(
            idempotency_key=message.idempotency_key, institution=message.institution, channel=message.channel,
            recipient=message.recipient, subject=message.subject, body=body,
        )
        self._opened += 1
        self._maybe_fail("before_send")
        try:
            self.transports[(message.institution, message.channel)].send(outgoing)
        except PermanentFailure as failure:
            claims.mark_dead(self.engine, message, token, _reason(failure))
            return
        except TemporaryFailure as failure:
            self._retry(message, token, _reason(failure))
            return
        except Exception as error:  # noqa: BLE001 - a transport's bug is retried, never the relay's end
            log.exception("transport %s/%s failed", message.institution, message.channel)
            self._retry(message, token, f"error del transporte: {type(error).__name__}")
            return
        self._maybe_fail("after_send")
        if not claims.mark_sent(self.engine, message, token, self.clock.now()):
            log.warning("message %s sent after its claim lapsed (same idempotency key)", message.id)

    def _retry(self, message: claims.Claimed, token: str, reason: str) -> None:
        if message.attempts >= self.pace.max_attempts:
            claims.mark_dead(self.engine, message, token, f"{message.attempts} intentos; el último: {reason}")
            return
        claims.mark_retry(self.engine, message, token, self.clock.now() + self.backoff(message.attempts), reason)

    def backoff(self, attempts: int) -> timedelta:
        """The pause after the ``attempts``-th failed try: doubled each time up
        to the cap, and spread by jitter so that relays do not retry in step."""
        pause = min(self.pace.backoff_seconds * 2 ** (attempts - 1), self.pace.backoff_max_seconds)
        return timedelta(seconds=pause * (0.5 + self.rng.random() / 2))

    def _maybe_fail(self, point: str) -> None:
        if self._fault == (point, self._opened):
            os.kill(os.getpid(), signal.SIGKILL)


def _reason(failure: Exception) -> str:
    """A short reason: what the transport said, one line."""
    text = " ".join(str(failure).split()) or type(failure).__name__
    return text[: claims.REASON_LENGTH]


def _fault_from_env() -> tuple[str, int] | None:
    point, _colon, count = os.environ.get(FAULT_ENV, "").partition(":")
    return (point, int(count)) if point in ("before_send", "after_send") and count.isdigit() else None


def stop_on_signals(relay: Relay) -> None:
    """SIGTERM and SIGINT stop the relay once the message in hand is settled."""

    def stop(_signum: int, _frame: object) -> None:
        relay.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
