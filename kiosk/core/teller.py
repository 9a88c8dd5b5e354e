"""The teller's side: a branch teller signs in with a password and an
authenticator code, finds a member, checks their identity document in person,
and then may ask for a change of the member's contacts (which a second
teller approves: kiosk.core.contact_changes), unblock a key, send a temporary
key to the member's mobile or reopen self-service.

Every action is one transaction with its audit row (actor ``teller:<id>``)
and its notifications.  The teller never sees or chooses a member's key.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pyotp
from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from kiosk.core import activity, audit, guesses, limits, outbox, teller_signin
from kiosk.core.clock import Clock
from kiosk.core.context import CoreContext
from kiosk.core.contact_changes import DEFAULT_HOLD_HOURS, ContactChanges, PendingContactChange, mask_document
from kiosk.core.errors import Refusal
from kiosk.core.facade import OverCore, forward
from kiosk.core.hashing import Hasher
from kiosk.core.identity import Identification
from kiosk.core.key_store import store_key
from kiosk.core.keypolicy import new_temporary_key
from kiosk.core.members import DOCUMENT_TYPES, Contacts, masked_contacts, validate_document
from kiosk.core.recovery_questions import RecoveryQuestions
from kiosk.core.sealing import Sealer
from kiosk.core.teller_accounts import (  # importable from here as before
    Enrolment,
    PasswordChecked,
    TellerAccounts,
    TellerSession,
)
from kiosk.core.teller_signin import LOCKOUT, MAX_FAILED_SIGNINS  # importable from here as before
from kiosk.core.values import LOGIN, Identity
from kiosk.i18n import N_, _
from kiosk.store.models import IdentityCheck, Member, MemberKey, Product, RecoveryAttempt, Teller

IDENTITY_CHECK_LIFETIME = timedelta(minutes=15)
SEARCH_LIMIT = 20


# -- what the console is shown -------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    document_type: str
    document_number: str  # masked: the teller types it from the physical ID
    full_name: str


@dataclass(frozen=True)
class AuditLine:
    """One line of the card's activity, in Spanish (kiosk.core.activity)."""

    at: datetime
    who: str  # «el asociado», «asesor Ana Gómez»...
    action: str  # the stored action (audit.action_label gives its words)
    detail: str


@dataclass(frozen=True)
class MemberCard:
    member_id: int
    institution_name: str
    document_type: str
    document_number: str  # masked until this teller's identity check
    full_name: str
    contacts: Contacts
    products: list[tuple[str, str, date]]  # kind, masked number, opened on
    keys: list[tuple[str, str]]  # kind, state
    failed_recoveries: int  # failed self-service attempts still counted
    identity_checked_until: datetime | None
    own_record: bool
    trail: list[AuditLine]
    pending_change: PendingContactChange | None = None
    # Messages to the member a relay could not deliver (kiosk.relay): when,
    # channel, reason; never the body.
    undelivered: tuple[tuple[datetime, str, str], ...] = ()


# Translated where shown.
KEY_KINDS = {"login": N_("de ingreso"), "transactional": N_("transaccional")}
KEY_STATES = {
    "active": N_("activa"),
    "temporary": N_("temporal"),
    "expired": N_("temporal vencida"),
    "blocked": N_("bloqueada"),
}


def key_state(key: MemberKey, now: datetime) -> str:
    if key.blocked:
        return "blocked"
    if key.temporary:
        return "expired" if key.expires_at and now >= key.expires_at else "temporary"
    return "active"


