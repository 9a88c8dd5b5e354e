"""A new key's bcrypt work started while the member types the rest
(``KioskService.vet_ahead``; issue 20: no press over 1 s).  Fire and forget:
a failure is logged, never shown, and never holds up the press, which does
the work itself whenever nothing usable was started."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.screen import Screen

from kiosk.core.values import Identity
from kiosk.screens.base import log_failure


def full_key(key: str, length: int) -> bool:
    """A key worth vetting ahead: the policy's length, digits only."""
    return len(key) == length and key.isascii() and key.isdigit()


def typed_identity(who) -> Identity | None:
    """The document typed in ``who`` (a DocumentInput), if it is valid; the
    core looks it up itself, the same for one nobody holds."""
    from kiosk.core.errors import Refusal
    from kiosk.core.members import validate_document

    try:
        return Identity(who.document_type, validate_document(who.number), None)
    except Refusal:
        return None


def vet_ahead_in_background(screen: Screen, work: Callable[[], None]) -> None:
    """Run ``work`` (a call of the core's ``vet_ahead``) in a thread, no busy
    overlay; a newer one replaces it (the core cancels the older's work)."""

    async def job() -> None:
        try:
            await asyncio.to_thread(work)
        except Exception as error:  # the press vets afresh: nothing to tell the member
            log_failure(error, f"vetting a new key ahead on {screen!r}")

    screen.run_worker(job(), exclusive=True, group="vet-ahead")
