"""The kiosk's operations, one database transaction each, with no Textual in
sight: the screens, the teller console, tests and benchmarks all call these.

Slow bcrypt work is done before the write transaction opens, so a kiosk never
holds the store's write lock while it hashes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import random
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from kiosk.core import audit, codes, consent, keyhistory, limits, links, outbox, questions
from kiosk.core.clock import Clock
from kiosk.core.dates import COLOMBIA
from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.core.sealing import Sealer
from kiosk.core.keypolicy import PersonalData, check_confirmation, check_key, new_temporary_key
from kiosk.core.questions import Questions
from kiosk.core.members import (
    DOCUMENT_TYPES,
    SECURITY_IMAGES,
    Contacts,
    SecurityDisplay,
    decoy_contacts,
    decoy_security_display,
    find_member,
    masked_contacts,
    security_image_of,
    validate_document,
)
from kiosk.i18n import _
from kiosk.store import transaction
from kiosk.store.db import lock_member, lock_subject
from kiosk.store.models import (
    Member,
    MemberKey,
    OneTimeCode,
    Product,
    RecoveryAttempt,
    SecurityImage,
)

T = TypeVar("T")

LOGIN = "login"
TEMPORARY_KEY = "temporary_key"
LINK = "link"
MAX_PHRASE_LENGTH = 120


@dataclass(frozen=True)
class Identity:
    """Who the kiosk is talking to.  ``member_id`` is None for an unknown
    document, and nothing a screen does may depend on that difference."""

    document_type: str
    document_number: str
    member_id: int | None


@dataclass(frozen=True)
class Proof:
    """What entitles this kiosk session to change a member's data."""

    member_id: int
    via: str  # "code": a temporary key sent by the outbox; "link": an e-mailed link; "key": a key that verified
    code_id: int | None = None


@dataclass(frozen=True)
class Login:
    # "ok", "setup_required", "change_required" (a temporary key), "office_change_required"
    # (a temporary key a teller had sent) or "<kind>_change_required"
    status: str
    proof: Proof


@dataclass
class PendingChange:
    """A checked, hashed key change waiting for the code sent to the member.
    Holds no key in clear; ``decoy_tries`` counts tries for an unknown document."""

    member_id: int | None
    kinds: tuple[str, ...]
    hash: str
    purpose: str
    temporary_for: timedelta | None = None
    decoy_tries: int = 0


@dataclass(frozen=True)
class MemberSummary:
    first_names: str
    last_names: str
    products: list[tuple[str, str]]


