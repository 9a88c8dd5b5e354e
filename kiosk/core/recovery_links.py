"""Recovery by an e-mailed single-use link (with, or without, a temporary key
that works only with it): sent, opened, and followed with the document typed
again (Banco Caja Social)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from kiosk.core import codes, limits, links, outbox
from kiosk.core.context import CoreContext
from kiosk.core.errors import Refusal
from kiosk.core.keypolicy import new_temporary_key
from kiosk.core.members import validate_document
from kiosk.core.notices import LINK_LOCK, notify_lock
from kiosk.core.sent_codes import SentCodes
from kiosk.core.values import LINK, LINK_WITH_KEY, Identity, Proof
from kiosk.i18n import _
from kiosk.store.models import OneTimeCode, Product


class RecoveryLinks:
    """Recovery links: what is sent (or pretended), opened and followed."""

    def __init__(self, core: CoreContext, codes: SentCodes) -> None:
        self.core = core
        self.codes = codes  # a link not sent is pretended as a code is

    def _link_digest(self, token: str) -> str:
        return self.core.hasher.fingerprint("link:" + links.normalize(token)).hex()

    def send_recovery_link(
        self,
        identity: Identity,
        key_length: int,
        lifetime: timedelta,
        policy: str,
        with_temporary_key: bool = True,
        eligible_products: list[str] | None = None,
        email_text: str | None = None,
        email_subject: str | None = None,
    ) -> None:
        """E-mail a single-use link (and, unless told otherwise, a system-generated
        temporary key) to change the key, in the institution's wording when
        given (``email_text`` with {name}, {url}, {token}, {hours}, {key},
        {policy}; translated already).  The same work, and nothing sent, for
        an unknown document, and for a member with no e-mail or (when
        ``eligible_products`` is given) none of those products: the screens say
        in one wording for all where to go when nothing arrives."""
        temporary = new_temporary_key(key_length)
        temporary_hash = self.core.hasher.hash(temporary)
        # A decoy link that carries a temporary key has its own purpose: the
        # login checks that key too (``login``), as for a member's link.
        decoy_purpose = LINK_WITH_KEY if with_temporary_key else LINK
        if identity.member_id is None:
            self.core.write(lambda s, now: self.codes.pretend_send(s, now, identity, decoy_purpose, lifetime), identity)
            return

        def send(session: Session, now: datetime) -> None:
            member = self.core.member(session, identity.member_id)
            if not member.email or not self._eligible(session, member.id, eligible_products):
                self.codes.pretend_send(session, now, identity, decoy_purpose, lifetime, unsent_member=member.id)
                return
            sends = self.core.send_subject(identity)
            limits.check_send_allowed(session, sends, now, limits.LINKS)
            codes.check_resend(session, now, member.id, LINK)
            if limits.record_send(session, self.core.institution, sends, now, limits.LINKS):
                notify_lock(self.core, session, now, member, sends, LINK_LOCK)
            token = links.new_token()
            # The temporary key waits on the link: the member's key is not
            # touched (nor unblocked) until the recovery is completed with both.
            session.add(
                OneTimeCode(
                    member_id=member.id, purpose=LINK, channel=outbox.EMAIL,
                    hash=self._link_digest(token), created_at=now, expires_at=now + lifetime,
                    pending_secret_hash=temporary_hash if with_temporary_key else None,
                )
            )
            self.core.audit(session, now, "code_sent", member.id, f"{LINK} por {outbox.EMAIL}")
            hours = int(lifetime.total_seconds() // 3600)
            url = links.LINK_URL.format(token=token)
            if not with_temporary_key:
                body = email_text or _(
                    "{name}: recibimos una solicitud para asignar una nueva contraseña.\n"
                    "Siga este enlace (o escriba su código en el kiosco): {url}\n"
                    "Código del enlace: {token}\n"
                    "El enlace sirve una sola vez y vence en {hours} horas. Si usted no lo pidió, ignore este mensaje."
                )
                subject = email_subject or _("Asignación de contraseña")
            else:
                body = email_text or _(
                    "{name}: recibimos una solicitud para recuperar su contraseña.\n"
                    "Para asignar una nueva, siga este enlace (o escriba su código en el kiosco): {url}\n"
                    "Código del enlace: {token}\n"
                    "Allí escriba esta contraseña temporal: {key}\n"
                    "El enlace sirve una sola vez y vence en {hours} horas. La contraseña temporal solo sirve "
                    "con el enlace.\n"
                    "Política de contraseñas: {policy}\n"
                    "Si usted no lo solicitó, ignore este mensaje: su contraseña actual sigue funcionando."
                )
                subject = email_subject or _("Solicitud de recuperación de contraseña")
            body = body.format(
                name=self.core.institution_name, key=temporary if with_temporary_key else "", url=url, token=token,
                hours=hours, policy=policy,
            )
            outbox.queue(
                session, self.core.sealer, now, member, outbox.EMAIL, body, subject=subject,
                expires_at=now + lifetime, relayed=self.core.relayed,
            )

        self.core.write(send, identity)

    def open_link(self, token: str) -> tuple[Identity, Proof]:
        """The member behind a recovery link, while the link is unused and current."""
        digest = self._link_digest(token)

        def look_up(session: Session) -> tuple[Identity, Proof]:
            link = session.exec(
                select(OneTimeCode).where(OneTimeCode.purpose == LINK, OneTimeCode.hash == digest)
            ).first()
            if link is None:
                raise Refusal("link_invalid", _("El código del enlace no es válido. Revíselo en su correo."))
            if link.used_at is not None:
                raise Refusal("link_used", _("Este enlace ya fue usado. Solicite uno nuevo con «¿Olvidó su contraseña?»."))
            if not codes.current(link, self.core.clock.now()):
                raise Refusal("link_expired", _("El enlace venció. Solicite uno nuevo con «¿Olvidó su contraseña?»."))
            if link.tries >= codes.MAX_TRIES:
                raise dead_link_refusal()
            member = self.core.member(session, link.member_id)
            identity = Identity(member.document_type, member.document_number, member.id)
            return identity, Proof(member.id, "link", link.id)

        return self.core.read(look_up)

    @staticmethod
    def _eligible(session: Session, member_id: int, eligible_products: list[str] | None) -> bool:
        """Whether the member holds one of ``eligible_products`` (any, when None)."""
        if eligible_products is None:
            return True
        kinds = set(session.exec(select(Product.kind).where(Product.member_id == member_id)))
        return bool(kinds & set(eligible_products))

    def follow_link(self, token: str, document_type: str, document_number: str) -> Identity:
        """Use up a recovery link whose member is the one named by the document
        typed after following it (Banco Caja Social asks for it again)."""
        identity, proof = self.open_link(token)
        if (document_type, validate_document(document_number)) != (
            identity.document_type,
            identity.document_number,
        ):
            raise Refusal(
                "link_identity",
                _("Los datos no corresponden a la solicitud del enlace. Revise el tipo y el número de documento."),
            )

        def apply(session: Session, now: datetime) -> Identity:
            codes.consume(session, now, proof.code_id)
            self.core.audit(session, now, "link_followed", identity.member_id)
            return identity

        return self.core.write(apply, identity)


def link_waits(link: OneTimeCode | None, now: datetime) -> bool:
    """Whether ``link`` carries a temporary key that can still be used with it."""
    return (
        link is not None and link.pending_secret_hash is not None and link.used_at is None
        and link.tries < codes.MAX_TRIES and codes.current(link, now)
    )


def dead_link_refusal() -> Refusal:
    return Refusal(
        "link_dead",
        _("Demasiados intentos fallidos con este enlace. Solicite uno nuevo con «¿Olvidó su contraseña?»."),
    )
