"""Which earlier keys a new key must not repeat, and how a retired key is kept.

Only the keys a member chose count towards "the last N keys": a temporary key
(sent, shown, chosen as temporary at Coasmedas) neither counts nor pushes a
chosen key out, so two recoveries never make an old key usable again.  A key
the institution issued (the first-access key, or one a teller sent) is never
accepted again, however long ago.  The list of hashes to check always has the
same length, padded with ``None`` (checked against the decoy hash), so the
bcrypt work tells nothing about the member's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from kiosk.core.errors import Refusal
from kiosk.i18n import _
from kiosk.store.models import KeyHistory, MemberKey

CHOSEN = "chosen"
TEMPORARY = "temporary"
ISSUED = "issued"

# Issued keys checked besides the current one: the first (the first-access key)
# and the most recent others.  A bound, so the bcrypt work stays fixed.
ISSUED_KEYS_CHECKED = 3


@dataclass(frozen=True)
class Avoided:
    """A hash a new key must not match (``None`` pads the list), and why."""

    hash: str | None
    origin: str


def origin_of(key: MemberKey) -> str:
    if key.issued:
        return ISSUED
    return TEMPORARY if key.temporary else CHOSEN


def retire(session: Session, key: MemberKey, now: datetime) -> None:
    """Keep the hash of a key being replaced, saying where it came from."""
    session.add(
        KeyHistory(member_id=key.member_id, kind=key.kind, hash=key.hash, retired_at=now, origin=origin_of(key))
    )


def checks(history: int) -> int:
    """How many hashes ``keys_to_avoid`` returns, whatever the member's history."""
    return max(history, 0) + 1 + ISSUED_KEYS_CHECKED


def keys_to_avoid(session: Session, member_id: int, kind: str, history: int) -> list[Avoided]:
    """The current key of ``kind``, the last ``history`` chosen keys of that kind
    (the current one among them when chosen), and the member's issued keys of
    any kind; padded to ``checks(history)``."""
    history = max(history, 0)
    current = session.exec(
        select(MemberKey).where(MemberKey.member_id == member_id, MemberKey.kind == kind)
    ).first()
    current_origin = origin_of(current) if current is not None else None
    chosen = [current.hash] if current_origin == CHOSEN and history > 0 else []
    if history > len(chosen):
        chosen += session.exec(
            select(KeyHistory.hash)
            .where(KeyHistory.member_id == member_id, KeyHistory.kind == kind, KeyHistory.origin == CHOSEN)
            .order_by(col(KeyHistory.id).desc())
            .limit(history - len(chosen))
        ).all()
    other_current = current.hash if current is not None and current_origin != CHOSEN else None
    issued = _issued_hashes(session, member_id)
    return (
        _padded([Avoided(h, CHOSEN) for h in chosen], history)
        + [Avoided(other_current, current_origin or CHOSEN)]
        + _padded([Avoided(h, ISSUED) for h in issued], ISSUED_KEYS_CHECKED)
    )


def _issued_hashes(session: Session, member_id: int) -> list[str]:
    """The first issued key and the latest others, at most ``ISSUED_KEYS_CHECKED``."""
    issued = select(KeyHistory.hash).where(KeyHistory.member_id == member_id, KeyHistory.origin == ISSUED)
    first = session.exec(issued.order_by(col(KeyHistory.id)).limit(1)).all()
    latest = session.exec(issued.order_by(col(KeyHistory.id).desc()).limit(ISSUED_KEYS_CHECKED)).all()
    hashes = list(first)
    hashes += [h for h in latest if h not in hashes]
    return hashes[:ISSUED_KEYS_CHECKED]


def _padded(found: list[Avoided], size: int) -> list[Avoided]:
    return found + [Avoided(None, CHOSEN)] * (size - len(found))


def refuse_repeat(avoided: list[Avoided], matches: list[bool]) -> None:
    """Raise the refusal for the earlier keys the new key matches, if any: an
    issued key first (it is never allowed), then a chosen one, then the temporary."""
    origins = {item.origin for item, matched in zip(avoided, matches) if matched}
    if ISSUED in origins:
        raise Refusal("issued", _("No puede usar como clave una clave que le asignó la entidad. Elija otra."))
    if CHOSEN in origins:
        raise Refusal("reused", _("No puede volver a usar una de sus últimas claves. Elija otra."))
    if TEMPORARY in origins:
        raise same_as_temporary()


def same_as_temporary() -> Refusal:
    return Refusal("same_as_temporary", _("La clave nueva debe ser distinta de su clave temporal. Elija otra."))
