"""One-time codes: pyotp digits from a fresh random secret, stored hashed,
bound to one member and one purpose, single use, expiring, dead after three
wrong tries, and throttled when resent."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import update
from sqlmodel import Session, col, select

from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.i18n import _, seconds_text
from kiosk.store.models import OneTimeCode

MAX_TRIES = 3
MAX_LIFETIME = timedelta(minutes=10)
RESEND_INTERVAL = timedelta(seconds=30)


def new_code(digits: int) -> str:
    # A fresh secret per code: nothing links one code to the next.
    if not 4 <= digits <= 10:
        raise ValueError(f"a code has 4 to 10 digits, not {digits}")
    # Recent pyotp (2.12 here) refuses fewer than 6 digits; the seeds use 4-digit codes.
    # RFC 4226 truncation is ``value % 10**digits``, so the last ``digits`` of the
    # 6-digit HOTP are exactly the 4-digit HOTP.
    return pyotp.HOTP(pyotp.random_base32(), digits=max(digits, 6)).at(0)[-digits:]


def latest(session: Session, member_id: int, purpose: str) -> OneTimeCode | None:
    statement = (
        select(OneTimeCode)
        .where(OneTimeCode.member_id == member_id, OneTimeCode.purpose == purpose)
        .order_by(col(OneTimeCode.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


@dataclass(frozen=True)
class NewCode:
    """A code and its hash, made before the transaction that stores it: bcrypt
    takes a quarter second, and no write lock is held that long."""

    value: str
    hash: str


def make(hasher: Hasher, digits: int) -> NewCode:
    value = new_code(digits)
    return NewCode(value, hasher.hash(value))


def issue(
    session: Session,
    now: datetime,
    member_id: int,
    purpose: str,
    channel: str,
    code: NewCode,
    lifetime: timedelta,
) -> str:
    """Store a new code (retiring the previous one) and return it in clear for the outbox only."""
    check_resend(session, now, member_id, purpose)
    session.execute(
        update(OneTimeCode)
        .where(
            col(OneTimeCode.member_id) == member_id,
            col(OneTimeCode.purpose) == purpose,
            col(OneTimeCode.used_at).is_(None),
        )
        .values(expires_at=now)
    )
    session.add(
        OneTimeCode(
            member_id=member_id,
            purpose=purpose,
            channel=channel,
            hash=code.hash,
            created_at=now,
            expires_at=now + min(lifetime, MAX_LIFETIME),
        )
    )
    return code.value


def check_resend(session: Session, now: datetime, member_id: int, purpose: str) -> None:
    """Refuse a new code while the previous one, unused, is younger than ``RESEND_INTERVAL``."""
    previous = latest(session, member_id, purpose)
    if previous and previous.used_at is None:
        throttle(now, previous.created_at)


def throttle(now: datetime, sent_at: datetime) -> None:
    """The resend refusal, when something was sent less than ``RESEND_INTERVAL`` ago.
    Something "sent" after now (the clock stepped back) is void and throttles nothing."""
    if timedelta(0) <= now - sent_at < RESEND_INTERVAL:
        wait = math.ceil((RESEND_INTERVAL - (now - sent_at)).total_seconds())
        raise Refusal(
            "resend_throttled",
            _("Ya le enviamos un código. Espere {seconds} para pedir otro.").format(seconds=seconds_text(wait)),
        )


def wrong_try(tries: int) -> Refusal:
    """The refusal for a wrong code after ``tries`` wrong tries in all."""
    if tries >= MAX_TRIES:
        return Refusal("code_dead", _("Demasiados intentos fallidos. Solicite un código nuevo."))
    left = MAX_TRIES - tries
    return Refusal("wrong_code", _("El código no es correcto. Intentos restantes: {left}.").format(left=left))


def no_code() -> Refusal:
    return Refusal("no_code", _("El código no es válido. Solicite uno nuevo."))


@dataclass(frozen=True)
class CodeMatch:
    code_id: int


def current(code: OneTimeCode, now: datetime) -> bool:
    """Whether ``code`` is within its lifetime.  One created after now (the
    clock stepped back) is refused: it would otherwise live longer than its lifetime."""
    return code.created_at <= now < code.expires_at


def usable(code: OneTimeCode | None) -> bool:
    """Whether ``code`` can still be tried (its expiry aside)."""
    return code is not None and code.used_at is None and code.tries < MAX_TRIES


@dataclass(frozen=True)
class Attempt:
    """A value checked against the member's latest code outside any
    transaction (the bcrypt work); ``check`` settles it under the write lock."""

    code_id: int | None  # the code it was checked against; None when none was usable
    matches: bool


def attempt(hasher: Hasher, code: OneTimeCode | None, value: str) -> Attempt:
    """Check ``value`` against ``code``, the member's latest for the purpose as
    read just before.  With no usable code the same bcrypt work is done."""
    if not usable(code):
        hasher.verify(value, None)
        return Attempt(None, False)
    return Attempt(code.id, hasher.verify(value, code.hash))


def check(session: Session, now: datetime, member_id: int, purpose: str, tried: Attempt) -> CodeMatch:
    """Settle ``tried`` without using the code up: it counts only against the
    code it was checked against, if that is still the member's current one.

    A wrong value counts a try; the third wrong try kills the code.
    """
    code = latest(session, member_id, purpose)
    if tried.code_id is None or code is None or code.id != tried.code_id or not usable(code):
        raise no_code()
    if not tried.matches:
        code.tries += 1
        session.add(code)
        raise wrong_try(code.tries)
    if not current(code, now):
        raise Refusal("code_expired", _("El código venció. Solicite uno nuevo."))
    return CodeMatch(code.id)


def consume(session: Session, now: datetime, code_id: int) -> None:
    """Mark the code used, exactly once even when two kiosks race for it, and
    only while it is still current (not expired, not replaced by a newer one)."""
    result = session.execute(
        update(OneTimeCode)
        .where(
            col(OneTimeCode.id) == code_id,
            col(OneTimeCode.used_at).is_(None),
            col(OneTimeCode.created_at) <= now,
            col(OneTimeCode.expires_at) > now,
        )
        .values(used_at=now)
    )
    if result.rowcount == 1:
        return
    code = session.get(OneTimeCode, code_id)
    if code is not None and code.used_at is None:
        raise Refusal("code_expired", _("El código venció. Solicite uno nuevo."))
    raise Refusal("code_used", _("Este código ya fue usado. Solicite uno nuevo."))


