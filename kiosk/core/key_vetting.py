"""Vetting a new key ahead of the press (issue 20: no press over 1 s at
bcrypt cost 12): while the member types the rest, the bcrypt work the press
will make for a complete new key is started (kiosk.core.vetting_ahead keeps
it), and ``KeyChanges._vet_new_key`` takes it at the press when it was
started for the same key against the same hashes.  What both read, and how
an unknown document is named, live here too: one place for the two."""

from __future__ import annotations

from sqlmodel import Session

from kiosk.core import keyhistory
from kiosk.core.context import CoreContext
from kiosk.core.errors import Refusal
from kiosk.core.hashing import started
from kiosk.core.key_store import stored_key
from kiosk.core.keypolicy import PersonalData, check_key
from kiosk.core.members import find_member
from kiosk.core.values import LINK, Identity, Proof
from kiosk.core.vetting_ahead import Ahead, VettingAhead
from kiosk.store.models import Member


class KeyVetting:
    """Starting a new key's checks while the member is still typing."""

    def __init__(self, core: CoreContext, ahead: VettingAhead) -> None:
        self.core = core
        self.ahead = ahead  # shared with kiosk.core.key_changes, whose presses take it

    def vet_ahead(
        self,
        who: Identity | Proof,
        kind: str,
        key: str,
        length: int,
        history: int = 3,
        current: str | None = None,
        differ_from: str | None = None,
    ) -> None:
        """Start, without waiting, the bcrypt work a press will make for ``key``
        (``kiosk.core.vetting_ahead``), while the member types the rest; the
        arguments are the press's.  An ``Identity`` (a recovery form, as in
        ``prepare_key_change``) is looked up by its document alone, without
        counting it at the kiosk; an unknown document gets the same work
        against the decoy hash.  Nothing is told: a key the policy refuses
        starts nothing, and the press refuses it."""
        signed_in = isinstance(who, Proof)
        hasher = self.core.hasher
        if signed_in:
            member_id = who.member_id
            if who.via == LINK:
                current = None  # the link's temporary key, checked at the press itself
        else:
            member = self.core.read(
                lambda s: find_member(s, self.core.institution, who.document_type, who.document_number)
            )
            member_id = member.id if member is not None else None
        if member_id is None:
            try:
                check_key(key, length, PersonalData(who.document_number))
            except Refusal:
                return
            avoided = (None,) * keyhistory.checks(history)
            checks = [lambda: hasher.verify(key, None)] * ((differ_from is not None) + len(avoided))
            slot = stranger_slot(self.core, who)
            ahead = self.ahead.start_key_work(
                slot, kind, key, differ_from, None, avoided, [*checks, lambda: hasher.hash(key)]
            )
            self._current_ahead(ahead, current, None)
            self.ahead.remember(slot, kind, ahead)
            return
        member, stored, other, avoided = vetting_read(self.core, member_id, kind, history, differ_from)
        try:
            check_key(key, length, personal_data(member) if signed_in else PersonalData(member.document_number))
        except Refusal:
            return
        other_hash = other.hash if other else None
        checks = [lambda: hasher.verify(key, other_hash)] if differ_from is not None else []
        checks += [lambda hashed=earlier.hash: hasher.verify(key, hashed) for earlier in avoided]
        ahead = self.ahead.start_key_work(
            ("member", member_id), kind, key, differ_from, other_hash, tuple(a.hash for a in avoided),
            [*checks, lambda: hasher.hash(key)],
        )
        self._current_ahead(ahead, current, stored.hash if stored else None)
        self.ahead.remember(("member", member_id), kind, ahead)

    def _current_ahead(self, ahead: Ahead, current: str | None, against: str | None) -> None:
        """The current key's check started too, when the member has typed it."""
        if current is not None:
            ahead.current_print = self.ahead.fingerprint(current)
            ahead.current_against = against
            ahead.current_work = started(lambda: self.core.hasher.verify(current, against))


def vetting_read(core: CoreContext, member_id: int, kind: str, history: int, differ_from: str | None):
    """What a new key is vetted against: the member, their key of ``kind``,
    the ``differ_from`` key, and the padded history (one short read)."""

    def read(session: Session):
        return (
            core.member(session, member_id),
            stored_key(session, member_id, kind),
            stored_key(session, member_id, differ_from) if differ_from else None,
            keyhistory.keys_to_avoid(session, member_id, kind, history),
        )

    return core.read(read)


def stranger_slot(core: CoreContext, who: Identity) -> tuple[str, str]:
    """Where an unknown document's work is remembered: its keyed digest."""
    return ("subject", core.send_subject(who))


def personal_data(member: Member) -> PersonalData:
    return PersonalData(member.document_number, member.birth_date, member.mobile or "")
