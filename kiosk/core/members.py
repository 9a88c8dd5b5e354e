"""Finding members, and the decoys shown for a document nobody holds.

A recovery screen must look the same whether or not the document exists, so
for an unknown document the kiosk shows stable, plausible masked contacts and
a security image derived from a keyed digest of the document.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlmodel import Session, select

from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.core import population
from kiosk.core.masking import mask_email, mask_mobile
from kiosk.i18n import N_, _
from kiosk.store.models import Member, SecurityImage

# Colombian identity documents, as the institutions' forms list them.
DOCUMENT_TYPES = {
    "CC": N_("Cédula de ciudadanía"),
    "CE": N_("Cédula de extranjería"),
    "TI": N_("Tarjeta de identidad"),
    "PA": N_("Pasaporte"),
    "NIT": N_("NIT"),
}
MAX_DOCUMENT_LENGTH = 15

# The security images a member can pick; ids are stored, pictures live in the widget.
SECURITY_IMAGES = population.SECURITY_IMAGES


def validate_document(text: str) -> str:
    """The document number as typed: ASCII digits only, no spaces or punctuation."""
    value = text.strip()
    if not value:
        raise Refusal("document_empty", _("Escriba su número de documento."))
    if not (value.isascii() and value.isdigit()):
        raise Refusal(
            "document_format",
            _("El documento solo puede tener números, sin espacios, puntos, comas o guiones."),
        )
    if not 3 <= len(value) <= MAX_DOCUMENT_LENGTH:
        raise Refusal("document_length", _("El número de documento no tiene una longitud válida."))
    return value


def find_member(session: Session, institution: str, document_type: str, document_number: str) -> Member | None:
    statement = select(Member).where(
        Member.institution == institution,
        Member.document_type == document_type,
        Member.document_number == document_number,
    )
    return session.exec(statement).first()


@dataclass(frozen=True)
class Contacts:
    """Masked contacts as the member sees them on screen."""

    mobile: str | None
    email: str | None


def masked_contacts(member: Member) -> Contacts:
    return Contacts(
        mobile=mask_mobile(member.mobile) if member.mobile else None,
        email=mask_email(member.email) if member.email else None,
    )


def _decoy_rng(hasher: Hasher, what: str, institution: str, document_type: str, document_number: str) -> random.Random:
    """A generator seeded by a keyed digest of the document where it was typed:
    stable for that document, unrelated between institutions and document types."""
    return random.Random(hasher.fingerprint(f"decoy-{what}:{institution}:{document_type}:{document_number}"))


def decoy_contacts(hasher: Hasher, institution: str, document_type: str, document_number: str) -> Contacts:
    """Masked contacts for a document nobody holds, drawn from the members'
    own distribution (``kiosk.core.population``), masked as theirs are."""
    drawn = population.draw_contacts(_decoy_rng(hasher, "contacts", institution, document_type, document_number))
    return Contacts(
        mobile=mask_mobile(drawn.mobile) if drawn.mobile else None,
        email=mask_email(drawn.email) if drawn.email else None,
    )


@dataclass(frozen=True)
class SecurityDisplay:
    image: str
    phrase: str


def decoy_security_display(
    hasher: Hasher, institution: str, document_type: str, document_number: str
) -> SecurityDisplay | None:
    """Any of the images and one of many phrases, stable for the document; or
    none yet (a first access), at the rate members have chosen none."""
    if not population.draw_has_image(_decoy_rng(hasher, "has-image", institution, document_type, document_number)):
        return None
    rng = _decoy_rng(hasher, "image", institution, document_type, document_number)
    return SecurityDisplay(image=population.draw_image(rng), phrase=population.draw_phrase(rng))


def security_image_of(session: Session, member_id: int) -> SecurityImage | None:
    return session.get(SecurityImage, member_id)