class TellerDesk(OverCore):
    """The teller console's operations, for the tellers of one institution.
    It holds the parts it needs (the shared context, the teller accounts, the
    member's messages, the recovery subject, the contact changes) rather than
    being a kiosk, and forwards to them."""

    def __init__(
        self,
        engine: Engine,
        hasher: Hasher,
        sealer: Sealer,
        clock: Clock,
        institution: str,
        institution_name: str,
        kiosk_id: str | None = None,
        *,
        temporary_key_length: int = 6,
        temporary_key_hours: int = 24,
        new_secret: Callable[[], str] = pyotp.random_base32,
        contact_hold_hours: float = DEFAULT_HOLD_HOURS,
        terminal: str | None = None,
        admin: str | None = None,
        relayed: Collection[tuple[str, str]] = (),
    ) -> None:
        self.core = CoreContext(engine, hasher, sealer, clock, institution, institution_name, kiosk_id, relayed)
        self.identification = Identification(self.core)  # the member's messages
        self.questions = RecoveryQuestions(self.core)  # whose failed recoveries a teller clears
        self.contact_changes = ContactChanges(
            self.core, timedelta(hours=contact_hold_hours), act=self._act, is_own_record=self._is_own_record
        )
        self.accounts = TellerAccounts(
            self.core,
            terminal=terminal or teller_signin.this_terminal(kiosk_id),
            admin=admin or teller_signin.admin_actor(),
            new_secret=new_secret,
        )
        self.temporary_key_length = temporary_key_length
        self.temporary_key_hours = temporary_key_hours

    contact_hold = property(lambda self: self.contact_changes.contact_hold)

    # Where sign-ins come from, and who runs the ``kiosk teller ...`` commands.
    terminal = property(
        lambda self: self.accounts.terminal, lambda self, value: setattr(self.accounts, "terminal", value)
    )
    admin = property(lambda self: self.accounts.admin, lambda self, value: setattr(self.accounts, "admin", value))

    add_teller = forward(TellerAccounts.add_teller, "accounts")
    reset_authenticator = forward(TellerAccounts.reset_authenticator, "accounts")
    tellers = forward(TellerAccounts.tellers, "accounts")
    check_password = forward(TellerAccounts.check_password, "accounts")
    start_enrolment = forward(TellerAccounts.start_enrolment, "accounts")
    verify_authenticator = forward(TellerAccounts.verify_authenticator, "accounts")
    sign_out = forward(TellerAccounts.sign_out, "accounts")
    messages_for = forward(Identification.messages_for, "identification")
    update_contacts = forward(ContactChanges.update_contacts, "contact_changes")
    approve_contact_change = forward(ContactChanges.approve_contact_change, "contact_changes")
    cancel_contact_change = forward(ContactChanges.cancel_contact_change, "contact_changes")
    apply_due_contact_changes = forward(ContactChanges.apply_due_contact_changes, "contact_changes")
    pending_contact_changes = forward(ContactChanges.pending_contact_changes, "contact_changes")

    # -- tellers (the ``kiosk teller ...`` commands): kiosk.core.teller_accounts --

    def apply_due_by_admin(self) -> int:
        """``kiosk teller apply-due``: the due contact changes applied (each
        audited as usual) and, when there were any, who ran the command."""
        applied = self.apply_due_contact_changes()
        if applied:
            self.core.write(
                lambda session, now: self.core.audit(
                    session, now, "contact_changes_applied", None, f"{applied} cambios aplicados", actor=self.admin
                )
            )
        return applied

    # -- finding members ----------------------------------------------------

    def find_by_document(self, document_type: str, document_number: str) -> list[MemberRow]:
        number = validate_document(document_number)
        return self._find(Member.document_type == document_type, Member.document_number == number)

    def find_by_name(self, fragment: str) -> list[MemberRow]:
        words = fragment.split()
        if not words or min(len(w) for w in words) < 2 or len(fragment) > 80:
            raise Refusal("name_fragment", _("Escriba al menos dos letras del nombre o del apellido."))
        full_name = func.lower(Member.first_names + " " + Member.last_names)
        # Every word must appear; the words are bound parameters, never SQL.
        return self._find(*(full_name.contains(word.lower(), autoescape=True) for word in words))

    def _find(self, *conditions) -> list[MemberRow]:
        statement = (
            select(Member)
            .where(Member.institution == self.institution, *conditions)
            .order_by(Member.last_names, Member.first_names)
            .limit(SEARCH_LIMIT)
        )
        return self.core.read(
            lambda s: [
                MemberRow(m.id, m.document_type, mask_document(m.document_number), f"{m.first_names} {m.last_names}")
                for m in s.exec(statement)
            ]
        )

    def member_card(self, teller: TellerSession, member_id: int) -> MemberCard:
        self.apply_due_contact_changes(member_id)
        now = self.clock.now()

        def load(session: Session) -> MemberCard:
            member = self._institution_member(session, member_id)
            products = session.exec(select(Product).where(Product.member_id == member_id).order_by(Product.id))
            keys = session.exec(select(MemberKey).where(MemberKey.member_id == member_id).order_by(MemberKey.id))
            check = self._identity_check(session, teller, member_id, now)
            pending = self.contact_changes.pending_change(session, member_id)
            return MemberCard(
                member_id=member.id,
                institution_name=self.institution_name,
                document_type=member.document_type,
                document_number=member.document_number if check else mask_document(member.document_number),
                full_name=f"{member.first_names} {member.last_names}",
                contacts=masked_contacts(member),
                products=[(p.kind, "****" + p.number[-4:], p.opened_on) for p in products],
                keys=[(k.kind, key_state(k, now)) for k in keys],
                failed_recoveries=self._recovery_failures(session, member),
                identity_checked_until=check.expires_at if check else None,
                own_record=self._is_own_record(session, teller, member),
                trail=self._activity(session, audit.trail(session, member_id, limit=12)),
                pending_change=self.contact_changes.pending_view(session, pending) if pending else None,
                undelivered=outbox.undelivered(session, member_id),
            )

        return self.core.read(load)

    @staticmethod
    def _activity(session: Session, events) -> list[AuditLine]:
        """The audit rows as the teller reads them: who by name, details in Spanish."""
        ids = activity.actor_ids([text for e in events for text in (e.actor, e.detail)])
        names = {t.id: t.full_name for t in session.exec(select(Teller).where(col(Teller.id).in_(ids)))} if ids else {}
        return [
            AuditLine(e.at, activity.who(e.actor, names), e.action, activity.detail(e.detail, names))
            for e in events
        ]

    def _institution_member(self, session: Session, member_id: int) -> Member:
        member = session.get(Member, member_id)
        if member is None or member.institution != self.institution:
            raise Refusal("unknown_member", _("No se encontró el asociado."))
        return member

    def _recovery_subject(self, member: Member) -> str:
        return self.questions.subject(Identity(member.document_type, member.document_number, member.id))

    def _recovery_failures(self, session: Session, member: Member) -> int:
        statement = select(func.count()).select_from(RecoveryAttempt).where(
            RecoveryAttempt.subject == self._recovery_subject(member)
        )
        return session.exec(statement).one()

    @staticmethod
    def _is_own_record(session: Session, teller: TellerSession, member: Member) -> bool:
        stored = session.get(Teller, teller.teller_id)
        return (stored.document_type, stored.document_number) == (member.document_type, member.document_number)

    @staticmethod
    def _identity_check(session: Session, teller: TellerSession, member_id: int, now: datetime) -> IdentityCheck | None:
        statement = (
            select(IdentityCheck)
            .where(
                IdentityCheck.teller_id == teller.teller_id,
                IdentityCheck.member_id == member_id,
                IdentityCheck.expires_at > now,
            )
            .order_by(col(IdentityCheck.id).desc())
        )
        return session.exec(statement).first()

    # -- the in-person identity check ----------------------------------------

    def record_identity_check(
        self, teller: TellerSession, member_id: int, document_type: str, document_number: str
    ) -> datetime:
        """The teller saw the member's original document and typed its number:
        it must be the member's own.  Opens the actions for a short while."""
        if document_type not in DOCUMENT_TYPES:
            raise Refusal("document_type", _("Seleccione el tipo de documento que presentó el asociado."))
        number = validate_document(document_number)

        def record(session: Session, now: datetime) -> datetime:
            member = self._member_to_serve(session, teller, member_id)
            if (member.document_type, member.document_number) != (document_type, number):
                self.core.audit(session, now, "identity_check_failed", member_id, "documento distinto", actor=teller.actor)
                raise Refusal(
                    "document_mismatch",
                    _("El documento presentado no coincide con el registrado. No se habilitan acciones."),
                )
            expires_at = now + IDENTITY_CHECK_LIFETIME
            session.add(
                IdentityCheck(
                    teller_id=teller.teller_id,
                    member_id=member_id,
                    document_seen=document_type,
                    checked_at=now,
                    expires_at=expires_at,
                )
            )
            self.core.audit(
                session, now, "identity_checked", member_id, f"{document_type} original presentado", actor=teller.actor
            )
            return expires_at

        return self.core.write(record, member_id)

    def _member_to_serve(self, session: Session, teller: TellerSession, member_id: int) -> Member:
        member = self._institution_member(session, member_id)
        if self._is_own_record(session, teller, member):
            raise Refusal(
                "own_record", _("Usted no puede atender su propio registro. Solicite la ayuda de otro asesor.")
            )
        return member

    def _act(self, teller: TellerSession, member_id: int, work: Callable[[Session, datetime, Member], str]) -> str:
        """Run a teller action: only on another person's record, only after an
        identity check by this teller that has not expired."""

        def act(session: Session, now: datetime) -> str:
            member = self._member_to_serve(session, teller, member_id)
            if self._identity_check(session, teller, member_id, now) is None:
                raise Refusal(
                    "identity_not_checked",
                    _("Primero verifique en persona el documento de identidad del asociado."),
                )
            self.contact_changes.apply_due(session, now, member_id)  # a change whose hold has passed counts from now
            return work(session, now, member)

        return self.core.write(act, member_id)

    # -- actions ----------------------------------------------------------

    def unblock_key(self, teller: TellerSession, member_id: int) -> str:
        def unblock(session: Session, now: datetime, member: Member) -> str:
            blocked = [k for k in session.exec(select(MemberKey).where(MemberKey.member_id == member.id)) if k.blocked]
            if not blocked:
                raise Refusal("not_blocked", _("El asociado no tiene claves bloqueadas."))
            for key in blocked:
                key.blocked = False
                key.failed_tries = 0
                session.add(key)
                self.core.audit(session, now, "key_unblocked", member.id, f"clave {key.kind}", actor=teller.actor)
            self.core.notify(
                session,
                now,
                member,
                _(
                    "{name}: su clave fue desbloqueada en una oficina el {date} a las {time}. "
                    "Si no fue usted, comuníquese con la entidad."
                ),
                _("Aviso de seguridad"),
            )
            return _("Clave desbloqueada. El asociado ya puede ingresar con su clave.")

        return self._act(teller, member_id, unblock)

    def issue_temporary_key(self, teller: TellerSession, member_id: int) -> str:
        """A temporary key sent to the member's mobile; at the kiosk the member
        logs in with it and sets the definitive key.  Nobody at the desk sees it."""
        temporary = new_temporary_key(self.temporary_key_length)
        temporary_hash = self.hasher.hash(temporary)

        def issue(session: Session, now: datetime, member: Member) -> str:
            if not member.mobile:
                raise Refusal("no_mobile", _("El asociado no tiene celular registrado: actualícelo primero."))
            expires_at = now + timedelta(hours=self.temporary_key_hours)
            store_key(
                self.core, session, now, member, (LOGIN,), temporary_hash, expires_at=expires_at,
                actor=teller.actor, issued_at_office=True,
            )
            body = _(
                "{name}: su clave temporal es {key}. Vence en {hours} horas: ingrese con ella y asigne "
                "su clave definitiva. Nadie de la entidad se la pedirá."
            ).format(name=self.institution_name, key=temporary, hours=self.temporary_key_hours)
            outbox.queue(
                session, self.sealer, now, member, outbox.SMS, body, subject=_("Clave temporal"),
                expires_at=expires_at, relayed=self.core.relayed,
            )
            return _("Clave temporal enviada al celular {mobile}.").format(mobile=masked_contacts(member).mobile)

        return self._act(teller, member_id, issue)

    def reopen_self_service(self, teller: TellerSession, member_id: int) -> str:
        def reopen(session: Session, now: datetime, member: Member) -> str:
            """Failed questions forgotten, the code-guess lock lifted, the send budgets emptied."""
            subject = self._recovery_subject(member)
            document = self.core.send_subject(Identity(member.document_type, member.document_number, member.id))
            # Checked before anything is written: a refusal still commits what came before it.
            codes_locked = guesses.locked(session, document, now) == guesses.TELLER
            cleared = session.execute(delete(RecoveryAttempt).where(RecoveryAttempt.subject == subject)).rowcount
            sends = limits.lift_sends(session, document, now)
            if not (cleared or sends or codes_locked):
                raise Refusal("not_closed", _("La autogestión de este asociado no tiene intentos fallidos."))
            if codes_locked:
                guesses.lift(session, self.institution, document, now)
            detail = f"{cleared} intentos borrados"
            detail += ", envíos desbloqueados" if sends else ""
            detail += ", códigos desbloqueados" if codes_locked else ""
            self.core.audit(session, now, "self_service_reopened", member.id, detail, actor=teller.actor)
            return _("Autogestión reabierta: el asociado puede volver a recuperar su clave en el kiosco.")

        return self._act(teller, member_id, reopen)
