"""What a member sets up once signed in: the security image and phrase, and
the consent to the data policy, saved alone or together with a held key
change (Progressa's «Permitir»)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from kiosk.core import codes, consent
from kiosk.core.context import CoreContext
from kiosk.core.errors import Refusal
from kiosk.core.key_store import store_key
from kiosk.core.members import SECURITY_IMAGES
from kiosk.core.values import PendingChange, Proof
from kiosk.i18n import _
from kiosk.store.models import SecurityImage

MAX_PHRASE_LENGTH = 120


class SecuritySetup:
    """The security image and phrase, and the consent."""

    def __init__(self, core: CoreContext) -> None:
        self.core = core

    def set_security_image(self, proof: Proof, image: str, phrase: str) -> None:
        image, phrase = checked_security_choice(image, phrase)
        self.core.write(lambda s, now: self._store_security_image(s, now, proof.member_id, image, phrase), proof.member_id)

    def _store_security_image(self, session: Session, now: datetime, member_id: int, image: str, phrase: str) -> None:
        chosen = session.get(SecurityImage, member_id)
        if chosen is None:
            chosen = SecurityImage(member_id=member_id, image=image, phrase=phrase, chosen_at=now)
        chosen.image, chosen.phrase, chosen.chosen_at = image, phrase, now
        session.add(chosen)
        self.core.audit(session, now, "security_image_set", member_id)

    def complete_setup(
        self,
        proof: Proof,
        pending: PendingChange | None,
        security_choice: tuple[str, str] | None,
        policy_version: str,
    ) -> Proof:
        """Save what a visit held back until the member consented (Progressa's
        «Permitir»): the new key prepared by ``prepare_key_change`` (its
        temporary key used up with it), the security image and phrase, and the
        consent, all in one transaction, or nothing."""
        if pending is not None and pending.member_id != proof.member_id:
            raise ValueError("the pending key change is another member's")
        if security_choice is not None:
            security_choice = checked_security_choice(*security_choice)

        def apply(session: Session, now: datetime) -> Proof:
            member = self.core.member(session, proof.member_id)
            if pending is not None:
                if proof.code_id is not None:  # the temporary key, used up by this change
                    codes.consume(session, now, proof.code_id)
                store_key(self.core, session, now, member, pending.kinds, pending.hash)
            if security_choice is not None:
                self._store_security_image(session, now, member.id, *security_choice)
            consent.grant(session, now, member.id, policy_version)
            self.core.audit(session, now, "consent_granted", member.id, f"política {policy_version}")
            return Proof(member.id, "key") if pending is not None else proof

        return self.core.write(apply, proof.member_id)

    def grant_consent(self, proof: Proof, policy_version: str) -> None:
        def apply(session: Session, now: datetime) -> None:
            consent.grant(session, now, proof.member_id, policy_version)
            self.core.audit(session, now, "consent_granted", proof.member_id, f"política {policy_version}")

        self.core.write(apply, proof.member_id)


def checked_security_choice(image: str, phrase: str) -> tuple[str, str]:
    """The image and the phrase (spaces tidied) a member may choose, or a refusal saying what is wrong."""
    phrase = " ".join(phrase.split())
    if image not in SECURITY_IMAGES:
        raise Refusal("image_missing", _("Seleccione una imagen de seguridad."))
    if not phrase:
        raise Refusal("phrase_empty", _("Escriba una frase de seguridad."))
    if len(phrase) > MAX_PHRASE_LENGTH or not phrase.isprintable():
        raise Refusal(
            "phrase_invalid",
            _("La frase debe tener máximo {n} caracteres, sin símbolos de control.").format(n=MAX_PHRASE_LENGTH),
        )
    return image, phrase
