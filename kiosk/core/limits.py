"""Abuse limits on what the kiosk sends, and the decoy code of a document
nobody holds.

Both are counted in the store's ``recovery_attempt`` rows, keyed by a keyed
digest of the document (never the document itself), so they hold across every
kiosk that shares the store and look the same whether or not the document is a
member's: a stranger typing someone's document cannot flood that member's phone
or mailbox, and cannot tell a member's document from an unknown one by the
answers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from kiosk.core.errors import Refusal
from kiosk.i18n import _
from kiosk.store.models import RecoveryAttempt

# At most this many codes and temporary keys, and as many links, for one
# document in the window, whatever the purpose and whichever kiosk asks: two
# whole recoveries and a few resends an hour, never a flood.
MAX_SENDS = 5
SEND_WINDOW = timedelta(hours=1)


def _sub(subject: str, *parts: object) -> str:
    """A subject derived from another (already keyed) subject."""
    return hashlib.sha256(":".join([subject, *map(str, parts)]).encode()).hexdigest()


def _count(session: Session, subject: str, since: datetime | None = None) -> int:
    statement = select(func.count()).select_from(RecoveryAttempt).where(RecoveryAttempt.subject == subject)
    if since is not None:
        statement = statement.where(RecoveryAttempt.failed_at >= since)
    return session.exec(statement).one()


def _latest(session: Session, subject: str) -> RecoveryAttempt | None:
    statement = (
        select(RecoveryAttempt)
        .where(RecoveryAttempt.subject == subject)
        .order_by(col(RecoveryAttempt.failed_at).desc(), col(RecoveryAttempt.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def _add(session: Session, institution: str, subject: str, at: datetime) -> None:
    session.add(RecoveryAttempt(institution=institution, subject=subject, failed_at=at))


CODES = "sent"
LINKS = "sent-link"


def check_send_allowed(session: Session, subject: str, now: datetime, budget: str = CODES) -> None:
    """Refuse once the document had ``MAX_SENDS`` sends from ``budget`` (codes,
    or links: separate, so links spent do not shut a member out of the code
    that follows them) in the last hour.  Call it before writing anything in
    the unit of work."""
    if _count(session, _sub(subject, budget), now - SEND_WINDOW) >= MAX_SENDS:
        raise Refusal(
            "send_limit",
            _(
                "Por su seguridad, no enviamos más códigos por ahora. "
                "Intente de nuevo en una hora o acérquese a una oficina."
            )
            if budget == CODES
            else _(
                "Por su seguridad, no enviamos más enlaces por ahora. "
                "Intente de nuevo en una hora o acérquese a una oficina."
            ),
        )


def record_send(session: Session, institution: str, subject: str, now: datetime, budget: str = CODES) -> bool:
    """Count a send; whether it filled the budget (the send lock begins)."""
    _add(session, institution, _sub(subject, budget), now)
    session.flush()
    return _count(session, _sub(subject, budget), now - SEND_WINDOW) >= MAX_SENDS


def lift_sends(session: Session, subject: str, now: datetime) -> int:
    """A teller lifts the send locks that hold (a full budget); how many were lifted."""
    lifted = 0
    for budget in (CODES, LINKS):
        sends = _sub(subject, budget)
        if _count(session, sends, now - SEND_WINDOW) >= MAX_SENDS:
            session.execute(delete(RecoveryAttempt).where(col(RecoveryAttempt.subject) == sends))
            lifted += 1
    return lifted


@dataclass(frozen=True)
class DecoyCode:
    """What a member's latest code would be, for a document nobody holds."""

    issued_at: datetime
    expires_at: datetime
    tries_subject: str
    tries: int


def issue_decoy(
    session: Session, institution: str, subject: str, purpose: str, now: datetime, lifetime: timedelta
) -> None:
    """Remember a code "sent" to an unknown document, as a member's code row would be."""
    _add(session, institution, _sub(subject, "decoy-issued", purpose), now)
    _add(session, institution, _sub(subject, "decoy-expires", purpose), now + lifetime)


def latest_decoy(session: Session, subject: str, purpose: str) -> DecoyCode | None:
    issued = _latest(session, _sub(subject, "decoy-issued", purpose))
    expires = _latest(session, _sub(subject, "decoy-expires", purpose))
    if issued is None or expires is None:
        return None
    tries_subject = _sub(subject, "decoy-tries", purpose, issued.id)
    return DecoyCode(issued.failed_at, expires.failed_at, tries_subject, _count(session, tries_subject))


def count_decoy_try(session: Session, institution: str, decoy: DecoyCode, now: datetime) -> int:
    """One more wrong try at a decoy code; the tries so far."""
    _add(session, institution, decoy.tries_subject, now)
    return decoy.tries + 1


def first_notice(session: Session, institution: str, subject: str, lock: str, now: datetime, window: timedelta) -> bool:
    """Whether a lock that just began should be told to the member: once per
    lock, not again while an earlier notice of the same lock is in ``window``
    (a rolling budget that refills and fills again is the same siege)."""
    notices = _sub(subject, "lock-notice", lock)
    if _count(session, notices, now - window):
        return False
    _add(session, institution, notices, now)
    return True
