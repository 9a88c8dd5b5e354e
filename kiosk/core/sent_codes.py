"""Codes sent by SMS or e-mail (a temporary key, a confirmation code) under
the send limits, the same work and nothing sent for an unknown document, and
a code typed back to prove the member holds the contact."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from kiosk.core import codes, guesses, limits, outbox
from kiosk.core.context import CoreContext
from kiosk.core.guess_budget import code_attempt, settle_guess
from kiosk.core.notices import LINK_LOCK, SEND_LOCK, notify_lock
from kiosk.core.values import LINK, LINK_WITH_KEY, TEMPORARY_KEY, Identity, Proof
from kiosk.i18n import _


class SentCodes:
    """Sending codes, pretending to for a stranger, and checking a code typed back."""

    def __init__(self, core: CoreContext) -> None:
        self.core = core

    def send_temporary_key(
        self, identity: Identity, channel: str, digits: int, lifetime: timedelta
    ) -> None:
        """Send a temporary key by SMS or e-mail (Progressa: the code is the key)."""
        template = _(
            "{name}: su clave temporal es {code}. Vence en {minutes} minutos. No la comparta con nadie."
        )
        self._send_code(identity, TEMPORARY_KEY, channel, digits, lifetime, template, _("Clave temporal"))

    def send_confirmation_code(
        self, identity: Identity, purpose: str, digits: int, lifetime: timedelta, channel: str = outbox.SMS
    ) -> None:
        """Send the code that confirms a pending key change (``confirm_change``)."""
        template = _(
            "{name}: su código de seguridad es {code}. Vence en {minutes} minutos. "
            "No lo comparta con nadie."
        )
        self._send_code(identity, purpose, channel, digits, lifetime, template, _("Código de seguridad"))

    def _send_code(
        self,
        identity: Identity,
        purpose: str,
        channel: str,
        digits: int,
        lifetime: timedelta,
        template: str,
        subject: str,
    ) -> None:
        """Issue a code and put it in the outbox.  For an unknown document the
        same work is done, the same limits apply, and nothing is sent."""
        fresh = codes.make(self.core.hasher, digits)  # made for a stranger too: the same bcrypt work
        if identity.member_id is None:
            self.core.write(lambda s, now: self.pretend_send(s, now, identity, purpose, lifetime), identity)
            return

        def send(session: Session, now: datetime) -> None:
            member = self.core.member(session, identity.member_id)
            sends = self.core.send_subject(identity)
            guesses.check_allowed(session, sends, now, self.core.institution_name)
            limits.check_send_allowed(session, sends, now)
            code = codes.issue(session, now, member.id, purpose, channel, fresh, lifetime)
            filled = limits.record_send(session, self.core.institution, sends, now)
            if filled:
                notify_lock(self.core, session, now, member, sends, SEND_LOCK)
            if not outbox.recipient_for(member, channel):
                # Nowhere to send it: answered as anyone else is (a code nobody
                # knows, the same limits), and the screens' own text sends whoever
                # receives nothing to an office.  Refusing here would tell a
                # stranger the document is a member's.
                self.core.audit(session, now, "code_not_sent", member.id, f"{purpose}: sin {channel} registrado")
                return
            minutes = int(min(lifetime, codes.MAX_LIFETIME).total_seconds() // 60)
            body = template.format(name=self.core.institution_name, code=code, minutes=minutes)
            outbox.queue(
                session, self.core.sealer, now, member, channel, body, subject=subject,
                expires_at=now + min(lifetime, codes.MAX_LIFETIME), relayed=self.core.relayed,
                topic=f"code:{purpose}",  # codes.issue retired the previous code of this purpose
            )
            self.core.audit(session, now, "code_sent", member.id, f"{purpose} por {channel}")

        self.core.write(send, identity)

    def pretend_send(
        self,
        session: Session,
        now: datetime,
        identity: Identity,
        purpose: str,
        lifetime: timedelta,
        unsent_member: int | None = None,
    ) -> None:
        """What sending does for an unknown document (or for a member the
        procedure sends nothing to, ``unsent_member``): the same limits and
        throttle as a member's, a decoy code remembered, nothing sent."""
        subject = self.core.send_subject(identity)
        budget = limits.LINKS if purpose in (LINK, LINK_WITH_KEY) else limits.CODES
        if budget == limits.CODES:
            guesses.check_allowed(session, subject, now, self.core.institution_name)
        limits.check_send_allowed(session, subject, now, budget)
        previous = limits.latest_decoy(session, subject, purpose)
        if previous is not None:
            codes.throttle(now, previous.issued_at)
        limits.issue_decoy(session, self.core.institution, subject, purpose, now, min(lifetime, codes.MAX_LIFETIME))
        filled = limits.record_send(session, self.core.institution, subject, now, budget)
        if filled:
            lock = LINK_LOCK if budget == limits.LINKS else SEND_LOCK
            notify_lock(self.core, session, now, self.core.member(session, unsent_member) if unsent_member else None, subject, lock)
        if unsent_member is not None:
            self.core.audit(session, now, "recovery_not_sent", unsent_member, purpose)
            return
        detail = f"documento terminado en {identity.document_number[-4:]}"
        self.core.audit(session, now, "recovery_unknown_document", None, detail)

    def verify_code(self, identity: Identity, purpose: str, code: str) -> Proof:
        """Use up a code that proves the member holds a contact (no key changes yet)."""
        tried = code_attempt(self.core, identity.member_id, purpose, code)
        subject = self.core.send_subject(identity)

        def apply(session: Session, now: datetime) -> Proof:
            match = settle_guess(self.core, 
                session, now, subject, identity.member_id,
                lambda: codes.check(session, now, identity.member_id, purpose, tried),
            )
            codes.consume(session, now, match.code_id)
            guesses.reset(session, self.core.institution, subject, now)
            self.core.audit(session, now, "code_verified", identity.member_id, purpose)
            return Proof(identity.member_id, "code_verified")

        return self.core.write(apply, identity)
