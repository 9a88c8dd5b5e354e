"""What every capability of the core shares: the store, the hasher and the
sealer, the clock and the institution, and the plumbing of one operation —
one transaction (``write``), a read, the member's lock, an audit row and a
security notice.  Each capability (kiosk.core.identity, .sent_codes, ...)
receives one and holds nothing else in common with the others."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kiosk.core import audit, outbox
from kiosk.core.captcha import Challenges
from kiosk.core.clock import Clock
from kiosk.core.dates import COLOMBIA
from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.core.sealing import Sealer
from kiosk.core.values import Identity
from kiosk.store import transaction
from kiosk.store.db import lock_member, lock_subject
from kiosk.store.models import Member

T = TypeVar("T")


class CoreContext:
    """One institution's store and secrets, and the plumbing every operation uses."""

    def __init__(
        self,
        engine: Engine,
        hasher: Hasher,
        sealer: Sealer,
        clock: Clock,
        institution: str,
        institution_name: str,
        kiosk_id: str | None = None,
        relayed: Collection[tuple[str, str]] = (),
    ) -> None:
        self.engine = engine
        self.hasher = hasher
        self.sealer = sealer
        self.clock = clock
        self.institution = institution
        self.institution_name = institution_name
        # «No soy un robot»: challenges shown by this kiosk, and the tokens the core asks for.
        self.challenges = Challenges(clock)
        # The terminal's own limit (kiosk.core.terminal) applies when it names
        # itself (the kiosk app always does: KIOSK_ID); the teller console,
        # benchmarks and most tests have no terminal to slow.
        self.kiosk_id = kiosk_id
        # Waited for before every read and write: a kiosk on a new demo store
        # (kiosk.demo.DemoSeeding) opens before its members are all in.
        self.before_store: Callable[[], None] = lambda: None
        # The (institution, channel) pairs a relay delivers (kiosk.relay.config):
        # their messages are queued for it; the others stay simulated.
        self.relayed = frozenset(relayed)
        audit.use_key(engine, hasher.audit_key())  # its rows are chained (kiosk.core.audit)

    def write(self, work: Callable[[Session, datetime], T], who: Identity | int | None = None) -> T:
        """Run ``work`` in one transaction.  A ``Refusal`` raised inside still
        commits what was written before it (try counters), so checks that can
        refuse must come before any other change.

        ``who`` (an identity or a member id) is locked first, so kiosks working
        on the same member or document at once take turns (``lock_member``)."""
        refusal: Refusal | None = None
        self.before_store()
        with transaction(self.engine) as session:
            try:
                if isinstance(who, int):
                    lock_member(session, who)
                elif who is not None:
                    self.lock(session, who)
                return work(session, self.clock.now())
            except Refusal as caught:
                refusal = caught
        raise refusal

    def lock(self, session: Session, identity: Identity) -> None:
        if identity.member_id is not None:
            lock_member(session, identity.member_id)
        else:
            lock_subject(session, self.send_subject(identity))

    def send_subject(self, identity: Identity) -> str:
        """A keyed digest naming the document for the send limits and decoy codes."""
        return self.hasher.fingerprint(
            f"sent:{self.institution}:{identity.document_type}:{identity.document_number}"
        ).hex()

    def read(self, work: Callable[[Session], T]) -> T:
        self.before_store()
        with Session(self.engine, expire_on_commit=False) as session:
            return work(session)

    def member(self, session: Session, member_id: int) -> Member:
        member = session.get(Member, member_id)
        assert member is not None
        return member

    def member_document_subject(self, member_id: int) -> str:
        member = self.read(lambda s: self.member(s, member_id))
        return self.send_subject(Identity(member.document_type, member.document_number, member.id))

    def identity_of(self, session: Session, member_id: int) -> Identity:
        member = self.member(session, member_id)
        return Identity(member.document_type, member.document_number, member.id)

    def audit(
        self,
        session: Session,
        now: datetime,
        action: str,
        member_id: int | None,
        detail: str = "",
        actor: str = "member",
    ) -> None:
        audit.record(session, now, self.institution, action, member_id=member_id, actor=actor, detail=detail)

    def notify(self, session: Session, now: datetime, member: Member, template: str, subject: str) -> None:
        """A security notice to the member's mobile (else e-mail); ``template``
        may use {name}, and {date} and {time} in Colombian time."""
        if not (member.mobile or member.email):
            self.audit(session, now, "notification_skipped", member.id, "sin contacto registrado")
            return
        channel = outbox.SMS if member.mobile else outbox.EMAIL
        local = now.astimezone(COLOMBIA)
        body = template.format(
            name=self.institution_name, date=local.strftime("%d/%m/%Y"), time=local.strftime("%H:%M")
        )
        outbox.queue(session, self.sealer, now, member, channel, body, subject=subject, relayed=self.relayed)
