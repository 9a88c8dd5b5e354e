"""Self-service recovery by questions built from the member's own data
(kiosk.core.questions): Cooperen's, answered with the e-mail on file, and
Banco Caja Social's, after its e-mailed code.  Wrong sets are counted per
document and close the path; the member's key is never touched by them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from kiosk.core import outbox, questions
from kiosk.core.context import CoreContext
from kiosk.core.errors import Refusal
from kiosk.core.key_store import store_key
from kiosk.core.keypolicy import new_temporary_key
from kiosk.core.values import LOGIN, Identity, Proof
from kiosk.i18n import _
from kiosk.store.models import Product, RecoveryAttempt

# Failed question sets since the last success or a teller's reopening after
# which only a teller reopens self-service (kiosk.core.questions has the odds).
MAX_FAILED_SETS = 4
# How long the temporary key Cooperen shows is good for: the member logs in
# with it right away (profile: the questions step's ``temporary_minutes``).
SHOWN_KEY_LIFETIME = timedelta(minutes=30)


class RecoveryQuestions:
    """The questions, their answers, and the count of failed sets that closes the path."""

    def __init__(self, core: CoreContext) -> None:
        self.core = core

    def product_questions(
        self,
        proof: Proof,
        max_attempts: int = 3,
        lockout: timedelta = timedelta(hours=24),
        max_failed_sets: int = MAX_FAILED_SETS,
    ) -> list[questions.Question]:
        """The questions after the e-mailed code (naming the product asked about),
        fixed for the member; a refusal while the path is closed."""
        identity = self.core.read(lambda s: self.core.identity_of(s, proof.member_id))
        subject = self.subject(identity)

        def load(session: Session) -> list[questions.Question]:
            self._check_questions_open(session, subject, self.core.clock.now(), max_attempts, lockout, max_failed_sets)
            self._require_mobile(session, proof.member_id)
            return self._asked(session, identity, name_product=True)

        return self.core.read(load)

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
        identity = self.core.read(lambda s: self.core.identity_of(s, proof.member_id))
        subject = self.subject(identity)

        def settle(session: Session, now: datetime) -> Proof:
            self._check_questions_open(session, subject, now, max_attempts, lockout, max_failed_sets)
            self._require_mobile(session, proof.member_id)
            if questions.all_right(self._asked(session, identity, name_product=True), answers):
                session.execute(delete(RecoveryAttempt).where(col(RecoveryAttempt.subject) == subject))
                self.core.audit(session, now, "product_questions_passed", proof.member_id)
                return Proof(proof.member_id, "questions")
            raise self._fail_questions(session, now, identity, subject, max_attempts, lockout, max_failed_sets)

        return self.core.write(settle, proof.member_id)

    def _require_mobile(self, session: Session, member_id: int) -> None:
        """After the code (only members get here) a member without a mobile is
        told so, rather than asked a question they cannot answer."""
        if not self.core.member(session, member_id).mobile:
            raise Refusal(
                "questions_need_mobile",
                _(
                    "Para responder las preguntas de seguridad debe tener un celular registrado. "
                    "Acérquese a cualquiera de nuestras oficinas para actualizarlo."
                ),
            )

    def subject(self, identity: Identity) -> str:
        """A keyed digest naming the document, the same whether or not it is a member's."""
        return self.core.hasher.fingerprint(
            f"recovery:{self.core.institution}:{identity.document_type}:{identity.document_number}"
        ).hex()

    def _closed_refusal(self) -> Refusal:
        return Refusal(
            "recovery_closed",
            _(
                "Por su seguridad, la recuperación de la clave por este medio quedó cerrada por "
                "unas horas. Acérquese a una oficina de {name} con su documento de identidad."
            ).format(name=self.core.institution_name),
        )

    def _closed_until_teller_refusal(self) -> Refusal:
        return Refusal(
            "recovery_closed_office",
            _(
                "Por su seguridad, la recuperación de la clave por este medio quedó cerrada. "
                "Acérquese a una oficina de {name} con su documento de identidad: un asesor "
                "la reabrirá."
            ).format(name=self.core.institution_name),
        )

    def _check_questions_open(
        self, session: Session, subject: str, now: datetime, max_attempts: int, lockout: timedelta,
        max_failed_sets: int,
    ) -> tuple[int, int]:
        """Refuse while the path is closed: ``max_failed_sets`` failed sets since the
        last success or a teller's reopening (the rows both delete) close it until
        a teller reopens it; ``max_attempts`` within ``lockout`` close it for that
        long.  The failed sets (recent, since then)."""
        since_success = failed_attempts(session, subject, datetime.min.replace(tzinfo=now.tzinfo))
        if since_success >= max_failed_sets:
            raise self._closed_until_teller_refusal()
        recent = failed_attempts(session, subject, now - lockout)
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
        session.add(RecoveryAttempt(institution=self.core.institution, subject=subject, failed_at=now))
        self.core.audit(session, now, "recovery_questions_failed", identity.member_id)
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
            self.core.notify(session, now, self.core.member(session, identity.member_id), template, title)
        else:  # the same sealing work as a notice, and nothing queued
            self.core.sealer.seal(template.format(name=self.core.institution_name, date="00/00/0000", time="00:00"))
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
        key = self.core.hasher.fingerprint(
            f"questions:{self.core.institution}:{identity.document_type}:{identity.document_number}"
        )
        answers = None
        if identity.member_id is not None:
            member = self.core.member(session, identity.member_id)
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
        subject = self.subject(identity)

        def load(session: Session) -> list[questions.Question]:
            self._check_questions_open(session, subject, self.core.clock.now(), max_attempts, lockout, max_failed_sets)
            return self._asked(session, identity, name_product=False)

        return self.core.read(load)

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
        challenge earned (``self.core.challenges``): the screen alone proves nothing."""
        self.core.challenges.redeem(captcha, visit)
        subject = self.subject(identity)
        temporary = new_temporary_key(digits)
        temporary_hash = self.core.hasher.hash(temporary)  # also paid for an unknown document

        def settle(session: Session, now: datetime) -> str:
            self._check_questions_open(session, subject, now, max_attempts, lockout, max_failed_sets)
            asked = self._asked(session, identity, name_product=False)
            member = self.core.member(session, identity.member_id) if identity.member_id else None
            right = (
                member is not None
                and bool(member.email)
                and " ".join(email.split()).casefold() == member.email.casefold()
                and questions.all_right(asked, answers)
            )
            if not right:
                raise self._fail_questions(session, now, identity, subject, max_attempts, lockout, max_failed_sets)
            session.execute(delete(RecoveryAttempt).where(col(RecoveryAttempt.subject) == subject))
            store_key(self.core, session, now, member, (LOGIN,), temporary_hash, expires_at=now + key_lifetime)
            minutes = int(key_lifetime.total_seconds() // 60)
            body = _(
                "{name}: su contraseña fue cambiada. Su nueva contraseña temporal es {key}; "
                "vence en {minutes} minutos: ingrese con ella y cámbiela."
            ).format(name=self.core.institution_name, key=temporary, minutes=minutes)
            outbox.queue(
                session, self.core.sealer, now, member, outbox.EMAIL, body, subject=_("Nueva contraseña"),
                expires_at=now + key_lifetime, relayed=self.core.relayed,
            )
            return temporary

        return self.core.write(settle, identity)


def failed_attempts(session: Session, subject: str, since: datetime) -> int:
    statement = select(func.count()).select_from(RecoveryAttempt).where(
        RecoveryAttempt.subject == subject, RecoveryAttempt.failed_at >= since
    )
    return session.exec(statement).one()
