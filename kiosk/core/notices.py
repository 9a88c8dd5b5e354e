"""The locks the member is told about when they begin (once per lock), and
what they are told."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from kiosk.core import guesses, limits
from kiosk.core.context import CoreContext
from kiosk.i18n import _
from kiosk.store.models import Member

SEND_LOCK = "sends"
LINK_LOCK = "links"
KEY_LOCK = "key"
GUESS_LOCKS = {guesses.DAILY: "guesses-daily", guesses.TELLER: "guesses-teller"}
LOCK_NOTICE_WINDOW = timedelta(hours=24)


def lock_notices() -> dict[str, str]:
    """What the member is told when a lock begins ({name}, {date}, {time} filled by ``CoreContext.notify``)."""
    unknown = _("Si no fue usted, comuníquese de inmediato con la entidad.")
    return {
        SEND_LOCK: _(
            "{name}: por su seguridad bloqueamos por una hora el envío de códigos a su nombre "
            "el {date} a las {time}, tras varias solicitudes."
        ) + " " + unknown,
        LINK_LOCK: _(
            "{name}: por su seguridad bloqueamos por una hora el envío de enlaces a su nombre "
            "el {date} a las {time}, tras varias solicitudes."
        ) + " " + unknown,
        GUESS_LOCKS[guesses.DAILY]: _(
            "{name}: por su seguridad bloqueamos por 24 horas la verificación de sus códigos "
            "el {date} a las {time}, tras varios códigos equivocados."
        ) + " " + unknown,
        GUESS_LOCKS[guesses.TELLER]: _(
            "{name}: por su seguridad bloqueamos la verificación de sus códigos el {date} a las {time}, "
            "tras muchos códigos equivocados; para desbloquearla acérquese a una oficina con su documento."
        ) + " " + unknown,
        KEY_LOCK: _(
            "{name}: por su seguridad bloqueamos su clave el {date} a las {time}, tras varios intentos fallidos."
        ) + " " + unknown,
    }


def notify_lock(
    core: CoreContext, session: Session, now: datetime, member: Member | None, subject: str, lock: str
) -> None:
    """Tell the member a lock began, once per lock (``limits.first_notice``);
    for an unknown document the same bookkeeping and nothing sent."""
    if limits.first_notice(session, core.institution, subject, lock, now, LOCK_NOTICE_WINDOW) and member:
        core.notify(session, now, member, lock_notices()[lock], _("Bloqueo de seguridad"))
