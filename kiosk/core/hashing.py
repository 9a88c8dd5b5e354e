"""Key and code hashing: bcrypt over an HMAC-SHA256 of the value with a pepper.

The HMAC keeps the pepper (held outside the database) in every hash and turns
any input into 44 bytes, so bcrypt's 72-byte limit never truncates a value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import bcrypt

# bcrypt releases the GIL: independent checks of one press run at once, one a
# core, so a new key vetted against the current key and the last ones costs
# about one bcrypt a core instead of one each (issue 20: a press within 1 s).
_BCRYPT_THREADS = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="bcrypt")


def all_at_once(*calls: Callable[[], Any]) -> list[Any]:
    """The results of ``calls`` (independent bcrypt work), run in parallel;
    the first exception raised, if any.  Never call it from inside one of
    the calls (the threads would wait on themselves)."""
    futures = [_BCRYPT_THREADS.submit(call) for call in calls]
    return [future.result() for future in futures]


def started(call: Callable[[], Any]) -> Future:
    """``call`` (bcrypt work) started on the same threads, not waited for."""
    return _BCRYPT_THREADS.submit(call)


class Hasher:
    def __init__(self, pepper: bytes, cost: int = 12) -> None:
        if len(pepper) < 16:
            raise ValueError("the pepper must be at least 16 bytes")
        self._pepper = pepper
        self._cost = cost
        # A hash of nothing anybody can type, checked when there is no real
        # hash to check, so an unknown member costs the same time as a known one.
        # Made on the bcrypt threads (a third of a second at cost 12) while the
        # kiosk goes on starting; queued before any check that could wait on it.
        # Not through ``hash``, which a subclass may count or hold.
        self._decoy_hash = started(lambda: self._bcrypt("\x00decoy"))

    def _peppered(self, value: str) -> bytes:
        digest = hmac.new(self._pepper, value.encode("utf-8"), hashlib.sha256).digest()
        return base64.b64encode(digest)

    def hash(self, value: str) -> str:
        return self._bcrypt(value)

    def _bcrypt(self, value: str) -> str:
        return bcrypt.hashpw(self._peppered(value), bcrypt.gensalt(self._cost)).decode("ascii")

    def verify(self, value: str, hashed: str | None) -> bool:
        if hashed is None:
            bcrypt.checkpw(self._peppered(value), self._decoy_hash.result().encode("ascii"))
            return False
        return bcrypt.checkpw(self._peppered(value), hashed.encode("ascii"))

    def fingerprint(self, value: str) -> bytes:
        """A keyed digest used to derive stable decoys; never stored."""
        return hmac.new(self._pepper, b"decoy:" + value.encode("utf-8"), hashlib.sha256).digest()

    def audit_key(self) -> bytes:
        """The key of the audit trail's chain (kiosk.core.audit); never stored."""
        return hmac.new(self._pepper, b"kiosk audit chain key", hashlib.sha256).digest()
