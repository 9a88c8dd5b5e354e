"""A member's new key: checked against the policy and the key history
(bcrypt work outside any transaction, the same for a stranger), then saved at
once, held for a later step of the visit, or held until a code confirms it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from kiosk.core import codes, guesses, keyhistory
from kiosk.core.context import CoreContext
from kiosk.core.errors import Refusal
from kiosk.core.guess_budget import code_attempt, decoy_check, settle_guess
from kiosk.core.key_store import store_key
from kiosk.core.keypolicy import PersonalData, check_confirmation, check_key
from kiosk.core.recovery_links import dead_link_refusal
from kiosk.core.values import LINK, LOGIN, Identity, PendingChange, Proof
from kiosk.core.key_vetting import personal_data, stranger_slot, vetting_read
from kiosk.core.vetting_ahead import VettingAhead, results_of
from kiosk.i18n import _
from kiosk.store.db import lock_subject
from kiosk.store.models import OneTimeCode


class KeyChanges:
    """Changing a member's key: vetted, then saved or held."""

    def __init__(self, core: CoreContext, ahead: VettingAhead | None = None) -> None:
        self.core = core
        self.ahead = ahead or VettingAhead()  # shared with kiosk.core.key_vetting's vet_ahead

    def check_new_key(self, proof: Proof, key: str, length: int) -> None:
        """The fast policy checks, before the member is asked to confirm."""
        member = self.core.read(lambda s: self.core.member(s, proof.member_id))
        check_key(key, length, personal_data(member))

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
            member = self.core.member(session, proof.member_id)
            store_key(self.core, session, now, member, (kind,), new_hash)
            return Proof(member.id, "key")

        return self.core.write(apply, proof.member_id)

    def _check_link_secret(self, proof: Proof, secret: str) -> bool:
        """The temporary key e-mailed with the link (``send_recovery_link``),
        checked when the link carries one (True then): a wrong one counts a
        try on the link, and the third kills the link."""
        link = self.core.read(lambda s: s.get(OneTimeCode, proof.code_id))
        if link is not None and link.pending_secret_hash is None:
            return False  # a link sent without a temporary key
        live = link is not None and link.tries < codes.MAX_TRIES
        matches = self.core.hasher.verify(secret, link.pending_secret_hash if live else None)
        if not live:
            raise dead_link_refusal()
        if matches:
            return True

        def count(session: Session, now: datetime) -> None:
            current = session.get(OneTimeCode, proof.code_id)
            if current is None or current.used_at is not None:
                raise Refusal("link_used", _("Este enlace ya fue usado. Solicite uno nuevo con «¿Olvidó su contraseña?»."))
            current.tries += 1
            session.add(current)
            self.core.audit(session, now, "recovery_link_wrong_key", proof.member_id, f"intento {current.tries}")
            if current.tries >= codes.MAX_TRIES:
                raise dead_link_refusal()
            left = codes.MAX_TRIES - current.tries
            raise Refusal(
                "wrong_temporary_key",
                _("La contraseña temporal no es correcta. Intentos restantes: {left}.").format(left=left),
            )

        self.core.write(count, proof.member_id)

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
        earned (``self.core.challenges``), unused and minted for ``visit``: the
        change a code confirms is guarded by both (Coasmedas' procedure).
        With ``temporary_for`` the key is temporary and expires after that long.
        Nothing is written until the code confirms it.
        """
        self.core.challenges.redeem(captcha, visit)
        if isinstance(who, Identity):
            subject = self.core.send_subject(who)
        else:
            subject = self.core.member_document_subject(who.member_id)
        member_id = who.member_id
        if member_id is None:
            # The same checks and the same bcrypt work, run the same way, as for a member's key.
            check_key(key, length, PersonalData(who.document_number))
            check_confirmation(key, confirmation)
            hasher = self.core.hasher
            # Work started ahead (vet_ahead) is taken the same way as a member's.
            ahead = self.ahead.take(stranger_slot(self.core, who), kinds[0])
            work: list = []
            if current is not None:
                ahead_check = self.ahead.current_work_for(ahead, current, None)
                work.append(ahead_check or (lambda: hasher.verify(current, None)))
            avoided = (None,) * keyhistory.checks(history)
            key_work = self.ahead.key_work_for(ahead, key, differ_from, None, avoided)
            if key_work is None:
                checks = [lambda: hasher.verify(key, None)] * ((differ_from is not None) + len(avoided))
                key_work = [*checks, lambda: hasher.hash(key)]
            work += key_work
            if ahead is not None:
                ahead.cancel(keep=work)
            *_checked, new_hash = results_of(work)
            return PendingChange(None, kinds, new_hash, purpose, temporary_for, subject)
        new_hash = self._vet_new_key(
            member_id, kinds[0], key, confirmation, length, history, current, differ_from,
            signed_in=isinstance(who, Proof),
        )
        if earlier is not None:
            if earlier.member_id != member_id:
                raise ValueError("the earlier change is another member's")
            if differ_from in earlier.kinds and self.core.hasher.verify(key, earlier.hash):
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
        subject = self.core.member_document_subject(proof.member_id)
        return PendingChange(proof.member_id, kinds, new_hash, purpose="", subject=subject)

    def confirm_change(self, pending: PendingChange, code: str) -> Proof:
        """Apply a prepared key change once its code is right: code used up, keys
        set, audit row and notification, in one transaction."""
        if pending.member_id is None:
            self.core.hasher.verify(code, None)  # the member's code is checked as long

            def decoy(session: Session, now: datetime) -> None:
                lock_subject(session, pending.subject)
                settle_guess(self.core, 
                    session, now, pending.subject, None, lambda: decoy_check(self.core, session, now, pending)
                )

            self.core.write(decoy)
            raise codes.no_code()  # not reached: a decoy code is never right
        tried = code_attempt(self.core, pending.member_id, pending.purpose, code)

        def apply(session: Session, now: datetime) -> Proof:
            match = settle_guess(self.core, 
                session, now, pending.subject, pending.member_id,
                lambda: codes.check(session, now, pending.member_id, pending.purpose, tried),
            )
            codes.consume(session, now, match.code_id)
            guesses.reset(session, self.core.institution, pending.subject, now)
            member = self.core.member(session, pending.member_id)
            if pending.earlier is not None:
                earlier = pending.earlier
                store_key(self.core, session, now, member, earlier.kinds, earlier.hash)
            expires = now + pending.temporary_for if pending.temporary_for else None
            store_key(self.core, session, now, member, pending.kinds, pending.hash, expires_at=expires)
            return Proof(member.id, "key")

        return self.core.write(apply, pending.member_id)

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
        member, stored, other, avoided = vetting_read(self.core, member_id, kind, history, differ_from)
        hasher = self.core.hasher
        try:  # no bcrypt: which refusal comes first is decided below, as before
            check_key(key, length, personal_data(member) if signed_in else PersonalData(member.document_number))
            check_confirmation(key, confirmation)
            policy_refusal = None
        except Refusal as refusal:
            policy_refusal = refusal
        # Always the same number of bcrypt checks (missing hashes checked
        # against the decoy), so the time taken tells nothing about the
        # history; all at once (bcrypt releases the GIL), one a core.
        # Work started while the member typed (vet_ahead) stands in for the same
        # work on the same key against the same hashes, else it is done now.
        ahead = self.ahead.take(("member", member_id), kind)
        work: list = []
        if current is not None:
            against = stored.hash if stored else None
            ahead_check = self.ahead.current_work_for(ahead, current, against)
            work.append(ahead_check or (lambda: hasher.verify(current, against)))
        if policy_refusal is None:
            other_hash = other.hash if other else None
            key_work = self.ahead.key_work_for(ahead, key, differ_from, other_hash, tuple(a.hash for a in avoided))
            if key_work is None:
                key_work = [lambda: hasher.verify(key, other_hash)] if differ_from is not None else []
                key_work += [lambda hashed=earlier.hash: hasher.verify(key, hashed) for earlier in avoided]
                key_work.append(lambda: hasher.hash(key))
            work += key_work
        if ahead is not None:
            ahead.cancel(keep=work)
        results = results_of(work)
        if current is not None and not results.pop(0):
            raise Refusal("wrong_current", _("La clave actual no es correcta."))
        if policy_refusal is not None:
            raise policy_refusal
        new_hash = results.pop()
        same_as_other = results.pop(0) if differ_from is not None else False
        if same_as_other and signed_in:
            raise _same_as_other_refusal()
        if signed_in:
            keyhistory.refuse_repeat(avoided, results)
        return new_hash


def _same_as_other_refusal() -> Refusal:
    return Refusal(
        "same_as_other_key",
        _("La clave transaccional debe ser distinta de la clave de ingreso al portal."),
    )