class KioskService:
    def __init__(
        self,
        engine: Engine,
        hasher: Hasher,
        sealer: Sealer,
        clock: Clock,
        institution: str,
        institution_name: str,
    ) -> None:
        self.engine = engine
        self.hasher = hasher
        self.sealer = sealer
        self.clock = clock
        self.institution = institution
        self.institution_name = institution_name

    # -- plumbing ---------------------------------------------------------

    def _write(self, work: Callable[[Session, datetime], T], who: Identity | int | None = None) -> T:
        """Run ``work`` in one transaction.  A ``Refusal`` raised inside still
        commits what was written before it (try counters), so checks that can
        refuse must come before any other change.

        ``who`` (an identity or a member id) is locked first, so kiosks working
        on the same member or document at once take turns (``lock_member``)."""
        refusal: Refusal | None = None
        with transaction(self.engine) as session:
            try:
                if isinstance(who, int):
                    lock_member(session, who)
                elif who is not None:
                    self._lock(session, who)
                return work(session, self.clock.now())
            except Refusal as caught:
                refusal = caught
        raise refusal

    def _lock(self, session: Session, identity: Identity) -> None:
        if identity.member_id is not None:
            lock_member(session, identity.member_id)
        else:
            lock_subject(session, self._send_subject(identity))

    def _send_subject(self, identity: Identity) -> str:
        """A keyed digest naming the document for the send limits and decoy codes."""
        return self.hasher.fingerprint(
            f"sent:{self.institution}:{identity.document_type}:{identity.document_number}"
        ).hex()

    def _read(self, work: Callable[[Session], T]) -> T:
        with Session(self.engine, expire_on_commit=False) as session:
            return work(session)

    def _code_attempt(self, member_id: int | None, purpose: str, value: str) -> codes.Attempt:
        """``value`` checked against the member's latest code, before the write
        transaction that settles it (``codes.check``)."""
        return codes.attempt(self.hasher, self._read(lambda s: codes.latest(s, member_id, purpose)), value)

    def _member(self, session: Session, member_id: int) -> Member:
        member = session.get(Member, member_id)
        assert member is not None
        return member

    @staticmethod
    def _key(session: Session, member_id: int, kind: str = LOGIN) -> MemberKey | None:
        statement = select(MemberKey).where(MemberKey.member_id == member_id, MemberKey.kind == kind)
        return session.exec(statement).first()

    def _audit(
        self,
        session: Session,
        now: datetime,
        action: str,
        member_id: int | None,
        detail: str = "",
        actor: str = "member",
    ) -> None:
        audit.record(session, now, self.institution, action, member_id=member_id, actor=actor, detail=detail)

    # -- identifying ------------------------------------------------------

    def identify(self, document_number: str, document_type: str = "CC") -> Identity:
        number = validate_document(document_number)
        if document_type not in DOCUMENT_TYPES:
            raise Refusal("document_type", _("Seleccione el tipo de documento."))

        def look_up(session: Session) -> Identity:
            member = find_member(session, self.institution, document_type, number)
            return Identity(document_type, number, member.id if member else None)

        return self._read(look_up)

    def contacts(self, identity: Identity) -> Contacts:
        if identity.member_id is None:
            return decoy_contacts(self.hasher, identity.document_number)
        return self._read(lambda s: masked_contacts(self._member(s, identity.member_id)))

    def security_display(self, identity: Identity) -> SecurityDisplay:
        """The member's image and phrase; a stable decoy for anyone else."""
        chosen = None
        if identity.member_id is not None:
            chosen = self._read(lambda s: security_image_of(s, identity.member_id))
        if chosen is None:
            return decoy_security_display(self.hasher, identity.document_number)
        return SecurityDisplay(chosen.image, chosen.phrase)

    def messages_for(self, member_id: int, limit: int = 20) -> list[outbox.Delivered]:
        return self._read(lambda s: outbox.recent(s, self.sealer, member_id, limit))

    def summary(self, proof: Proof) -> MemberSummary:
        def load(session: Session) -> MemberSummary:
            member = self._member(session, proof.member_id)
            products = session.exec(
                select(Product).where(Product.member_id == member.id).order_by(col(Product.id))
            )
            shown = [(p.kind, "****" + p.number[-4:]) for p in products]
            return MemberSummary(member.first_names, member.last_names, shown)

        return self._read(load)

    # -- recovery ---------------------------------------------------------

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
        fresh = codes.make(self.hasher, digits)  # made for a stranger too: the same bcrypt work
        if identity.member_id is None:
            self._write(lambda s, now: self._pretend_send(s, now, identity, purpose, lifetime), identity)
            return

        def send(session: Session, now: datetime) -> None:
            member = self._member(session, identity.member_id)
            if not outbox.recipient_for(member, channel):
                if channel == outbox.SMS:
                    raise Refusal(
                        "no_mobile",
                        _(
                            "No tiene un celular registrado para recibir el código. "
                            "Acérquese a una oficina para actualizar sus datos."
                        ),
                    )
                raise Refusal("no_contact", _("No tiene ese medio de contacto registrado. Elija otro."))
            sends = self._send_subject(identity)
            limits.check_send_allowed(session, sends, now)
            code = codes.issue(session, now, member.id, purpose, channel, fresh, lifetime)
            limits.record_send(session, self.institution, sends, now)
            minutes = int(min(lifetime, codes.MAX_LIFETIME).total_seconds() // 60)
            body = template.format(name=self.institution_name, code=code, minutes=minutes)
            outbox.queue(session, self.sealer, now, member, channel, body, subject=subject)
            self._audit(session, now, "code_sent", member.id, f"{purpose} por {channel}")

        self._write(send, identity)

    def _pretend_send(
        self, session: Session, now: datetime, identity: Identity, purpose: str, lifetime: timedelta
    ) -> None:
        """What sending does for an unknown document: the same limits and
        throttle as a member's, a decoy code remembered, nothing sent."""
        subject = self._send_subject(identity)
        limits.check_send_allowed(session, subject, now)
        previous = limits.latest_decoy(session, subject, purpose)
        if previous is not None:
            codes.throttle(now, previous.issued_at)
        limits.issue_decoy(session, self.institution, subject, purpose, now, min(lifetime, codes.MAX_LIFETIME))
        limits.record_send(session, self.institution, subject, now)
        detail = f"documento terminado en {identity.document_number[-4:]}"
        self._audit(session, now, "recovery_unknown_document", None, detail)

    # -- recovery by e-mailed link -------------------------------------------

    def _link_digest(self, token: str) -> str:
        return self.hasher.fingerprint("link:" + links.normalize(token)).hex()

    def send_recovery_link(
        self,
        identity: Identity,
        key_length: int,
        lifetime: timedelta,
        policy: str,
        with_temporary_key: bool = True,
    ) -> None:
        """E-mail a single-use link (and, unless told otherwise, a system-generated
        temporary key) to change the key.  The same work, and nothing sent, for
        an unknown document."""
        temporary = new_temporary_key(key_length)
        temporary_hash = self.hasher.hash(temporary)
        if identity.member_id is None:
            self._write(lambda s, now: self._pretend_send(s, now, identity, LINK, lifetime), identity)
            return

        def send(session: Session, now: datetime) -> None:
            member = self._member(session, identity.member_id)
            if not member.email:
                raise Refusal(
                    "no_email",
                    _("No tiene un correo electrónico registrado. Acérquese a una oficina para actualizarlo."),
                )
            sends = self._send_subject(identity)
            limits.check_send_allowed(session, sends, now)
            codes.check_resend(session, now, member.id, LINK)
            limits.record_send(session, self.institution, sends, now)
            token = links.new_token()
            session.add(
                OneTimeCode(
                    member_id=member.id, purpose=LINK, channel=outbox.EMAIL,
                    hash=self._link_digest(token), created_at=now, expires_at=now + lifetime,
                )
            )
            hours = int(lifetime.total_seconds() // 3600)
            url = links.LINK_URL.format(token=token)
            if not with_temporary_key:
                body = _(
                    "{name}: recibimos una solicitud para asignar una nueva contraseña.\n"
                    "Siga este enlace (o escriba su código en el kiosco): {url}\n"
                    "Código del enlace: {token}\n"
                    "El enlace sirve una sola vez y vence en {hours} horas. Si usted no lo pidió, ignore este mensaje."
                ).format(name=self.institution_name, url=url, token=token, hours=hours)
                outbox.queue(session, self.sealer, now, member, outbox.EMAIL, body, subject=_("Asignación de contraseña"))
                return
            self._store_key(session, now, member, (LOGIN,), temporary_hash, expires_at=now + lifetime)
            body = _(
                "{name}: recibimos una solicitud para recuperar su contraseña de la Sucursal Virtual.\n"
                "Su contraseña temporal es {key}.\n"
                "Para cambiarla, siga este enlace (o escriba su código en el kiosco): {url}\n"
                "Código del enlace: {token}\n"
                "El enlace sirve una sola vez y vence en {hours} horas.\n"
                "Política de contraseñas: {policy}"
            ).format(
                name=self.institution_name, key=temporary, url=url, token=token, hours=hours, policy=policy,
            )
            outbox.queue(session, self.sealer, now, member, outbox.EMAIL, body, subject=_("Recuperación de contraseña"))

        self._write(send, identity)

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
            if self.clock.now() >= link.expires_at:
                raise Refusal("link_expired", _("El enlace venció. Solicite uno nuevo con «¿Olvidó su contraseña?»."))
            member = self._member(session, link.member_id)
            identity = Identity(member.document_type, member.document_number, member.id)
            return identity, Proof(member.id, "link", link.id)

        return self._read(look_up)

    # -- Banco Caja Social: eligibility, verification code, product questions -

    def check_eligibility(self, identity: Identity, eligible_products: list[str]) -> None:
        """A registered mobile and/or e-mail, and at least one eligible product;
        otherwise the member is told why and where to go."""
        if identity.member_id is None:
            return  # a stranger walks on as if eligible: the e-mail is simply never sent

        def check(session: Session) -> None:
            member = self._member(session, identity.member_id)
            if not (member.mobile or member.email):
                raise Refusal(
                    "ineligible_contacts",
                    _(
                        "Para asignar su contraseña debe tener un celular o un correo electrónico "
                        "registrado en {name}. Actualícelos en la línea de atención o en cualquiera "
                        "de nuestras oficinas."
                    ).format(name=self.institution_name),
                )
            kinds = set(session.exec(select(Product.kind).where(Product.member_id == member.id)))
            if not kinds & set(eligible_products):
                raise Refusal(
                    "ineligible_products",
                    _(
                        "Para asignar su contraseña por este medio debe tener al menos uno de estos "
                        "productos: {products}. Acérquese a cualquiera de nuestras oficinas."
                    ).format(products=", ".join(_(p) for p in eligible_products)),
                )

        self._read(check)

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
            self._audit(session, now, "link_followed", identity.member_id)
            return identity

        return self._write(apply, identity)

    def verify_code(self, identity: Identity, purpose: str, code: str) -> Proof:
        """Use up a code that proves the member holds a contact (no key changes yet)."""
        tried = self._code_attempt(identity.member_id, purpose, code)

        def apply(session: Session, now: datetime) -> Proof:
            match = codes.check(session, now, identity.member_id, purpose, tried)
            codes.consume(session, now, match.code_id)
            self._audit(session, now, "code_verified", identity.member_id, purpose)
            return Proof(identity.member_id, "code_verified")

        return self._write(apply, identity)

    def product_questions(
        self, proof: Proof, catalogue: list[str], max_attempts: int = 3, lockout: timedelta = timedelta(hours=24)
    ) -> list[questions.Question]:
        subject = self._member_subject(proof.member_id)

        def load(session: Session) -> list[questions.Question]:
            failed = self._failed_attempts(session, subject, self.clock.now() - lockout)
            if failed >= max_attempts:
                raise self._closed_refusal()
            held = [(p.kind, p.number, p.opened_on) for p in
                    session.exec(select(Product).where(Product.member_id == proof.member_id))]
            return questions.product_questions(bytes.fromhex(subject) + bytes([failed]), held, catalogue)

        return self._read(load)

    def answer_product_questions(
        self,
        proof: Proof,
        catalogue: list[str],
        answers: dict[str, str],
        max_attempts: int = 3,
        lockout: timedelta = timedelta(hours=24),
    ) -> Proof:
        """All answers right: the member may assign a new key.  Wrong answers are
        counted and close the path after ``max_attempts``; the key is untouched."""
        asked = self.product_questions(proof, catalogue, max_attempts, lockout)
        subject = self._member_subject(proof.member_id)

        def settle(session: Session, now: datetime) -> Proof:
            if all(answers.get(q.id) == q.answer for q in asked):
                session.execute(delete(RecoveryAttempt).where(col(RecoveryAttempt.subject) == subject))
                self._audit(session, now, "product_questions_passed", proof.member_id)
                return Proof(proof.member_id, "questions")
            failed = self._failed_attempts(session, subject, now - lockout)
            session.add(RecoveryAttempt(institution=self.institution, subject=subject, failed_at=now))
            self._audit(session, now, "recovery_questions_failed", proof.member_id)
            if failed + 1 >= max_attempts:
                raise self._closed_refusal()
            raise Refusal(
                "wrong_answers",
                _("Las respuestas no coinciden con nuestros registros. Intentos restantes: {left}.").format(
                    left=max_attempts - failed - 1
                ),
            )

        return self._write(settle, proof.member_id)

    def _member_subject(self, member_id: int) -> str:
        member = self._read(lambda s: self._member(s, member_id))
        return self._subject(Identity(member.document_type, member.document_number, member.id))

    # -- personal questions (self-service recovery without a code) ---------

    def _subject(self, identity: Identity) -> str:
        """A keyed digest naming the document, the same whether or not it is a member's."""
        return self.hasher.fingerprint(
            f"recovery:{self.institution}:{identity.document_type}:{identity.document_number}"
        ).hex()

    def _failed_attempts(self, session: Session, subject: str, since: datetime) -> int:
        statement = select(func.count()).select_from(RecoveryAttempt).where(
            RecoveryAttempt.subject == subject, RecoveryAttempt.failed_at >= since
        )
        return session.exec(statement).one()

    def _closed_refusal(self) -> Refusal:
        return Refusal(
            "recovery_closed",
            _(
                "Por su seguridad, la recuperación de la clave por este medio quedó cerrada por "
                "unas horas. Acérquese a una oficina de {name} con su documento de identidad."
            ).format(name=self.institution_name),
        )

    def recovery_questions(
        self, identity: Identity, max_attempts: int = 3, lockout: timedelta = timedelta(hours=24)
    ) -> Questions:
        """The options for this attempt, or a refusal while the path is closed."""
        subject = self._subject(identity)

        def load(session: Session) -> Questions:
            failed = self._failed_attempts(session, subject, self.clock.now() - lockout)
            if failed >= max_attempts:
                raise self._closed_refusal()
            birth, mobile = self._true_answers(session, identity)
            return questions.build(bytes.fromhex(subject) + bytes([failed]), birth, mobile)

        return self._read(load)

    def _true_answers(self, session: Session, identity: Identity) -> tuple[date, str]:
        member = self._member(session, identity.member_id) if identity.member_id else None
        if member is None or not member.mobile:
            # Decoys drawn from the document, stable, so an unknown document looks like any other.
            return questions.decoy_answers(random.Random(bytes.fromhex(self._subject(identity))))
        return member.birth_date, member.mobile

    def answer_questions(
        self,
        identity: Identity,
        email: str,
        birth_date: str,
        mobile: str,
        digits: int = 4,
        max_attempts: int = 3,
        lockout: timedelta = timedelta(hours=24),
    ) -> str:
        """Check the answers; when all are right, set a system-generated temporary
        key, e-mail it, and return it to be shown (the only screen that shows a
        key, as the institution's procedure does).  Wrong answers are counted and
        close the path after ``max_attempts``; they never touch the member's key."""
        subject = self._subject(identity)
        temporary = new_temporary_key(digits)
        temporary_hash = self.hasher.hash(temporary)  # also paid for an unknown document

        def settle(session: Session, now: datetime) -> str:
            failed = self._failed_attempts(session, subject, now - lockout)
            if failed >= max_attempts:
                raise self._closed_refusal()
            birth, true_mobile = self._true_answers(session, identity)
            member = self._member(session, identity.member_id) if identity.member_id else None
            right = (
                member is not None
                and bool(member.email)
                and " ".join(email.split()).casefold() == member.email.casefold()
                and birth_date == questions.format_birth_date(birth)
                and mobile == questions.format_mobile(true_mobile)
            )
            if not right:
                session.add(RecoveryAttempt(institution=self.institution, subject=subject, failed_at=now))
                self._audit(session, now, "recovery_questions_failed", identity.member_id)
                if failed + 1 >= max_attempts:
                    raise self._closed_refusal()
                left = max_attempts - failed - 1
                raise Refusal(
                    "wrong_answers",
                    _(
                        "Las respuestas no coinciden con nuestros registros. Intentos restantes: {left}."
                    ).format(left=left),
                )
            session.execute(delete(RecoveryAttempt).where(col(RecoveryAttempt.subject) == subject))
            self._store_key(session, now, member, (LOGIN,), temporary_hash, temporary=True)
            body = _(
                "{name}: su contraseña fue cambiada. Su nueva contraseña temporal es {key}; "
                "cámbiela al ingresar."
            ).format(name=self.institution_name, key=temporary)
            outbox.queue(session, self.sealer, now, member, outbox.EMAIL, body, subject=_("Nueva contraseña"))
            return temporary

        return self._write(settle, identity)

    def login(
        self,
        identity: Identity,
        secret: str,
        max_failed_tries: int = 3,
        require_security_image: bool = False,
        consent_version: str | None = None,
    ) -> Login:
        """Check a key, or a temporary key sent by the outbox.

        Every wrong value counts towards blocking the key (a recovery unblocks
        it, so the member is never locked out).  A document nobody holds is
        "blocked" after as many tries, so the answer never tells a stranger
        whether the document exists.
        """
        wrong = Refusal("wrong_key", _("El usuario o la clave no son correctos."))
        # Every bcrypt check is made here, before the write transaction that settles it.
        if identity.member_id is None:
            self.hasher.verify(secret, None)
            decoy = self._read(lambda s: limits.latest_decoy(s, self._send_subject(identity), TEMPORARY_KEY))
            if decoy is not None and decoy.tries < codes.MAX_TRIES:
                self.hasher.verify(secret, None)  # a member's pending temporary key is checked too
            self._write(lambda s, now: self._decoy_login(s, now, identity, max_failed_tries, wrong), identity)
            raise wrong  # not reached: _decoy_login always refuses
        member_id = identity.member_id
        key, pending = self._read(lambda s: (self._key(s, member_id), codes.latest(s, member_id, TEMPORARY_KEY)))
        usable = key is not None and not key.blocked
        key_matches = self.hasher.verify(secret, key.hash if usable else None)
        # A temporary key is tried when the key is not the one typed.
        tried = codes.attempt(self.hasher, pending, secret) if not key_matches and codes.usable(pending) else None

        def settle(session: Session, now: datetime) -> Login:
            stored = self._key(session, member_id)
            if key_matches and stored is not None:
                if stored.temporary and stored.expires_at and now >= stored.expires_at:
                    raise Refusal(
                        "temporary_expired",
                        _(
                            "Su clave temporal venció: debía asignar su clave definitiva dentro "
                            "del plazo. Recupere su clave de nuevo."
                        ),
                    )
                stored.failed_tries = 0
                session.add(stored)
                self._audit(session, now, "login", member_id)
                proof = Proof(member_id, "key")
                if stored.temporary:
                    return Login("office_change_required" if stored.issued_at_office else "change_required", proof)
                still_temporary = self._temporary_keys(session, member_id)
                if still_temporary:  # e.g. the transactional key after the login key changed
                    return Login(f"{still_temporary[0].kind}_change_required", proof)
                if self._setup_missing(session, member_id, require_security_image, consent_version):
                    return Login("setup_required", proof)
                return Login("ok", proof)
            code_refusal: Refusal | None = None
            current = codes.latest(session, member_id, TEMPORARY_KEY) if tried else None
            if tried and current and current.id == tried.code_id and codes.usable(current):
                if now < current.expires_at:
                    try:
                        match = codes.check(session, now, member_id, TEMPORARY_KEY, tried)
                    except Refusal as refusal:
                        code_refusal = refusal  # counted on the code, and on the key below
                    else:
                        self._audit(session, now, "temporary_key_accepted", member_id)
                        return Login("change_required", Proof(member_id, "code", match.code_id))
                elif tried.matches:
                    # The member typed the right temporary key too late: say so.
                    raise Refusal("code_expired", _("La clave temporal venció. Solicite una nueva."))
            if stored is None:
                raise code_refusal or wrong
            # Every wrong value counts against the key too, so requesting a
            # temporary key never opens a way round the blocking.  Recovery
            # unblocks the key, so this never locks the member out.
            if not stored.blocked:
                stored.failed_tries += 1
                stored.blocked = stored.failed_tries >= max_failed_tries
                session.add(stored)
                self._audit(session, now, "login_failed", member_id, f"intento {stored.failed_tries}")
                if stored.blocked:
                    self._audit(session, now, "key_blocked", member_id)
            if code_refusal:
                raise code_refusal
            if stored.blocked:
                raise Refusal("blocked", _blocked_message())
            raise wrong

        return self._write(settle, member_id)

    def _decoy_login(
        self, session: Session, now: datetime, identity: Identity, max_failed_tries: int, wrong: Refusal
    ) -> None:
        """A login for an unknown document, answered as a member's would be:
        a decoy temporary key "sent" to it takes and counts tries like a real
        one, and wrong keys "block" it after as many tries."""
        code_refusal: Refusal | None = None
        decoy = limits.latest_decoy(session, self._send_subject(identity), TEMPORARY_KEY)
        if decoy is not None and decoy.tries < codes.MAX_TRIES and now < decoy.expires_at:
            code_refusal = codes.wrong_try(limits.count_decoy_try(session, self.institution, decoy, now))
        subject = self.hasher.fingerprint(f"login:{self.institution}:{identity.document_number}").hex()
        failed = self._failed_attempts(session, subject, datetime.min.replace(tzinfo=now.tzinfo))
        if failed < max_failed_tries:
            session.add(RecoveryAttempt(institution=self.institution, subject=subject, failed_at=now))
            failed += 1
        if code_refusal:
            raise code_refusal
        if failed >= max_failed_tries:
            raise Refusal("blocked", _blocked_message())
        raise wrong

    def _setup_missing(
        self, session: Session, member_id: int, require_image: bool, consent_version: str | None
    ) -> bool:
        if require_image and security_image_of(session, member_id) is None:
            return True
        return bool(consent_version) and not consent.has_consented(session, member_id, consent_version)

    def check_new_key(self, proof: Proof, key: str, length: int) -> None:
        """The fast policy checks, before the member is asked to confirm."""
        member = self._read(lambda s: self._member(s, proof.member_id))
        check_key(key, length, _personal_data(member))

    def change_key(
        self,
        proof: Proof,
        key: str,
        confirmation: str,
        length: int,
        history: int = 3,
        kind: str = LOGIN,
        current: str | None = None,
        differ_from: str | None = None,
    ) -> Proof:
        """Set a member's definitive key: the temporary key is used up, the key
        unblocked, the old hash kept for the reuse check, the change audited and
        notified, all in one transaction.  ``current``, when given, must be the
        key being replaced; ``differ_from`` names a key the new one must not equal."""
        new_hash = self._vet_new_key(proof.member_id, kind, key, confirmation, length, history, current, differ_from)

        def apply(session: Session, now: datetime) -> Proof:
            if proof.code_id is not None:  # a temporary key or a link, used up by this change
                codes.consume(session, now, proof.code_id)
            member = self._member(session, proof.member_id)
            self._store_key(session, now, member, (kind,), new_hash)
            return Proof(member.id, "key")

        return self._write(apply, proof.member_id)

    def prepare_key_change(
        self,
        who: Identity | Proof,
        kinds: tuple[str, ...],
        key: str,
        confirmation: str,
        length: int,
        purpose: str,
        temporary_for: timedelta | None = None,
        history: int = 3,
        current: str | None = None,
        differ_from: str | None = None,
    ) -> PendingChange:
        """Check and hash a key change that a code will confirm (``confirm_change``).

        ``who`` is an ``Identity`` when the member is not signed in (a recovery
        form, where the document may be unknown), else a ``Proof``.  With
        ``temporary_for`` the key is temporary and expires after that long.
        Nothing is written until the code confirms it.
        """
        member_id = who.member_id
        if member_id is None:
            # The same checks and the same bcrypt work as for a member's key.
            check_key(key, length, PersonalData(who.document_number))
            check_confirmation(key, confirmation)
            for _unused in range(self._vetting_checks(history, current, differ_from)):
                self.hasher.verify(key, None)
            return PendingChange(None, kinds, self.hasher.hash(key), purpose, temporary_for)
        new_hash = self._vet_new_key(
            member_id, kinds[0], key, confirmation, length, history, current, differ_from,
            signed_in=isinstance(who, Proof),
        )
        return PendingChange(member_id, kinds, new_hash, purpose, temporary_for)

    def confirm_change(self, pending: PendingChange, code: str) -> Proof:
        """Apply a prepared key change once its code is right: code used up, keys
        set, audit row and notification, in one transaction."""
        if pending.member_id is None:
            self.hasher.verify(code, None)
            pending.decoy_tries += 1
            raise codes.wrong_try(pending.decoy_tries)
        tried = self._code_attempt(pending.member_id, pending.purpose, code)

        def apply(session: Session, now: datetime) -> Proof:
            match = codes.check(session, now, pending.member_id, pending.purpose, tried)
            codes.consume(session, now, match.code_id)
            member = self._member(session, pending.member_id)
            expires = now + pending.temporary_for if pending.temporary_for else None
            self._store_key(session, now, member, pending.kinds, pending.hash, expires_at=expires)
            return Proof(member.id, "key")

        return self._write(apply, pending.member_id)

    def _vet_new_key(
        self,
        member_id: int,
        kind: str,
        key: str,
        confirmation: str,
        length: int,
        history: int,
        current: str | None,
        differ_from: str | None,
        signed_in: bool = True,
    ) -> str:
        """Every check a new key must pass, then its hash.  Runs outside any
        transaction: the bcrypt work here must not hold the store's write lock.

        Not ``signed_in`` (a recovery form: whoever types knows only the
        document), the answer must tell nothing the typer does not know: the
        key is checked against the document alone, not the birth date or mobile,
        and a match with an earlier key (the current one included) is not told,
        though checked the same; the key set after logging in is checked in full."""
        member, stored, other, avoided = self._read(
            lambda s: (
                self._member(s, member_id),
                self._key(s, member_id, kind),
                self._key(s, member_id, differ_from) if differ_from else None,
                keyhistory.keys_to_avoid(s, member_id, kind, history),
            )
        )
        if current is not None and not self.hasher.verify(current, stored.hash if stored else None):
            raise Refusal("wrong_current", _("La clave actual no es correcta."))
        check_key(key, length, _personal_data(member) if signed_in else PersonalData(member.document_number))
        check_confirmation(key, confirmation)
        # Always the same number of bcrypt checks (missing hashes checked
        # against the decoy), so the time taken tells nothing about the history.
        same_as_other = differ_from is not None and self.hasher.verify(key, other.hash if other else None)
        matches = [self.hasher.verify(key, earlier.hash) for earlier in avoided]
        if same_as_other and signed_in:
            raise Refusal(
                "same_as_other_key",
                _("La clave transaccional debe ser distinta de la clave de ingreso al portal."),
            )
        if signed_in:
            keyhistory.refuse_repeat(avoided, matches)
        return self.hasher.hash(key)

    @staticmethod
    def _vetting_checks(history: int, current: str | None, differ_from: str | None) -> int:
        """How many bcrypt checks ``_vet_new_key`` makes for a key that passes."""
        return (current is not None) + (differ_from is not None) + keyhistory.checks(history)

    def _store_key(
        self,
        session: Session,
        now: datetime,
        member: Member,
        kinds: tuple[str, ...],
        new_hash: str,
        expires_at: datetime | None = None,
        temporary: bool | None = None,
        actor: str = "member",
        issued_at_office: bool = False,
    ) -> None:
        """Set ``kinds`` of the member's keys to ``new_hash``, unblocked, the old
        hashes kept for the reuse check; audit, and notify unless a teller sent
        the key (its own message tells the member).  The key is temporary when
        ``temporary`` says so or when it expires."""
        temporary = expires_at is not None if temporary is None else temporary
        for kind in kinds:
            stored = self._key(session, member.id, kind)
            if stored is None:
                stored = MemberKey(member_id=member.id, kind=kind, hash=new_hash, changed_at=now)
            else:
                keyhistory.retire(session, stored, now)
            stored.hash = new_hash
            stored.temporary = temporary
            stored.expires_at = expires_at
            stored.failed_tries = 0
            stored.blocked = False
            stored.changed_at = now
            stored.issued_at_office = issued_at_office
            stored.issued = issued_at_office  # a teller's key is issued; the member's own never is
            session.add(stored)
            detail = f"clave {kind}" + (" temporal" if temporary else "")
            self._audit(session, now, "key_changed", member.id, detail, actor=actor)
        if not issued_at_office:
            self._notify_key_changed(session, now, member)

    @staticmethod
    def _temporary_keys(session: Session, member_id: int) -> list[MemberKey]:
        statement = select(MemberKey).where(
            MemberKey.member_id == member_id, col(MemberKey.temporary).is_(True)
        ).order_by(col(MemberKey.id))
        return list(session.exec(statement))

    def _notify_key_changed(self, session: Session, now: datetime, member: Member) -> None:
        self._notify(
            session,
            now,
            member,
            _(
                "{name}: su clave fue cambiada el {date} a las {time}. "
                "Si no fue usted, comuníquese de inmediato con la entidad."
            ),
            _("Clave cambiada"),
        )

    def _notify(self, session: Session, now: datetime, member: Member, template: str, subject: str) -> None:
        """A security notice to the member's mobile (else e-mail); ``template``
        may use {name}, and {date} and {time} in Colombian time."""
        if not (member.mobile or member.email):
            self._audit(session, now, "notification_skipped", member.id, "sin contacto registrado")
            return
        channel = outbox.SMS if member.mobile else outbox.EMAIL
        local = now.astimezone(COLOMBIA)
        body = template.format(
            name=self.institution_name, date=local.strftime("%d/%m/%Y"), time=local.strftime("%H:%M")
        )
        outbox.queue(session, self.sealer, now, member, channel, body, subject=subject)

    def set_security_image(self, proof: Proof, image: str, phrase: str) -> None:
        phrase = " ".join(phrase.split())
        if image not in SECURITY_IMAGES:
            raise Refusal("image_missing", _("Seleccione una imagen de seguridad."))
        if not phrase:
            raise Refusal("phrase_empty", _("Escriba una frase de seguridad."))
        if len(phrase) > MAX_PHRASE_LENGTH or not phrase.isprintable():
            raise Refusal(
                "phrase_invalid",
                _("La frase debe tener máximo {n} caracteres, sin símbolos de control.").format(
                    n=MAX_PHRASE_LENGTH
                ),
            )

        def apply(session: Session, now: datetime) -> None:
            chosen = session.get(SecurityImage, proof.member_id)
            if chosen is None:
                chosen = SecurityImage(member_id=proof.member_id, image=image, phrase=phrase, chosen_at=now)
            chosen.image, chosen.phrase, chosen.chosen_at = image, phrase, now
            session.add(chosen)
            self._audit(session, now, "security_image_set", proof.member_id)

        self._write(apply, proof.member_id)

    def grant_consent(self, proof: Proof, policy_version: str) -> None:
        def apply(session: Session, now: datetime) -> None:
            consent.grant(session, now, proof.member_id, policy_version)
            self._audit(session, now, "consent_granted", proof.member_id, f"política {policy_version}")

        self._write(apply, proof.member_id)


def _blocked_message() -> str:
    return _("Su clave está bloqueada por intentos fallidos. Recupere su clave para asignar una nueva.")


def _personal_data(member: Member) -> PersonalData:
    return PersonalData(member.document_number, member.birth_date, member.mobile or "")
