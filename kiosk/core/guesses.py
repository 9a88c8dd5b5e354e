"""The budget of wrong code guesses per document, across every code, purpose
and kiosk: what bounds the odds of guessing a member's code.

Three tries per code and a new code every 30 seconds would still let a
stranger check hundreds of guesses a day; this counts every checked wrong
guess in the store's ``recovery_attempt`` rows, under a keyed digest of the
document (the same for a document nobody holds), and refuses codes once

- ``MAX_DAILY_WRONG_GUESSES`` were wrong in the last 24 hours (it lapses by
  itself), or
- ``MAX_WRONG_GUESSES_BEFORE_TELLER`` were wrong since the last right code or
  the last time a teller lifted the lock (it lasts until a teller lifts it).

With ``d`` digits the chance that a stranger guesses any one code is at most
``guesses / 10**d`` (union bound over distinct guesses at uniform codes), so
4 digits give at most 10 / 10**4 = 0.1 % a day and 100 / 10**4 = 1 % before a
teller acts (``tests/functional/test_codes.py`` computes both for every profile).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from kiosk.core.errors import Refusal
from kiosk.core.limits import _sub
from kiosk.i18n import _
from kiosk.store.models import RecoveryAttempt

MAX_DAILY_WRONG_GUESSES = 10
DAILY_WINDOW = timedelta(hours=24)
MAX_WRONG_GUESSES_BEFORE_TELLER = 100

DAILY = "daily"
TELLER = "teller"


def odds_per_day(digits: int) -> float:
    """The most a stranger's guesses can win in one day, with ``digits``-digit codes."""
    return MAX_DAILY_WRONG_GUESSES / 10**digits


def odds_before_teller(digits: int) -> float:
    return MAX_WRONG_GUESSES_BEFORE_TELLER / 10**digits


def _counts(session: Session, subject: str, now: datetime) -> tuple[int, int]:
    """Wrong guesses in the last 24 hours, and since the last reset (rows are
    ordered by id: a reset and a guess in the same instant still come in order)."""
    wrong = select(func.count()).select_from(RecoveryAttempt).where(
        RecoveryAttempt.subject == _sub(subject, "guess-wrong")
    )
    today = session.exec(wrong.where(RecoveryAttempt.failed_at > now - DAILY_WINDOW)).one()
    last_reset = session.exec(
        select(func.max(RecoveryAttempt.id)).where(RecoveryAttempt.subject == _sub(subject, "guess-reset"))
    ).one()
    since_reset = session.exec(wrong.where(col(RecoveryAttempt.id) > (last_reset or 0))).one()
    return today, since_reset


def locked(session: Session, subject: str, now: datetime) -> str | None:
    """Which lock holds the document's codes (``TELLER`` first), if any."""
    today, since_reset = _counts(session, subject, now)
    if since_reset >= MAX_WRONG_GUESSES_BEFORE_TELLER:
        return TELLER
    if today >= MAX_DAILY_WRONG_GUESSES:
        return DAILY
    return None


def refusal(lock: str, institution_name: str) -> Refusal:
    if lock == TELLER:
        return Refusal(
            "codes_locked",
            _(
                "Por su seguridad, bloqueamos la verificación por código tras muchos códigos equivocados. "
                "Acérquese a una oficina de {name} con su documento de identidad para desbloquearla."
            ).format(name=institution_name),
        )
    return Refusal(
        "codes_paused",
        _(
            "Por su seguridad, no verificamos más códigos por hoy tras varios códigos equivocados. "
            "Intente de nuevo dentro de 24 horas o acérquese a una oficina de {name}."
        ).format(name=institution_name),
    )


def check_allowed(session: Session, subject: str, now: datetime, institution_name: str) -> None:
    """Refuse while a lock holds.  Call it before writing anything in the unit of work."""
    lock = locked(session, subject, now)
    if lock is not None:
        raise refusal(lock, institution_name)


def record_wrong(session: Session, institution: str, subject: str, now: datetime) -> str | None:
    """Count one wrong guess; the lock it starts, if it fills a budget."""
    session.add(RecoveryAttempt(institution=institution, subject=_sub(subject, "guess-wrong"), failed_at=now))
    session.flush()
    return locked(session, subject, now)


def reset(session: Session, institution: str, subject: str, now: datetime) -> None:
    """A right code (or a teller) lifts the lock that only a teller lifts; the
    24-hour budget still counts the day's wrong guesses."""
    session.add(RecoveryAttempt(institution=institution, subject=_sub(subject, "guess-reset"), failed_at=now))


def lift(session: Session, institution: str, subject: str, now: datetime) -> bool:
    """A teller lifts the lock; whether it held."""
    held = locked(session, subject, now) == TELLER
    reset(session, institution, subject, now)
    return held
