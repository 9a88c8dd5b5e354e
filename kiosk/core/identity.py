"""Who is at the kiosk: the document typed, the member's masked contacts and
security image (stable decoys for an unknown document), the messages sent
to them and the summary a signed-in member sees."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from kiosk.core import outbox, terminal
from kiosk.core.context import CoreContext
from kiosk.core.errors import Refusal
from kiosk.core.members import (
    DOCUMENT_TYPES,
    Contacts,
    SecurityDisplay,
    decoy_contacts,
    decoy_security_display,
    find_member,
    masked_contacts,
    security_image_of,
    validate_document,
)
from kiosk.core.values import Identity, MemberSummary, Proof
from kiosk.i18n import _
from kiosk.store.db import lock_subject
from kiosk.store.models import Product


class Identification:
    """Identifying a document, and what may be shown about whoever holds it."""

    def __init__(self, core: CoreContext) -> None:
        self.core = core

    def identify(self, document_number: str, document_type: str = "CC") -> Identity:
        number = validate_document(document_number)
        if document_type not in DOCUMENT_TYPES:
            raise Refusal("document_type", _("Seleccione el tipo de documento."))

        def look_up(session: Session) -> Identity:
            member = find_member(session, self.core.institution, document_type, number)
            return Identity(document_type, number, member.id if member else None)

        if self.core.kiosk_id is not None:
            self.core.write(lambda s, now: self._note_document(s, now, document_type, number))
        return self.core.read(look_up)

    def _note_document(self, session: Session, now: datetime, document_type: str, number: str) -> None:
        """Count the document at this kiosk (before anyone knows whose it is)."""
        kiosk = self.core.hasher.fingerprint(f"kiosk:{self.core.kiosk_id}").hex()
        lock_subject(session, kiosk)
        document = self.core.hasher.fingerprint(f"typed:{self.core.institution}:{document_type}:{number}").hex()
        terminal.note_document(session, self.core.institution, kiosk, document, now)

    def contacts(self, identity: Identity) -> Contacts:
        if identity.member_id is None:
            return decoy_contacts(
                self.core.hasher, self.core.institution, identity.document_type, identity.document_number
            )
        return self.core.read(lambda s: masked_contacts(self.core.member(s, identity.member_id)))

    def security_display(self, identity: Identity) -> SecurityDisplay | None:
        """The member's image and phrase, or None before they chose any (a
        first access); for anyone else a stable decoy, None at the members' rate."""
        if identity.member_id is None:
            return decoy_security_display(
                self.core.hasher, self.core.institution, identity.document_type, identity.document_number
            )
        chosen = self.core.read(lambda s: security_image_of(s, identity.member_id))
        return None if chosen is None else SecurityDisplay(chosen.image, chosen.phrase)

    def messages_for(self, member_id: int, limit: int = 20) -> list[outbox.Delivered]:
        return self.core.read(lambda s: outbox.recent(s, self.core.sealer, member_id, limit))

    def summary(self, proof: Proof) -> MemberSummary:
        def load(session: Session) -> MemberSummary:
            member = self.core.member(session, proof.member_id)
            products = session.exec(
                select(Product).where(Product.member_id == member.id).order_by(col(Product.id))
            )
            shown = [(p.kind, "****" + p.number[-4:]) for p in products]
            return MemberSummary(member.first_names, member.last_names, shown)

        return self.core.read(load)
