"""The limit per kiosk: how many distinct documents one terminal may look up
in an hour.

Every other limit counts per document, so one person at one kiosk could try
document after document to find out who is a member.  This one counts the
distinct documents typed at a kiosk (the same document typed again does not
count twice) and, past ``MAX_DOCUMENTS``, slows that kiosk: a new document
waits until the oldest one counted leaves the hour.  It never counts against a
document or locks one: a document already counted at this kiosk still goes
through, and at any other kiosk every document does.

Counted in the store's ``recovery_attempt`` rows under keyed digests of the
kiosk id (and of the kiosk id with the document), so it holds across restarts
and across the processes of one kiosk, and the store holds neither in clear.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from kiosk.core.errors import Refusal
from kiosk.i18n import _
from kiosk.store.models import RecoveryAttempt

MAX_DOCUMENTS = 10
WINDOW = timedelta(hours=1)


def _subject(kiosk_subject: str, *parts: str) -> str:
    return hashlib.sha256(":".join(["kiosk-documents", kiosk_subject, *parts]).encode()).hexdigest()


def note_document(session: Session, institution: str, kiosk_subject: str, document_subject: str, now: datetime) -> None:
    """Count ``document_subject`` at this kiosk, or refuse once the kiosk had
    ``MAX_DOCUMENTS`` other documents in the last hour.  The caller holds the
    kiosk's lock, so two visits at one kiosk cannot both take the last place."""
    since = now - WINDOW  # a document typed exactly an hour ago has left the hour
    seen = _subject(kiosk_subject, "seen", document_subject)
    already = session.exec(
        select(func.count()).select_from(RecoveryAttempt)
        .where(RecoveryAttempt.subject == seen, RecoveryAttempt.failed_at > since)
    ).one()
    if already:
        return
    counted = _subject(kiosk_subject, "counted")
    times = list(
        session.exec(
            select(RecoveryAttempt.failed_at)
            .where(RecoveryAttempt.subject == counted, RecoveryAttempt.failed_at > since)
            .order_by(col(RecoveryAttempt.failed_at))
        )
    )
    if len(times) >= MAX_DOCUMENTS:
        # The oldest counted document that must leave the hour for one more to fit.
        frees_at = times[len(times) - MAX_DOCUMENTS] + WINDOW
        minutes = max(1, math.ceil((frees_at - now).total_seconds() / 60))
        if minutes == 1:
            message = _("Este kiosco recibió muchas consultas seguidas. Espere 1 minuto o acérquese a un asesor.")
        else:
            message = _(
                "Este kiosco recibió muchas consultas seguidas. Espere {minutes} minutos o acérquese a un asesor."
            ).format(minutes=minutes)
        raise Refusal("kiosk_busy", message)
    session.add(RecoveryAttempt(institution=institution, subject=seen, failed_at=now))
    session.add(RecoveryAttempt(institution=institution, subject=counted, failed_at=now))

