"""Finding members, and the decoys shown for a document nobody holds.

A recovery screen must look the same whether or not the document exists, so
for an unknown document the kiosk shows stable, plausible masked contacts and
a security image derived from a keyed digest of the document.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
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
SECURITY_IMAGES = ("sol", "luna", "estrella", "corazon", "casa", "flor", "paraguas", "musica", "pez")
DECOY_PHRASES = (
    "La constancia vence lo imposible",
    "Cada día es una nueva oportunidad",
    "Paso a paso se llega lejos",
    "El que madruga encuentra el camino",
)


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


def decoy_contacts(hasher: Hasher, document_number: str) -> Contacts:
    digest = hasher.fingerprint(document_number)
    mobile = "3" + "".join(str(b % 10) for b in digest[:9])
    names = ("correo", "usuario", "contacto", "asociado", "miembro")
    domains = ("gmail.com", "hotmail.com", "yahoo.com", "outlook.com")
    local = names[digest[10] % len(names)] + str(digest[11] % 100)
    # Some real members have no e-mail on file, so some decoys have none either.
    email = None if digest[12] % 5 == 0 else f"{local}@{domains[digest[13] % len(domains)]}"
    return Contacts(mobile=mask_mobile(mobile), email=mask_email(email) if email else None)


@dataclass(frozen=True)
class SecurityDisplay:
    image: str
    phrase: str


def decoy_security_display(hasher: Hasher, document_number: str) -> SecurityDisplay:
    digest = hasher.fingerprint("image:" + document_number)
    return SecurityDisplay(
        image=SECURITY_IMAGES[digest[0] % len(SECURITY_IMAGES)],
        phrase=DECOY_PHRASES[digest[1] % len(DECOY_PHRASES)],
    )


def security_image_of(session: Session, member_id: int) -> SecurityImage | None:
    return session.get(SecurityImage, member_id)
