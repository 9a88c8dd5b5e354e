"""The kiosk's operations, one database transaction each, with no Textual in
sight: the screens, the teller console, tests and benchmarks all call these.

Slow bcrypt work is done before the write transaction opens, so a kiosk never
holds the store's write lock while it hashes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from kiosk.core import audit, codes, consent, guesses, keyhistory, limits, links, outbox, questions, terminal
from kiosk.core.captcha import Challenges
from kiosk.core.clock import Clock
from kiosk.core.dates import COLOMBIA
from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.core.sealing import Sealer
from kiosk.core.keypolicy import PersonalData, check_confirmation, check_key, new_temporary_key
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
# Failed question sets since the last success or a teller's reopening after
# which only a teller reopens self-service (kiosk.core.questions has the odds).
MAX_FAILED_SETS = 4
# How long the temporary key Cooperen shows is good for: the member logs in
# with it right away (profile: the questions step's ``temporary_minutes``).
SHOWN_KEY_LIFETIME = timedelta(minutes=30)
TEMPORARY_KEY = "temporary_key"
LINK = "link"
LINK_WITH_KEY = "link_with_key"  # a stranger's decoy link that carries a temporary key
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
    Holds no key in clear; ``subject`` names the document for the guess budget
    (and a stranger's decoy code)."""

    member_id: int | None
    kinds: tuple[str, ...]
    hash: str
    purpose: str
    temporary_for: timedelta | None = None
    subject: str = ""
    # A change prepared by an earlier step of the visit (Coasmedas' new login
    # key), saved with this one when its code confirms it, or not at all.
    earlier: PendingChange | None = None


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
        kiosk_id: str | None = None,
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
        audit.use_key(engine, hasher.audit_key())  # its rows are chained (kiosk.core.audit)

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

    def _member_document_subject(self, member_id: int) -> str:
        member = self._read(lambda s: self._member(s, member_id))
        return self._send_subject(Identity(member.document_type, member.document_number, member.id))

    def _settle_guess(
        self, session: Session, now: datetime, subject: str, member_id: int | None, check: Callable[[], T]
    ) -> T:
        """Settle a code under the document's guess budget (``guesses``): refused
        while a lock holds; a wrong guess counted, and a lock it starts told
        to the member (the same work, nothing told, for an unknown document)."""
        guesses.check_allowed(session, subject, now, self.institution_name)
        try:
            return check()
        except Refusal as refusal:
            if refusal.reason not in ("wrong_code", "code_dead"):
                raise
            lock = guesses.record_wrong(session, self.institution, subject, now)
            if lock is None:
                raise
            self._audit(session, now, "codes_locked", member_id, lock)
            member = self._member(session, member_id) if member_id is not None else None
            self._notify_lock(session, now, member, subject, GUESS_LOCKS[lock])
            raise guesses.refusal(lock, self.institution_name) from None

    def _decoy_wrong_try(self, session: Session, now: datetime, decoy: limits.DecoyCode) -> None:
        raise codes.wrong_try(limits.count_decoy_try(session, self.institution, decoy, now))

    def _decoy_check(self, session: Session, now: datetime, pending: PendingChange) -> None:
        """``codes.check`` for a code "sent" to an unknown document: never right."""
        decoy = limits.latest_decoy(session, pending.subject, pending.purpose)
        if decoy is None or decoy.tries >= codes.MAX_TRIES:
            raise codes.no_code()
        self._decoy_wrong_try(session, now, decoy)

    def _notify_lock(self, session: Session, now: datetime, member: Member | None, subject: str, lock: str) -> None:
        """Tell the member a lock began, once per lock (``limits.first_notice``);
        for an unknown document the same bookkeeping and nothing sent."""
        if limits.first_notice(session, self.institution, subject, lock, now, LOCK_NOTICE_WINDOW) and member:
            self._notify(session, now, member, _lock_notices()[lock], _("Bloqueo de seguridad"))

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

        if self.kiosk_id is not None:
            self._write(lambda s, now: self._note_document(s, now, document_type, number))
        return self._read(look_up)

    def _note_document(self, session: Session, now: datetime, document_type: str, number: str) -> None:
        """Count the document at this kiosk (before anyone knows whose it is)."""
        kiosk = self.hasher.fingerprint(f"kiosk:{self.kiosk_id}").hex()
        lock_subject(session, kiosk)
        document = self.hasher.fingerprint(f"typed:{self.institution}:{document_type}:{number}").hex()
        terminal.note_document(session, self.institution, kiosk, document, now)

    def contacts(self, identity: Identity) -> Contacts:
        if identity.member_id is None:
            return decoy_contacts(
                self.hasher, self.institution, identity.document_type, identity.document_number
            )
        return self._read(lambda s: masked_contacts(self._member(s, identity.member_id)))

    def security_display(self, identity: Identity) -> SecurityDisplay | None:
        """The member's image and phrase, or None before they chose any (a
        first access); for anyone else a stable decoy, None at the members' rate."""
        if identity.member_id is None:
            return decoy_security_display(
                self.hasher, self.institution, identity.document_type, identity.document_number
            )
        chosen = self._read(lambda s: security_image_of(s, identity.member_id))
        return None if chosen is None else SecurityDisplay(chosen.image, chosen.phrase)

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
            sends = self._send_subject(identity)
            guesses.check_allowed(session, sends, now, self.institution_name)
            limits.check_send_allowed(session, sends, now)
            code = codes.issue(session, now, member.id, purpose, channel, fresh, lifetime)
            filled = limits.record_send(session, self.institution, sends, now)
            if filled:
                self._notify_lock(session, now, member, sends, SEND_LOCK)
            if not outbox.recipient_for(member, channel):
                # Nowhere to send it: answered as anyone else is (a code nobody
                # knows, the same limits), and the screens' own text sends whoever
                # receives nothing to an office.  Refusing here would tell a
                # stranger the document is a member's.
                self._audit(session, now, "code_not_sent", member.id, f"{purpose}: sin {channel} registrado")
                return
            minutes = int(min(lifetime, codes.MAX_LIFETIME).total_seconds() // 60)
            body = template.format(name=self.institution_name, code=code, minutes=minutes)
            outbox.queue(session, self.sealer, now, member, channel, body, subject=subject)
            self._audit(session, now, "code_sent", member.id, f"{purpose} por {channel}")

        self._write(send, identity)

    def _pretend_send(
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
        subject = self._send_subject(identity)
        budget = limits.LINKS if purpose in (LINK, LINK_WITH_KEY) else limits.CODES
        if budget == limits.CODES:
            guesses.check_allowed(session, subject, now, self.institution_name)
        limits.check_send_allowed(session, subject, now, budget)
        previous = limits.latest_decoy(session, subject, purpose)
        if previous is not None:
            codes.throttle(now, previous.issued_at)
        limits.issue_decoy(session, self.institution, subject, purpose, now, min(lifetime, codes.MAX_LIFETIME))
        filled = limits.record_send(session, self.institution, subject, now, budget)
        if filled:
            lock = LINK_LOCK if budget == limits.LINKS else SEND_LOCK
            self._notify_lock(session, now, self._member(session, unsent_member) if unsent_member else None, subject, lock)
        if unsent_member is not None:
            self._audit(session, now, "recovery_not_sent", unsent_member, purpose)
            return
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
        eligible_products: list[str] | None = None,
    ) -> None:
        """E-mail a single-use link (and, unless told otherwise, a system-generated
        temporary key) to change the key.  The same work, and nothing sent, for
        an unknown document, and for a member with no e-mail or (when
        ``eligible_products`` is given) none of those products: the screens say
        in one wording for all where to go when nothing arrives."""
        temporary = new_temporary_key(key_length)
        temporary_hash = self.hasher.hash(temporary)
        # A decoy link that carries a temporary key has its own purpose: the
        # login checks that key too (``login``), as for a member's link.
        decoy_purpose = LINK_WITH_KEY if with_temporary_key else LINK
        if identity.member_id is None:
            self._write(lambda s, now: self._pretend_send(s, now, identity, decoy_purpose, lifetime), identity)
            return

        def send(session: Session, now: datetime) -> None:
            member = self._member(session, identity.member_id)
            if not member.email or not self._eligible(session, member.id, eligible_products):
                self._pretend_send(session, now, identity, decoy_purpose, lifetime, unsent_member=member.id)
                return
            sends = self._send_subject(identity)
            limits.check_send_allowed(session, sends, now, limits.LINKS)
            codes.check_resend(session, now, member.id, LINK)
            if limits.record_send(session, self.institution, sends, now, limits.LINKS):
                self._notify_lock(session, now, member, sends, LINK_LOCK)
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
            self._audit(session, now, "code_sent", member.id, f"{LINK} por {outbox.EMAIL}")
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
            body = _(
                "{name}: recibimos una solicitud para recuperar su contraseña de la Sucursal Virtual.\n"
                "Para asignar una nueva, siga este enlace (o escriba su código en el kiosco): {url}\n"
                "Código del enlace: {token}\n"
                "Allí escriba esta contraseña temporal: {key}\n"
                "El enlace sirve una sola vez y vence en {hours} horas. La contraseña temporal solo sirve "
                "con el enlace.\n"
                "Política de contraseñas: {policy}\n"
                "Si usted no lo solicitó, ignore este mensaje: su contraseña actual sigue funcionando."
            ).format(
                name=self.institution_name, key=temporary, url=url, token=token, hours=hours, policy=policy,
            )
            outbox.queue(
                session, self.sealer, now, member, outbox.EMAIL, body,
                subject=_("Solicitud de recuperación de contraseña"),
            )

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
            if not codes.current(link, self.clock.now()):
                raise Refusal("link_expired", _("El enlace venció. Solicite uno nuevo con «¿Olvidó su contraseña?»."))
            if link.tries >= codes.MAX_TRIES:
                raise _dead_link_refusal()
            member = self._member(session, link.member_id)
            identity = Identity(member.document_type, member.document_number, member.id)
            return identity, Proof(member.id, "link", link.id)

        return self._read(look_up)

    # -- Banco Caja Social: eligibility, verification code, product questions -

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
            self._audit(session, now, "link_followed", identity.member_id)
            return identity

        return self._write(apply, identity)

    def verify_code(self, identity: Identity, purpose: str, code: str) -> Proof:
        """Use up a code that proves the member holds a contact (no key changes yet)."""
        tried = self._code_attempt(identity.member_id, purpose, code)
        subject = self._send_subject(identity)

        def apply(session: Session, now: datetime) -> Proof:
            match = self._settle_guess(
                session, now, subject, identity.member_id,
                lambda: codes.check(session, now, identity.member_id, purpose, tried),
            )
            codes.consume(session, now, match.code_id)
            guesses.reset(session, self.institution, subject, now)
            self._audit(session, now, "code_verified", identity.member_id, purpose)
            return Proof(identity.member_id, "code_verified")

        return self._write(apply, identity)

    def product_questions(
        self,
        proof: Proof,
        max_attempts: int = 3,
        lockout: timedelta = timedelta(hours=24),
        max_failed_sets: int = MAX_FAILED_SETS,
    ) -> list[questions.Question]:
        """The questions after the e-mailed code (naming the product asked about),
        fixed for the member; a refusal while the path is closed."""
        identity = self._read(lambda s: self._identity_of(s, proof.member_id))
        subject = self._subject(identity)

        def load(session: Session) -> list[questions.Question]:
            self._check_questions_open(session, subject, self.clock.now(), max_attempts, lockout, max_failed_sets)
            self._require_mobile(session, proof.member_id)
            return self._asked(session, identity, name_product=True)

        return self._read(load)

    def answer_product_questions(
        self,
        proof: Proof,
        answers: dict[str, str],
        max_attempts: int = 3,
        lockout: timedelta = timedelta(hours=24),
        max_failed_sets: int = MAX_FAILED_SETS,
    ) -> Proof:
        """All answers right: the member may assign a new key.  Wrong answers are
        counted and close the path (``_fail_questions``); the key is untouched."""
        identity = self._read(lambda s: self._identity_of(s, proof.member_id))
        subject = self._subject(identity)

        def settle(session: Session, now: datetime) -> Proof:
            self._check_questions_open(session, subject, now, max_attempts, lockout, max_failed_sets)
            self._require_mobile(session, proof.member_id)
            if questions.all_right(self._asked(session, identity, name_product=True), answers):
                session.execute(delete(RecoveryAttempt).where(col(RecoveryAttempt.subject) == subject))
                self._audit(session, now, "product_questions_passed", proof.member_id)
                return Proof(proof.member_id, "questions")
            raise self._fail_questions(session, now, identity, subject, max_attempts, lockout, max_failed_sets)

        return self._write(settle, proof.member_id)

    def _require_mobile(self, session: Session, member_id: int) -> None:
        """After the code (only members get here) a member without a mobile is
        told so, rather than asked a question they cannot answer."""
        if not self._member(session, member_id).mobile:
            raise Refusal(
                "questions_need_mobile",
                _(
                    "Para responder las preguntas de seguridad debe tener un celular registrado. "
                    "Acérquese a cualquiera de nuestras oficinas para actualizarlo."
                ),
            )

    def _identity_of(self, session: Session, member_id: int) -> Identity:
        member = self._member(session, member_id)
        return Identity(member.document_type, member.document_number, member.id)

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

    def _closed_until_teller_refusal(self) -> Refusal:
        return Refusal(
            "recovery_closed_office",
            _(
                "Por su seguridad, la recuperación de la clave por este medio quedó cerrada. "
                "Acérquese a una oficina de {name} con su documento de identidad: un asesor "
                "la reabrirá."
            ).format(name=self.institution_name),
        )

    def _check_questions_open(
        self, session: Session, subject: str, now: datetime, max_attempts: int, lockout: timedelta,
        max_failed_sets: int,
    ) -> tuple[int, int]:
        """Refuse while the path is closed: ``max_failed_sets`` failed sets since the
        last success or a teller's reopening (the rows both delete) close it until
        a teller reopens it; ``max_attempts`` within ``lockout`` close it for that
        long.  The failed sets (recent, since then)."""
        since_success = self._failed_attempts(session, subject, datetime.min.replace(tzinfo=now.tzinfo))
        if since_success >= max_failed_sets:
            raise self._closed_until_teller_refusal()
        recent = self._failed_attempts(session, subject, now - lockout)
        if recent >= max_attempts:
            raise self._closed_refusal()
        return recent, since_success

    def _fail_questions(
        self, session: Session, now: datetime, identity: Identity, subject: str, max_attempts: int,
        lockout: timedelta, max_failed_sets: int,
    ) -> Refusal:
        """Count a failed set and tell the member (a stranger's document: the
        same work, nothing sent); the refusal to give, saying how many sets are left."""
        recent, since_success = self._check_questions_open(
            session, subject, now, max_attempts, lockout, max_failed_sets
        )
        session.add(RecoveryAttempt(institution=self.institution, subject=subject, failed_at=now))
        self._audit(session, now, "recovery_questions_failed", identity.member_id)
        closed_for_good, closed = since_success + 1 >= max_failed_sets, recent + 1 >= max_attempts
        if closed_for_good or closed:
            template, title = _(
                "{name}: el {date} a las {time} alguien respondió mal las preguntas para recuperar su "
                "clave en {name} y cerramos la recuperación por el kiosco. Si no fue usted, "
                "comuníquese con la entidad; para recuperarla, acérquese a una oficina."
            ), _("Recuperación de clave cerrada")
        else:
            template, title = _(
                "{name}: el {date} a las {time} alguien intentó recuperar su clave en {name} y no "
                "respondió bien las preguntas de seguridad. Si no fue usted, comuníquese con la entidad."
            ), _("Intento de recuperación de clave")
        if identity.member_id is not None:
            self._notify(session, now, self._member(session, identity.member_id), template, title)
        else:  # the same sealing work as a notice, and nothing queued
            self.sealer.seal(template.format(name=self.institution_name, date="00/00/0000", time="00:00"))
        if closed_for_good:
            return self._closed_until_teller_refusal()
        if closed:
            return self._closed_refusal()
        left = min(max_attempts - recent, max_failed_sets - since_success) - 1
        return Refusal(
            "wrong_answers",
            _("Las respuestas no coinciden con nuestros registros. Intentos restantes: {left}.").format(left=left),
        )

    def _asked(self, session: Session, identity: Identity, name_product: bool) -> list[questions.Question]:
        """The questions, fixed for the document: keyed by the pepper and the
        document, never by the attempt, so recording attempts gains nothing."""
        key = self.hasher.fingerprint(
            f"questions:{self.institution}:{identity.document_type}:{identity.document_number}"
        )
        answers = None
        if identity.member_id is not None:
            member = self._member(session, identity.member_id)
            held = session.exec(select(Product).where(Product.member_id == member.id))
            products = [(p.kind, p.number, p.opened_on) for p in held]
            answers = questions.member_answers(key, member.birth_date, member.mobile, products)
        return questions.build(key, answers or questions.decoy_answers(key), name_product)

    def recovery_questions(
        self,
        identity: Identity,
        max_attempts: int = 3,
        lockout: timedelta = timedelta(hours=24),
        max_failed_sets: int = MAX_FAILED_SETS,
    ) -> list[questions.Question]:
        """Cooperen's questions (the same on every attempt), or a refusal while the path is closed."""
        subject = self._subject(identity)

        def load(session: Session) -> list[questions.Question]:
            self._check_questions_open(session, subject, self.clock.now(), max_attempts, lockout, max_failed_sets)
            return self._asked(session, identity, name_product=False)

        return self._read(load)

    def answer_questions(
        self,
        identity: Identity,
        email: str,
        answers: dict[str, str],
        digits: int = 4,
        max_attempts: int = 3,
        lockout: timedelta = timedelta(hours=24),
        max_failed_sets: int = MAX_FAILED_SETS,
        key_lifetime: timedelta = SHOWN_KEY_LIFETIME,
        captcha: str | None = None,
        visit: str = "",
    ) -> str:
        """Check the e-mail and the answers (question id -> option); when all are
        right, set a system-generated temporary key valid for ``key_lifetime``,
        e-mail it, and return it to be shown (the only screen that shows a key,
        as the institution's procedure does).  Wrong answers are counted and
        close the path (``_fail_questions``); they never touch the member's key.
        The visit must bring ``captcha``, the unused token its solved image
        challenge earned (``self.challenges``): the screen alone proves nothing."""
        self.challenges.redeem(captcha, visit)
        subject = self._subject(identity)
        temporary = new_temporary_key(digits)
        temporary_hash = self.hasher.hash(temporary)  # also paid for an unknown document

        def settle(session: Session, now: datetime) -> str:
            self._check_questions_open(session, subject, now, max_attempts, lockout, max_failed_sets)
            asked = self._asked(session, identity, name_product=False)
            member = self._member(session, identity.member_id) if identity.member_id else None
            right = (
                member is not None
                and bool(member.email)
                and " ".join(email.split()).casefold() == member.email.casefold()
                and questions.all_right(asked, answers)
            )
            if not right:
                raise self._fail_questions(session, now, identity, subject, max_attempts, lockout, max_failed_sets)
            session.execute(delete(RecoveryAttempt).where(col(RecoveryAttempt.subject) == subject))
            self._store_key(session, now, member, (LOGIN,), temporary_hash, expires_at=now + key_lifetime)
            minutes = int(key_lifetime.total_seconds() // 60)
            body = _(
                "{name}: su contraseña fue cambiada. Su nueva contraseña temporal es {key}; "
                "vence en {minutes} minutos: ingrese con ella y cámbiela."
            ).format(name=self.institution_name, key=temporary, minutes=minutes)
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
            decoy, decoy_link = self._read(
                lambda s: (
                    limits.latest_decoy(s, self._send_subject(identity), TEMPORARY_KEY),
                    limits.latest_decoy(s, self._send_subject(identity), LINK_WITH_KEY),
                )
            )
            if decoy is not None and decoy.tries < codes.MAX_TRIES:
                self.hasher.verify(secret, None)  # a member's pending temporary key is checked too
            if decoy_link is not None and self.clock.now() - decoy_link.issued_at < links.LIFETIME:
                self.hasher.verify(secret, None)  # and the temporary key waiting on a link
            self._write(lambda s, now: self._decoy_login(s, now, identity, max_failed_tries, wrong), identity)
            raise wrong  # not reached: _decoy_login always refuses
        member_id = identity.member_id
        guess_subject = self._send_subject(identity)
        key, pending, link, unsent_link = self._read(
            lambda s: (
                self._key(s, member_id),
                codes.latest(s, member_id, TEMPORARY_KEY),
                codes.latest(s, member_id, LINK),
                # A link asked for but not sent (no e-mail on file): checked as a stranger's is.
                limits.latest_decoy(s, guess_subject, LINK_WITH_KEY),
            )
        )
        usable = key is not None and not key.blocked
        key_matches = self.hasher.verify(secret, key.hash if usable else None)
        # A temporary key is tried when the key is not the one typed.
        tried = codes.attempt(self.hasher, pending, secret) if not key_matches and codes.usable(pending) else None
        if not key_matches:
            now = self.clock.now()
            if _link_waits(link, now):
                if self.hasher.verify(secret, link.pending_secret_hash):
                    # The temporary key e-mailed with a link works only with the link: the
                    # login changes nothing (no try counted, no block lifted) and sends there.
                    return Login("change_required", Proof(member_id, "pending_link"))
            elif unsent_link is not None and now - unsent_link.issued_at < links.LIFETIME:
                self.hasher.verify(secret, None)

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
                if codes.current(current, now):
                    # While the guess budget is spent the temporary key is not tried at all.
                    lock = guesses.locked(session, guess_subject, now)
                    if lock is not None:
                        code_refusal = guesses.refusal(lock, self.institution_name)
                    else:
                        try:
                            match = self._settle_guess(
                                session, now, guess_subject, member_id,
                                lambda: codes.check(session, now, member_id, TEMPORARY_KEY, tried),
                            )
                        except Refusal as refusal:
                            code_refusal = refusal  # counted on the code, and on the key below
                        else:
                            guesses.reset(session, self.institution, guess_subject, now)
                            self._audit(session, now, "temporary_key_accepted", member_id)
                            return Login("change_required", Proof(member_id, "code", match.code_id))
                elif tried.matches:
                    # The member typed the right temporary key too late: say so.
                    raise Refusal("code_expired", _("La clave temporal venció. Solicite una nueva."))
            if stored is None:  # no key yet (a first access): "blocked" after as many tries as anyone
                self._count_failure_without_key(session, now, identity, max_failed_tries, code_refusal, wrong)
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
                    self._notify(session, now, self._member(session, member_id), _lock_notices()[KEY_LOCK],
                                 _("Bloqueo de seguridad"))
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
        guess_subject = self._send_subject(identity)
        decoy = limits.latest_decoy(session, guess_subject, TEMPORARY_KEY)
        lock = guesses.locked(session, guess_subject, now)
        if decoy is not None and decoy.tries < codes.MAX_TRIES and decoy.issued_at <= now < decoy.expires_at:
            if lock is not None:
                code_refusal = guesses.refusal(lock, self.institution_name)
            else:
                try:
                    self._settle_guess(
                        session, now, guess_subject, None, lambda: self._decoy_wrong_try(session, now, decoy)
                    )
                except Refusal as refusal:
                    code_refusal = refusal
        self._count_failure_without_key(session, now, identity, max_failed_tries, code_refusal, wrong)

    def _count_failure_without_key(
        self,
        session: Session,
        now: datetime,
        identity: Identity,
        max_failed_tries: int,
        code_refusal: Refusal | None,
        wrong: Refusal,
    ) -> None:
        """A wrong login for a document with no key to count it on (nobody's,
        or a member's first access): counted against the document, "blocked"
        after as many tries as a key is, so the answers are a keyed member's."""
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
        key being replaced; ``differ_from`` names a key the new one must not equal.
        Through a link that carries a temporary key, ``current`` is that key."""
        if proof.via == LINK and self._check_link_secret(proof, current or ""):
            if key == current:  # the e-mailed temporary key, just checked: never the new key
                raise keyhistory.same_as_temporary()
            current = None  # the member's own key is not asked for: it may be forgotten
        new_hash = self._vet_new_key(proof.member_id, kind, key, confirmation, length, history, current, differ_from)

        def apply(session: Session, now: datetime) -> Proof:
            if proof.code_id is not None:  # a temporary key or a link, used up by this change
                codes.consume(session, now, proof.code_id)
            member = self._member(session, proof.member_id)
            self._store_key(session, now, member, (kind,), new_hash)
            return Proof(member.id, "key")

        return self._write(apply, proof.member_id)

    def _check_link_secret(self, proof: Proof, secret: str) -> bool:
        """The temporary key e-mailed with the link (``send_recovery_link``),
        checked when the link carries one (True then): a wrong one counts a
        try on the link, and the third kills the link."""
        link = self._read(lambda s: s.get(OneTimeCode, proof.code_id))
        if link is not None and link.pending_secret_hash is None:
            return False  # a link sent without a temporary key
        live = link is not None and link.tries < codes.MAX_TRIES
        matches = self.hasher.verify(secret, link.pending_secret_hash if live else None)
        if not live:
            raise _dead_link_refusal()
        if matches:
            return True

        def count(session: Session, now: datetime) -> None:
            current = session.get(OneTimeCode, proof.code_id)
            if current is None or current.used_at is not None:
                raise Refusal("link_used", _("Este enlace ya fue usado. Solicite uno nuevo con «¿Olvidó su contraseña?»."))
            current.tries += 1
            session.add(current)
            self._audit(session, now, "recovery_link_wrong_key", proof.member_id, f"intento {current.tries}")
            if current.tries >= codes.MAX_TRIES:
                raise _dead_link_refusal()
            left = codes.MAX_TRIES - current.tries
            raise Refusal(
                "wrong_temporary_key",
                _("La contraseña temporal no es correcta. Intentos restantes: {left}.").format(left=left),
            )

        self._write(count, proof.member_id)

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
        captcha: str | None = None,
        visit: str = "",
        earlier: PendingChange | None = None,
    ) -> PendingChange:
        """Check and hash a key change that a code will confirm (``confirm_change``).
        ``earlier``, a change prepared before it in the visit, is confirmed with it
        (``differ_from`` then also means that change's new key).

        ``who`` is an ``Identity`` when the member is not signed in (a recovery
        form, where the document may be unknown), else a ``Proof``.  Either way
        the visit must bring ``captcha``, the token its solved «No soy un robot»
        earned (``self.challenges``), unused and minted for ``visit``: the
        change a code confirms is guarded by both (Coasmedas' procedure).
        With ``temporary_for`` the key is temporary and expires after that long.
        Nothing is written until the code confirms it.
        """
        self.challenges.redeem(captcha, visit)
        if isinstance(who, Identity):
            subject = self._send_subject(who)
        else:
            subject = self._member_document_subject(who.member_id)
        member_id = who.member_id
        if member_id is None:
            # The same checks and the same bcrypt work as for a member's key.
            check_key(key, length, PersonalData(who.document_number))
            check_confirmation(key, confirmation)
            for _unused in range(self._vetting_checks(history, current, differ_from)):
                self.hasher.verify(key, None)
            return PendingChange(None, kinds, self.hasher.hash(key), purpose, temporary_for, subject)
        new_hash = self._vet_new_key(
            member_id, kinds[0], key, confirmation, length, history, current, differ_from,
            signed_in=isinstance(who, Proof),
        )
        if earlier is not None:
            if earlier.member_id != member_id:
                raise ValueError("the earlier change is another member's")
            if differ_from in earlier.kinds and self.hasher.verify(key, earlier.hash):
                raise _same_as_other_refusal()
        return PendingChange(member_id, kinds, new_hash, purpose, temporary_for, subject, earlier=earlier)

    def hold_new_key(
        self,
        proof: Proof,
        kinds: tuple[str, ...],
        key: str,
        confirmation: str,
        length: int,
        history: int = 3,
        current: str | None = None,
        differ_from: str | None = None,
    ) -> PendingChange:
        """Check and hash a signed-in member's new key that a later step of the
        visit saves with its own change (Progressa's «Permitir»:
        ``complete_setup``; Coasmedas' transactional code: ``prepare_key_change``'s
        ``earlier``), or nothing saves.  No code or challenge of its own: the
        key the member signed in with, and the later step's, guard it."""
        new_hash = self._vet_new_key(
            proof.member_id, kinds[0], key, confirmation, length, history, current, differ_from, signed_in=True
        )
        subject = self._member_document_subject(proof.member_id)
        return PendingChange(proof.member_id, kinds, new_hash, purpose="", subject=subject)

    def confirm_change(self, pending: PendingChange, code: str) -> Proof:
        """Apply a prepared key change once its code is right: code used up, keys
        set, audit row and notification, in one transaction."""
        if pending.member_id is None:
            self.hasher.verify(code, None)  # the member's code is checked as long

            def decoy(session: Session, now: datetime) -> None:
                lock_subject(session, pending.subject)
                self._settle_guess(
                    session, now, pending.subject, None, lambda: self._decoy_check(session, now, pending)
                )

            self._write(decoy)
            raise codes.no_code()  # not reached: a decoy code is never right
        tried = self._code_attempt(pending.member_id, pending.purpose, code)

        def apply(session: Session, now: datetime) -> Proof:
            match = self._settle_guess(
                session, now, pending.subject, pending.member_id,
                lambda: codes.check(session, now, pending.member_id, pending.purpose, tried),
            )
            codes.consume(session, now, match.code_id)
            guesses.reset(session, self.institution, pending.subject, now)
            member = self._member(session, pending.member_id)
            if pending.earlier is not None:
                earlier = pending.earlier
                self._store_key(session, now, member, earlier.kinds, earlier.hash)
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
            raise _same_as_other_refusal()
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
        image, phrase = checked_security_choice(image, phrase)
        self._write(lambda s, now: self._store_security_image(s, now, proof.member_id, image, phrase), proof.member_id)

    def _store_security_image(self, session: Session, now: datetime, member_id: int, image: str, phrase: str) -> None:
        chosen = session.get(SecurityImage, member_id)
        if chosen is None:
            chosen = SecurityImage(member_id=member_id, image=image, phrase=phrase, chosen_at=now)
        chosen.image, chosen.phrase, chosen.chosen_at = image, phrase, now
        session.add(chosen)
        self._audit(session, now, "security_image_set", member_id)

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
            member = self._member(session, proof.member_id)
            if pending is not None:
                if proof.code_id is not None:  # the temporary key, used up by this change
                    codes.consume(session, now, proof.code_id)
                self._store_key(session, now, member, pending.kinds, pending.hash)
            if security_choice is not None:
                self._store_security_image(session, now, member.id, *security_choice)
            consent.grant(session, now, member.id, policy_version)
            self._audit(session, now, "consent_granted", member.id, f"política {policy_version}")
            return Proof(member.id, "key") if pending is not None else proof

        return self._write(apply, proof.member_id)

    def grant_consent(self, proof: Proof, policy_version: str) -> None:
        def apply(session: Session, now: datetime) -> None:
            consent.grant(session, now, proof.member_id, policy_version)
            self._audit(session, now, "consent_granted", proof.member_id, f"política {policy_version}")

        self._write(apply, proof.member_id)


SEND_LOCK = "sends"
LINK_LOCK = "links"
KEY_LOCK = "key"
GUESS_LOCKS = {guesses.DAILY: "guesses-daily", guesses.TELLER: "guesses-teller"}
LOCK_NOTICE_WINDOW = timedelta(hours=24)


def _lock_notices() -> dict[str, str]:
    """What the member is told when a lock begins ({name}, {date}, {time} filled by ``_notify``)."""
    unknown = _("Si no fue usted, comuníquese de inmediato con la entidad.")
    return {
        SEND_LOCK: _(
            "{name}: por su seguridad bloqueamos por una hora el envío de códigos a su nombre "
            "el {date} a las {time}, tras varias solicitudes."
        ) + " " + unknown,
        LINK_LOCK: _(
            "{name}: por su seguridad bloqueamos por una hora el envío de enlaces a su nombre "
            "el {date} a las {time}, tras varias solicitudes."
        ) + " " + unknown,
        GUESS_LOCKS[guesses.DAILY]: _(
            "{name}: por su seguridad bloqueamos por 24 horas la verificación de sus códigos "
            "el {date} a las {time}, tras varios códigos equivocados."
        ) + " " + unknown,
        GUESS_LOCKS[guesses.TELLER]: _(
            "{name}: por su seguridad bloqueamos la verificación de sus códigos el {date} a las {time}, "
            "tras muchos códigos equivocados; para desbloquearla acérquese a una oficina con su documento."
        ) + " " + unknown,
        KEY_LOCK: _(
            "{name}: por su seguridad bloqueamos su clave el {date} a las {time}, tras varios intentos fallidos."
        ) + " " + unknown,
    }


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


def _same_as_other_refusal() -> Refusal:
    return Refusal(
        "same_as_other_key",
        _("La clave transaccional debe ser distinta de la clave de ingreso al portal."),
    )


def _link_waits(link: OneTimeCode | None, now: datetime) -> bool:
    """Whether ``link`` carries a temporary key that can still be used with it."""
    return (
        link is not None and link.pending_secret_hash is not None and link.used_at is None
        and link.tries < codes.MAX_TRIES and codes.current(link, now)
    )


def _dead_link_refusal() -> Refusal:
    return Refusal(
        "link_dead",
        _("Demasiados intentos fallidos con este enlace. Solicite uno nuevo con «¿Olvidó su contraseña?»."),
    )


def _blocked_message() -> str:
    return _("Su clave está bloqueada por intentos fallidos. Recupere su clave para asignar una nueva.")


def _personal_data(member: Member) -> PersonalData:
    return PersonalData(member.document_number, member.birth_date, member.mobile or "")
