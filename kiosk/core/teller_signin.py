"""What a failed teller sign-in counts against, besides a known teller's row.

- A username nobody holds: its failures are counted in ``recovery_attempt``
  rows under a keyed digest of the username, and it "locks" after as many
  tries, for as long, with the same answer as a teller's own row does; so the
  answers never tell a username in use from one that is not.
- The terminal (OS user and host or KIOSK_ID): past ``MAX_TERMINAL_FAILURES``
  failed tries in ``TERMINAL_WINDOW`` it takes no sign-in until the oldest
  leaves the window, so one terminal cannot lock every teller in a row (it
  locks at most ``MAX_TERMINAL_FAILURES // MAX_FAILED_SIGNINS`` of them per
  window, and each lock is in the audit with the terminal's name).
"""

from __future__ import annotations

import getpass
import math
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.i18n import _
from kiosk.store.models import RecoveryAttempt

MAX_FAILED_SIGNINS = 5
LOCKOUT = timedelta(minutes=15)
MAX_TERMINAL_FAILURES = 20
TERMINAL_WINDOW = timedelta(minutes=15)


def os_user() -> str:
    """Who runs this process on the operating system: their login name, or uid."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (containers) nor LOGNAME/USER
        return f"uid{os.getuid()}"


def admin_actor() -> str:
    """The audit actor of a ``kiosk teller ...`` command: ``admin:<os user>``."""
    return f"admin:{os_user()}"


def this_terminal(kiosk_id: str | None = None) -> str:
    """The source of a sign-in: the OS user at this host (or KIOSK_ID)."""
    return f"{os_user()}@{kiosk_id or socket.gethostname()}"


def username_subject(hasher: Hasher, institution: str, username: str) -> str:
    return hasher.fingerprint(f"teller-username:{institution}:{username}").hex()


def terminal_subject(hasher: Hasher, institution: str, terminal: str) -> str:
    return hasher.fingerprint(f"teller-terminal:{institution}:{terminal}").hex()


def _failures(session: Session, subject: str) -> list[datetime]:
    statement = (
        select(RecoveryAttempt.failed_at)
        .where(RecoveryAttempt.subject == subject)
        .order_by(col(RecoveryAttempt.failed_at))
    )
    return list(session.exec(statement))


def unknown_locked(session: Session, subject: str, now: datetime) -> bool:
    """Like ``Teller.locked_until``: locked for ``LOCKOUT`` after the try that
    reached ``MAX_FAILED_SIGNINS``; once that has passed the count starts over."""
    failures = _failures(session, subject)
    if len(failures) < MAX_FAILED_SIGNINS:
        return False
    if failures[-1] + LOCKOUT > now:
        return True
    session.execute(delete(RecoveryAttempt).where(RecoveryAttempt.subject == subject))
    return False


def count_unknown_failure(session: Session, institution: str, subject: str, now: datetime) -> int:
    """Count a failed try of an unknown username; the tries counted so far."""
    session.add(RecoveryAttempt(institution=institution, subject=subject, failed_at=now))
    session.flush()
    return len(_failures(session, subject))


def refuse_busy_terminal(session: Session, subject: str, now: datetime) -> None:
    """Refuse any sign-in while this terminal has too many recent failures."""
    since = now - TERMINAL_WINDOW
    times = list(
        session.exec(
            select(RecoveryAttempt.failed_at)
            .where(RecoveryAttempt.subject == subject, RecoveryAttempt.failed_at > since)
            .order_by(col(RecoveryAttempt.failed_at))
        )
    )
    if len(times) < MAX_TERMINAL_FAILURES:
        return
    frees_at = times[len(times) - MAX_TERMINAL_FAILURES] + TERMINAL_WINDOW
    minutes = max(1, math.ceil((frees_at - now).total_seconds() / 60))
    raise Refusal(
        "terminal_busy",
        _("Esta terminal tuvo demasiados ingresos fallidos. Espere {minutes} min o use otra terminal.").format(
            minutes=minutes
        ),
    )


def count_terminal_failure(session: Session, institution: str, subject: str, now: datetime) -> bool:
    """Count a failed try at this terminal; whether it just reached the limit."""
    session.add(RecoveryAttempt(institution=institution, subject=subject, failed_at=now))
    session.flush()
    recent = session.exec(
        select(func.count()).select_from(RecoveryAttempt).where(
            RecoveryAttempt.subject == subject, RecoveryAttempt.failed_at > now - TERMINAL_WINDOW
        )
    ).one()
    return recent == MAX_TERMINAL_FAILURES
