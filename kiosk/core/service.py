"""The kiosk's operations, one database transaction each, with no Textual in
sight: the screens, the teller console, tests and benchmarks all call these.

``KioskService`` is a thin facade: each operation lives in the capability
module that owns it (the table in README.md, "The core by capability"), and
every capability shares one ``CoreContext`` (kiosk.core.context) for the
store, the secrets and the plumbing of a transaction.

Slow bcrypt work is done before the write transaction opens, so a kiosk never
holds the store's write lock while it hashes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kiosk.core.clock import Clock
from kiosk.core.context import CoreContext
from kiosk.core.facade import OverCore, forward
from kiosk.core.hashing import Hasher
from kiosk.core.identity import Identification
from kiosk.core.key_changes import KeyChanges
from kiosk.core.key_vetting import KeyVetting
from kiosk.core.login import KeyLogin
from kiosk.core.members import Contacts, SecurityDisplay
from kiosk.core.recovery_links import RecoveryLinks
from kiosk.core.recovery_questions import MAX_FAILED_SETS, SHOWN_KEY_LIFETIME, RecoveryQuestions
from kiosk.core.sealing import Sealer
from kiosk.core.security_setup import MAX_PHRASE_LENGTH, SecuritySetup, checked_security_choice
from kiosk.core.sent_codes import SentCodes
from kiosk.core.values import (
    LINK,
    LINK_WITH_KEY,
    LOGIN,
    TEMPORARY_KEY,
    Identity,
    Login,
    MemberSummary,
    PendingChange,
    Proof,
)

# Importable from here as they always were (screens, flow, tests).
__all__ = [
    "LINK", "LINK_WITH_KEY", "LOGIN", "MAX_FAILED_SETS", "MAX_PHRASE_LENGTH", "SHOWN_KEY_LIFETIME",
    "TEMPORARY_KEY", "Contacts", "Identity", "KioskService", "Login", "MemberSummary", "PendingChange", "Proof",
    "SecurityDisplay", "checked_security_choice",
]

T = TypeVar("T")


class KioskService(OverCore):
    def __init__(
        self,
        engine: Engine,
        hasher: Hasher,
        sealer: Sealer,
        clock: Clock,
        institution: str,
        institution_name: str,
        kiosk_id: str | None = None,
        relayed: Collection[tuple[str, str]] = (),
    ) -> None:
        self.core = CoreContext(engine, hasher, sealer, clock, institution, institution_name, kiosk_id, relayed)
        self.identification = Identification(self.core)
        self.sent_codes = SentCodes(self.core)
        self.recovery_links = RecoveryLinks(self.core, self.sent_codes)
        self.questions = RecoveryQuestions(self.core)
        self.key_login = KeyLogin(self.core)
        self.key_changes = KeyChanges(self.core)
        self.key_vetting = KeyVetting(self.core, self.key_changes.ahead)
        self.security_setup = SecuritySetup(self.core)

    # -- what the institution's kiosk is (kept in the shared context) ------

    # «No soy un robot»: challenges shown by this kiosk, and the tokens the core asks for.
    challenges = property(lambda self: self.core.challenges)

    # -- identifying: kiosk.core.identity -----------------------------------

    identify = forward(Identification.identify, "identification")
    contacts = forward(Identification.contacts, "identification")
    security_display = forward(Identification.security_display, "identification")
    messages_for = forward(Identification.messages_for, "identification")
    summary = forward(Identification.summary, "identification")

    # -- codes sent and typed back: kiosk.core.sent_codes ----------------------

    send_temporary_key = forward(SentCodes.send_temporary_key, "sent_codes")
    send_confirmation_code = forward(SentCodes.send_confirmation_code, "sent_codes")
    verify_code = forward(SentCodes.verify_code, "sent_codes")

    # -- e-mailed links: kiosk.core.recovery_links -----------------------------

    send_recovery_link = forward(RecoveryLinks.send_recovery_link, "recovery_links")
    open_link = forward(RecoveryLinks.open_link, "recovery_links")
    follow_link = forward(RecoveryLinks.follow_link, "recovery_links")

    # -- questions: kiosk.core.recovery_questions -----------------------------

    product_questions = forward(RecoveryQuestions.product_questions, "questions")
    answer_product_questions = forward(RecoveryQuestions.answer_product_questions, "questions")
    recovery_questions = forward(RecoveryQuestions.recovery_questions, "questions")
    answer_questions = forward(RecoveryQuestions.answer_questions, "questions")

    # -- keys: kiosk.core.login and kiosk.core.key_changes ----------------------

    login = forward(KeyLogin.login, "key_login")
    check_new_key = forward(KeyChanges.check_new_key, "key_changes")
    change_key = forward(KeyChanges.change_key, "key_changes")
    prepare_key_change = forward(KeyChanges.prepare_key_change, "key_changes")
    hold_new_key = forward(KeyChanges.hold_new_key, "key_changes")
    confirm_change = forward(KeyChanges.confirm_change, "key_changes")
    vet_ahead = forward(KeyVetting.vet_ahead, "key_vetting")

    # -- security image and consent: kiosk.core.security_setup -----------------

    set_security_image = forward(SecuritySetup.set_security_image, "security_setup")
    complete_setup = forward(SecuritySetup.complete_setup, "security_setup")
    grant_consent = forward(SecuritySetup.grant_consent, "security_setup")

    # -- plumbing some tests drive directly (kiosk.core.context) ---------------

    def _write(self, work: Callable[[Session, datetime], T], who: Identity | int | None = None) -> T:
        return self.core.write(work, who)

    def _read(self, work: Callable[[Session], T]) -> T:
        return self.core.read(work)

    def _audit(self, session: Session, now: datetime, action: str, member_id: int | None, detail: str = "",
               actor: str = "member") -> None:
        self.core.audit(session, now, action, member_id, detail, actor=actor)

    def _subject(self, identity: Identity) -> str:
        return self.questions.subject(identity)
