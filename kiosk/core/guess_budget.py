"""A typed code settled under the document's guess budget (kiosk.core.guesses),
and the never-right decoy codes of an unknown document."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session

from kiosk.core import codes, guesses, limits
from kiosk.core.context import CoreContext
from kiosk.core.errors import Refusal
from kiosk.core.notices import GUESS_LOCKS, notify_lock
from kiosk.core.values import PendingChange

T = TypeVar("T")


def code_attempt(core: CoreContext, member_id: int | None, purpose: str, value: str) -> codes.Attempt:
    """``value`` checked against the member's latest code, before the write
    transaction that settles it (``codes.check``)."""
    return codes.attempt(core.hasher, core.read(lambda s: codes.latest(s, member_id, purpose)), value)


def settle_guess(
    core: CoreContext, session: Session, now: datetime, subject: str, member_id: int | None, check: Callable[[], T]
) -> T:
    """Settle a code under the document's guess budget (``guesses``): refused
    while a lock holds; a wrong guess counted, and a lock it starts told
    to the member (the same work, nothing told, for an unknown document)."""
    guesses.check_allowed(session, subject, now, core.institution_name)
    try:
        return check()
    except Refusal as refusal:
        if refusal.reason not in ("wrong_code", "code_dead"):
            raise
        lock = guesses.record_wrong(session, core.institution, subject, now)
        if lock is None:
            raise
        core.audit(session, now, "codes_locked", member_id, lock)
        member = core.member(session, member_id) if member_id is not None else None
        notify_lock(core, session, now, member, subject, GUESS_LOCKS[lock])
        raise guesses.refusal(lock, core.institution_name) from None


def decoy_wrong_try(core: CoreContext, session: Session, now: datetime, decoy: limits.DecoyCode) -> None:
    raise codes.wrong_try(limits.count_decoy_try(session, core.institution, decoy, now))


def decoy_check(core: CoreContext, session: Session, now: datetime, pending: PendingChange) -> None:
    """``codes.check`` for a code "sent" to an unknown document: never right."""
    decoy = limits.latest_decoy(session, pending.subject, pending.purpose)
    if decoy is None or decoy.tries >= codes.MAX_TRIES:
        raise codes.no_code()
    decoy_wrong_try(core, session, now, decoy)
