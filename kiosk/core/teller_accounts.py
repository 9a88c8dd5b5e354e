"""Teller accounts: added and reset by the ``kiosk teller ...`` commands, and
signed in with a password and an authenticator code (TOTP), every failure
counted per teller, per unknown username and per terminal, and audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kiosk.core import teller_signin
from kiosk.core.context import CoreContext
from kiosk.core.errors import Refusal
from kiosk.core.members import DOCUMENT_TYPES, validate_document
from kiosk.core.teller_password import check_teller_password
from kiosk.core.teller_signin import LOCKOUT, MAX_FAILED_SIGNINS
from kiosk.core.typed import has_control
from kiosk.i18n import _
from kiosk.store.db import lock_subject
from kiosk.store.models import Teller

TOTP_ISSUER = "Kiosk"
USERNAME = re.compile(r"[a-z0-9._-]{3,40}", re.ASCII)
# What a teller may do besides serving members: a supervisor sees the
# supervisor view of their institution, an operator that of every institution.
TELLER, SUPERVISOR, OPERATOR = "teller", "supervisor", "operator"
ROLES = (TELLER, SUPERVISOR, OPERATOR)


@dataclass(frozen=True)
class PasswordChecked:
    """The first factor passed; the authenticator code is still due."""

    teller_id: int
    enrolled: bool


@dataclass(frozen=True)
class Enrolment:
    """A new authenticator secret, to be confirmed by its first code."""

    secret: str
    uri: str


@dataclass(frozen=True)
class TellerSession:
    teller_id: int
    username: str
    full_name: str
    role: str = TELLER
    institution: str = ""

    @property
    def actor(self) -> str:
        return f"teller:{self.teller_id}"


class TellerAccounts:
    """The institution's tellers and their sign-in, from one terminal."""

    def __init__(self, core: CoreContext, terminal: str, admin: str, new_secret: Callable[[], str]) -> None:
        self.core = core
        # Where sign-ins come from (throttled and audited), and who runs the
        # ``kiosk teller ...`` commands (their audit actor).
        self.terminal = terminal
        self.admin = admin
        # Tests pass a fixed secret so the enrolment screen can be snapshotted.
        self.new_secret = new_secret

    # -- tellers (the ``kiosk teller add`` command) -------------------------

    def add_teller(
        self,
        username: str,
        full_name: str,
        document_type: str,
        document_number: str,
        password: str,
        confirmation: str,
        role: str = TELLER,
    ) -> int:
        if role not in ROLES:
            raise Refusal("role", _("El rol debe ser asesor, supervisor u operador."))
        if has_control(username) or has_control(full_name):
            raise Refusal("control_characters", _("El usuario y el nombre no pueden tener caracteres de control."))
        username = username.strip().lower()
        if not USERNAME.fullmatch(username):
            raise Refusal("username", _("El usuario debe tener de 3 a 40 letras minúsculas, números, punto o guion."))
        full_name = " ".join(full_name.split())
        if not full_name or len(full_name) > 80:
            raise Refusal("full_name", _("Escriba el nombre completo del asesor."))
        if document_type not in DOCUMENT_TYPES:
            raise Refusal("document_type", _("Seleccione el tipo de documento."))
        number = validate_document(document_number)
        check_teller_password(password, confirmation, username, full_name, number)
        password_hash = self.core.hasher.hash(password)

        def add(session: Session, now: datetime) -> int:
            teller = Teller(
                username=username,
                full_name=full_name,
                institution=self.core.institution,
                document_type=document_type,
                document_number=number,
                password_hash=password_hash,
                created_at=now,
                role=role,
            )
            session.add(teller)
            session.flush()
            self.core.audit(session, now, "teller_added", None, username, actor=self.admin)
            if role != TELLER:
                self.core.audit(session, now, "teller_role_granted", None, f"{username}: {role}", actor=self.admin)
            return teller.id

        try:
            return self.core.write(add)
        except IntegrityError:
            raise Refusal("username_taken", _("Ya existe un asesor con ese usuario.")) from None

    def reset_authenticator(self, username: str) -> None:
        """A teller who lost their phone enrols a new authenticator at the next sign-in."""

        def reset(session: Session, now: datetime) -> None:
            teller = self._teller_named(session, username)
            if teller is None:
                raise Refusal("unknown_teller", _("No existe un asesor con ese usuario."))
            teller.totp_secret_sealed = None
            teller.totp_enrolled_at = None
            teller.failed_signins = 0
            teller.locked_until = None
            session.add(teller)
            self.core.audit(session, now, "teller_authenticator_reset", None, teller.username, actor=self.admin)

        self.core.write(reset)

    def tellers(self) -> list[Teller]:
        return self.core.read(
            lambda s: list(s.exec(select(Teller).where(Teller.institution == self.core.institution).order_by(Teller.username)))
        )

    @staticmethod
    def _locked_teller(session: Session, teller_id: int) -> Teller:
        """The teller's row, held until the transaction ends (FOR UPDATE on
        PostgreSQL; SQLite's write transaction already excludes others), so two
        consoles never both accept one code or lose a failed try."""
        return session.get(Teller, teller_id, with_for_update=True)

    def _teller_named(self, session: Session, username: str) -> Teller | None:
        statement = select(Teller).where(
            Teller.username == username.strip().lower(), Teller.institution == self.core.institution
        )
        return session.exec(statement).first()

    # -- sign-in ------------------------------------------------------------

    def _wrong_sign_in(self) -> Refusal:
        return Refusal("wrong_sign_in", _("El usuario, la contraseña o el código no son correctos."))

    def _count_failure(self, session: Session, now: datetime, teller: Teller, what: str) -> Refusal:
        teller.failed_signins += 1
        tries, locked = teller.failed_signins, teller.failed_signins >= MAX_FAILED_SIGNINS
        if locked:
            teller.locked_until = now + LOCKOUT
            teller.failed_signins = 0
        session.add(teller)
        return self._failed(session, now, f"teller:{teller.id}", teller.username, what, tries, locked)

    def _count_unknown_failure(self, session: Session, now: datetime, subject: str) -> Refusal:
        """A username nobody holds: counted and locked like a teller's own."""
        tries = teller_signin.count_unknown_failure(session, self.core.institution, subject, now)
        who = f"usuario no registrado {subject[:12]}"  # a digest: what was typed may be a password
        return self._failed(
            session, now, "desconocido", who, "contraseña", tries, tries >= MAX_FAILED_SIGNINS
        )

    def _failed(
        self, session: Session, now: datetime, actor: str, who: str, what: str, tries: int, locked: bool
    ) -> Refusal:
        """Audit the failed try (and the lock it caused, with the terminal) and
        count it against the terminal; the refusal to give."""
        terminal = teller_signin.terminal_subject(self.core.hasher, self.core.institution, self.terminal)
        where = f"terminal {self.terminal}"
        detail = f"{who}: {what}, intento {tries}, {where}"
        self.core.audit(session, now, "teller_sign_in_failed", None, detail, actor=actor)
        if locked:
            minutes = int(LOCKOUT.total_seconds() // 60)
            self.core.audit(session, now, "teller_locked", None, f"{who}, {minutes} min, {where}", actor=actor)
        if teller_signin.count_terminal_failure(session, self.core.institution, terminal, now):
            self.core.audit(session, now, "teller_terminal_throttled", None, where, actor=actor)
        return self._locked_refusal() if locked else self._wrong_sign_in()

    def _locked_refusal(self) -> Refusal:
        return Refusal(
            "teller_locked",
            _("Demasiados intentos fallidos: el ingreso quedó bloqueado por {n} minutos.").format(
                n=int(LOCKOUT.total_seconds() // 60)
            ),
        )

    def check_password(self, username: str, password: str) -> PasswordChecked:
        name = username.strip().lower()
        teller = self.core.read(lambda s: self._teller_named(s, name))
        # An unknown user costs the same bcrypt work (a decoy hash), is counted
        # and locked the same way, and gets the same answers.
        matches = self.core.hasher.verify(password, teller.password_hash if teller else None)
        terminal = teller_signin.terminal_subject(self.core.hasher, self.core.institution, self.terminal)
        subject = teller_signin.username_subject(self.core.hasher, self.core.institution, name)

        def settle(session: Session, now: datetime) -> PasswordChecked:
            lock_subject(session, terminal)
            teller_signin.refuse_busy_terminal(session, terminal, now)
            if teller is None:
                lock_subject(session, subject)
                if teller_signin.unknown_locked(session, subject, now):
                    raise self._locked_refusal()
                raise self._count_unknown_failure(session, now, subject)
            stored = self._locked_teller(session, teller.id)
            if stored.locked_until and stored.locked_until > now:
                raise self._locked_refusal()
            if not matches:
                raise self._count_failure(session, now, stored, "contraseña")
            return PasswordChecked(stored.id, stored.totp_enrolled_at is not None)

        return self.core.write(settle)

    def start_enrolment(self, checked: PasswordChecked) -> Enrolment:
        """A fresh secret each time enrolment is shown: one seen earlier and
        never confirmed is worth nothing."""
        secret = self.new_secret()

        def store(session: Session, now: datetime) -> Enrolment:
            teller = self._locked_teller(session, checked.teller_id)
            if teller.totp_enrolled_at is not None:
                raise Refusal("already_enrolled", _("Este asesor ya tiene una aplicación autenticadora."))
            teller.totp_secret_sealed = self.core.sealer.seal(secret)
            session.add(teller)
            uri = pyotp.TOTP(secret).provisioning_uri(name=teller.username, issuer_name=TOTP_ISSUER)
            return Enrolment(secret, uri)

        return self.core.write(store)

    def verify_authenticator(self, checked: PasswordChecked, code: str) -> TellerSession:
        """The second factor: a TOTP code, never one already used.  On the
        first sign-in it confirms the enrolment."""

        def settle(session: Session, now: datetime) -> TellerSession:
            teller = self._locked_teller(session, checked.teller_id)
            if teller.locked_until and teller.locked_until > now:
                raise self._locked_refusal()
            if teller.totp_secret_sealed is None:
                raise Refusal("not_enrolled", _("Vuelva a ingresar para registrar su aplicación autenticadora."))
            step = self._matching_step(self.core.sealer.open(teller.totp_secret_sealed), code.strip(), now)
            if step is None:
                raise self._count_failure(session, now, teller, "código")
            if step <= teller.totp_last_step:
                raise self._count_failure(session, now, teller, "código ya usado")
            teller.totp_last_step = step
            teller.failed_signins = 0
            action = "teller_signed_in"
            if teller.totp_enrolled_at is None:
                teller.totp_enrolled_at = now
                action = "teller_enrolled"
            session.add(teller)
            self.core.audit(session, now, action, None, teller.username, actor=f"teller:{teller.id}")
            return TellerSession(teller.id, teller.username, teller.full_name, teller.role, teller.institution)

        return self.core.write(settle)

    @staticmethod
    def _matching_step(secret: str, code: str, now: datetime) -> int | None:
        """The time step whose code is ``code``: this one or a neighbour (clock drift)."""
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            return None
        totp = pyotp.TOTP(secret)
        current = totp.timecode(now)
        for step in (current, current - 1, current + 1):
            if pyotp.utils.strings_equal(totp.generate_otp(step), code):
                return step
        return None

    def sign_out(self, teller: TellerSession, reason: str = "") -> None:
        self.core.write(
            lambda session, now: self.core.audit(
                session, now, "teller_signed_out", None, f"{teller.username} {reason}".strip(), actor=teller.actor
            )
        )
