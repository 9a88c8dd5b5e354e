"""A new key's bcrypt work started while the member is still typing (issue 20:
no press over 1 s at p95 at bcrypt cost 12).

When the new-key field holds a key of the policy's length, the screen asks the
core to start the checks a press will make for it (``KeyVetting.vet_ahead``, kiosk.core.key_vetting).
The started work is remembered here, at most one per member (or, for an
unknown document, per subject) and kind of key; the press uses it only if it
was started for the same key (an HMAC fingerprint, compared in constant time;
the key itself is not kept) against the same hashes it reads itself at press
time; otherwise it does the work afresh, as without vetting ahead.  A newer
call replaces the remembered one and cancels its work not yet started;
remembered work expires after ``REMEMBERED_SECONDS`` or once a press takes it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from time import monotonic
from typing import Any

from kiosk.core.hashing import started

REMEMBERED_SECONDS = 120.0
MAX_REMEMBERED = 64  # members vetting ahead at once on one kiosk: a handful; a bound all the same


@dataclass
class Ahead:
    """The work started for one key: its checks against ``avoided`` (the padded
    history) and ``other`` (the other kind's key, when ``differ_from``), and its
    hash; optionally the current-key check against ``current_against``."""

    key_print: bytes
    differ_from: str | None
    other: str | None
    avoided: tuple[str | None, ...]
    key_work: list[Future]  # [the differ_from check,] the avoided checks..., the new hash
    current_print: bytes | None = None
    current_against: str | None = None
    current_work: Future | None = None
    started_at: float = field(default_factory=monotonic)

    def futures(self) -> list[Future]:
        return [*self.key_work, *([self.current_work] if self.current_work is not None else [])]

    def cancel(self, keep: list[Any] = ()) -> None:
        """Cancel the work not yet started, but what ``keep`` names (in use)."""
        kept = {id(item) for item in keep}
        for future in self.futures():
            if id(future) not in kept:
                future.cancel()


class VettingAhead:
    """The remembered work, per (who, kind)."""

    def __init__(self, clock: Callable[[], float] = monotonic) -> None:
        self._clock = clock
        self._secret = os.urandom(32)  # fingerprints only live in this process's memory
        self._lock = threading.Lock()
        self._remembered: dict[tuple[Hashable, str], Ahead] = {}

    def fingerprint(self, value: str) -> bytes:
        return hmac.new(self._secret, value.encode("utf-8"), hashlib.sha256).digest()

    def start_key_work(
        self, who: Hashable, kind: str, key: str, differ_from: str | None, other: str | None,
        avoided: tuple[str | None, ...], checks: list[Callable[[], Any]],
    ) -> Ahead:
        """The bcrypt work for ``key`` started (``checks``, in press order), not
        waited for; or the work already remembered for the same key against the
        same hashes (the member completed the current key after the new one)."""
        with self._lock:
            self._prune()
            remembered = self._remembered.get((who, kind))
        same = self._matching_key_work(remembered, key, differ_from, other, avoided)
        work = same if same is not None else [started(check) for check in checks]
        return Ahead(self.fingerprint(key), differ_from, other, avoided, work, started_at=self._clock())

    def remember(self, who: Hashable, kind: str, ahead: Ahead) -> None:
        """Keep ``ahead`` for ``who``'s next press; the one it replaces is cancelled."""
        with self._lock:
            self._prune()
            replaced = self._remembered.pop((who, kind), None)
            self._remembered[(who, kind)] = ahead
            while len(self._remembered) > MAX_REMEMBERED:
                oldest = next(iter(self._remembered))
                self._remembered.pop(oldest).cancel()
        if replaced is not None:
            replaced.cancel(keep=ahead.futures())

    def take(self, who: Hashable, kind: str) -> Ahead | None:
        """The work remembered for ``who`` and ``kind``, forgotten here (a press uses it once)."""
        with self._lock:
            self._prune()
            return self._remembered.pop((who, kind), None)

    def key_work_for(
        self, ahead: Ahead | None, key: str, differ_from: str | None, other: str | None,
        avoided: tuple[str | None, ...],
    ) -> list[Future] | None:
        """``ahead``'s key work if it was started for this key against these hashes (a press)."""
        return self._matching_key_work(ahead, key, differ_from, other, avoided)

    def _matching_key_work(
        self, ahead: Ahead | None, key: str, differ_from: str | None, other: str | None,
        avoided: tuple[str | None, ...],
    ) -> list[Future] | None:
        if ahead is None or not hmac.compare_digest(ahead.key_print, self.fingerprint(key)):
            return None
        if (ahead.differ_from, ahead.other, ahead.avoided) != (differ_from, other, avoided):
            return None  # the member's keys changed meanwhile: checked afresh
        return ahead.key_work

    def current_work_for(self, ahead: Ahead | None, current: str, against: str | None) -> Future | None:
        """``ahead``'s current-key check if it was started for this current key against this hash."""
        if ahead is None or ahead.current_work is None or ahead.current_print is None:
            return None
        if not hmac.compare_digest(ahead.current_print, self.fingerprint(current)):
            return None
        return ahead.current_work if ahead.current_against == against else None

    def remembered(self) -> list[Ahead]:
        with self._lock:
            self._prune()
            return list(self._remembered.values())

    def __len__(self) -> int:
        with self._lock:
            self._prune()
            return len(self._remembered)

    def _prune(self) -> None:
        now = self._clock()
        for slot in [slot for slot, ahead in self._remembered.items() if now - ahead.started_at > REMEMBERED_SECONDS]:
            self._remembered.pop(slot).cancel()


def results_of(work: list[Future | Callable[[], Any]]) -> list[Any]:
    """The results of ``work`` in order: futures started ahead, and calls
    started now on the bcrypt threads (never waiting inside those threads);
    the first exception raised, if any."""
    futures = [item if isinstance(item, Future) else started(item) for item in work]
    return [future.result() for future in futures]
