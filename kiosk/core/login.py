"""Signing in with a key, or with a temporary key sent by the outbox: every
wrong value counts towards blocking the key, and a document nobody holds is
answered, counted and "blocked" as a member's would be."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from kiosk.core import codes, consent, guesses, limits, links
from kiosk.core.context import CoreContext
from kiosk.core.errors import Refusal
from kiosk.core.guess_budget import decoy_wrong_try, settle_guess
from kiosk.core.key_store import stored_key, temporary_keys
from kiosk.core.members import security_image_of
from kiosk.core.notices import KEY_LOCK, lock_notices
from kiosk.core.recovery_links import link_waits
from kiosk.core.recovery_questions import failed_attempts
from kiosk.core.values import LINK, LINK_WITH_KEY, TEMPORARY_KEY, Identity, Login, Proof
from kiosk.i18n import _
from kiosk.store.models import RecoveryAttempt


class KeyLogin:
    """The login, for members and strangers alike."""

    def __init__(self, core: CoreContext) -> None:
        self.core = core

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
            self.core.hasher.verify(secret, None)
            decoy, decoy_link = self.core.read(
                lambda s: (
                    limits.latest_decoy(s, self.core.send_subject(identity), TEMPORARY_KEY),
                    limits.latest_decoy(s, self.core.send_subject(identity), LINK_WITH_KEY),
                )
            )
            if decoy is not None and decoy.tries < codes.MAX_TRIES:
                self.core.hasher.verify(secret, None)  # a member's pending temporary key is checked too
            if decoy_link is not None and self.core.clock.now() - decoy_link.issued_at < links.LIFETIME:
                self.core.hasher.verify(secret, None)  # and the temporary key waiting on a link
            self.core.write(lambda s, now: self._decoy_login(s, now, identity, max_failed_tries, wrong), identity)
            raise wrong  # not reached: _decoy_login always refuses
        member_id = identity.member_id
        guess_subject = self.core.send_subject(identity)
        key, pending, link, unsent_link = self.core.read(
            lambda s: (
                stored_key(s, member_id),
                codes.latest(s, member_id, TEMPORARY_KEY),
                codes.latest(s, member_id, LINK),
                # A link asked for but not sent (no e-mail on file): checked as a stranger's is.
                limits.latest_decoy(s, guess_subject, LINK_WITH_KEY),
            )
        )
        usable = key is not None and not key.blocked
        key_matches = self.core.hasher.verify(secret, key.hash if usable else None)
        # A temporary key is tried when the key is not the one typed.
        tried = codes.attempt(self.core.hasher, pending, secret) if not key_matches and codes.usable(pending) else None
        if not key_matches:
            now = self.core.clock.now()
            if link_waits(link, now):
                if self.core.hasher.verify(secret, link.pending_secret_hash):
                    # The temporary key e-mailed with a link works only with the link: the
                    # login changes nothing (no try counted, no block lifted) and sends there.
                    return Login("change_required", Proof(member_id, "pending_link"))
            elif unsent_link is not None and now - unsent_link.issued_at < links.LIFETIME:
                self.core.hasher.verify(secret, None)

        def settle(session: Session, now: datetime) -> Login:
            stored = stored_key(session, member_id)
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
                self.core.audit(session, now, "login", member_id)
                proof = Proof(member_id, "key")
                if stored.temporary:
                    return Login("office_change_required" if stored.issued_at_office else "change_required", proof)
                still_temporary = temporary_keys(session, member_id)
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
                        code_refusal = guesses.refusal(lock, self.core.institution_name)
                    else:
                        try:
                            match = settle_guess(self.core, 
                                session, now, guess_subject, member_id,
                                lambda: codes.check(session, now, member_id, TEMPORARY_KEY, tried),
                            )
                        except Refusal as refusal:
                            code_refusal = refusal  # counted on the code, and on the key below
                        else:
                            guesses.reset(session, self.core.institution, guess_subject, now)
                            self.core.audit(session, now, "temporary_key_accepted", member_id)
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
                self.core.audit(session, now, "login_failed", member_id, f"intento {stored.failed_tries}")
                if stored.blocked:
                    self.core.audit(session, now, "key_blocked", member_id)
                    self.core.notify(session, now, self.core.member(session, member_id), lock_notices()[KEY_LOCK],
                                 _("Bloqueo de seguridad"))
            if code_refusal:
                raise code_refusal
            if stored.blocked:
                raise Refusal("blocked", blocked_message())
            raise wrong

        return self.core.write(settle, member_id)

    def _decoy_login(
        self, session: Session, now: datetime, identity: Identity, max_failed_tries: int, wrong: Refusal
    ) -> None:
        """A login for an unknown document, answered as a member's would be:
        a decoy temporary key "sent" to it takes and counts tries like a real
        one, and wrong keys "block" it after as many tries."""
        code_refusal: Refusal | None = None
        guess_subject = self.core.send_subject(identity)
        decoy = limits.latest_decoy(session, guess_subject, TEMPORARY_KEY)
        lock = guesses.locked(session, guess_subject, now)
        if decoy is not None and decoy.tries < codes.MAX_TRIES and decoy.issued_at <= now < decoy.expires_at:
            if lock is not None:
                code_refusal = guesses.refusal(lock, self.core.institution_name)
            else:
                try:
                    settle_guess(self.core, 
                        session, now, guess_subject, None, lambda: decoy_wrong_try(self.core, session, now, decoy)
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
        subject = self.core.hasher.fingerprint(f"login:{self.core.institution}:{identity.document_number}").hex()
        failed = failed_attempts(session, subject, datetime.min.replace(tzinfo=now.tzinfo))
        if failed < max_failed_tries:
            session.add(RecoveryAttempt(institution=self.core.institution, subject=subject, failed_at=now))
            failed += 1
        if code_refusal:
            raise code_refusal
        if failed >= max_failed_tries:
            raise Refusal("blocked", blocked_message())
        raise wrong

    def _setup_missing(
        self, session: Session, member_id: int, require_image: bool, consent_version: str | None
    ) -> bool:
        if require_image and security_image_of(session, member_id) is None:
            return True
        return bool(consent_version) and not consent.has_consented(session, member_id, consent_version)


def blocked_message() -> str:
    return _("Su clave está bloqueada por intentos fallidos. Recupere su clave para asignar una nueva.")
