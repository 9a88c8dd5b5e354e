"""The audit trail's keyed hash chain (kiosk.core.audit writes it) and its check.

A row's chain value is HMAC-SHA256(key, previous chain value + the row's
fields, seq included); the first row's previous value is empty.  Without the
key (derived from the pepper, never in the database) nobody can write a chain
value that checks, so an edited, inserted or moved row breaks the chain at its
place, a deleted one leaves a gap in ``seq``, and deleting the last rows
leaves the head (last seq and chain value, under an HMAC of its own) pointing
past them.  Rolling back the whole trail and its head to an earlier copy is
the one change the store alone cannot show: ``verify`` prints the head's
fingerprint, for whoever wants to note it elsewhere and compare.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, func, select

from kiosk.store.models import AuditChainHead, AuditEvent

BATCH = 1000


def link(key: bytes, previous: str | None, row: AuditEvent) -> str:
    fields = [previous or "", row.seq, _moment(row.at), row.institution, row.member_id, row.actor, row.action, row.detail]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, b"audit-row\x00" + text.encode("utf-8"), hashlib.sha256).hexdigest()


def seal(key: bytes, seq: int, chain: str | None) -> str:
    return hmac.new(key, f"audit-head\x00{seq}\x00{chain or ''}".encode("ascii"), hashlib.sha256).hexdigest()


def _moment(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str


def verify(session: Session, key: bytes) -> Verdict:
    """The first break in the chain, or how much of the trail it covers."""
    head = session.get(AuditChainHead, 1)
    legacy_last_id = head.legacy_last_id if head is not None else 0
    outside = session.exec(
        select(AuditEvent.id).where(col(AuditEvent.seq).is_(None), AuditEvent.id > legacy_last_id)
        .order_by(AuditEvent.id).limit(1)
    ).first()
    if outside is not None:
        return Verdict(False, f"row id {outside} has no place in the chain: inserted outside the kiosk")
    older = session.exec(select(func.count()).select_from(AuditEvent).where(col(AuditEvent.seq).is_(None))).one()

    expected, previous = 1, None
    last_id = legacy_last_id
    statement = select(AuditEvent).where(col(AuditEvent.seq).is_not(None)).order_by(AuditEvent.seq)
    for row in session.exec(statement.execution_options(yield_per=BATCH)):
        where = f"seq {row.seq} (id {row.id})"
        if row.seq != expected:
            return Verdict(False, f"row seq {expected} is missing (deleted): the chain jumps to {where}")
        if not hmac.compare_digest(row.chain or "", link(key, previous, row)):
            return Verdict(False, f"row {where} does not match its chain value: edited, inserted or moved")
        if row.id <= last_id:
            return Verdict(False, f"row {where} comes before an earlier row's id {last_id}: moved")
        expected, previous, last_id = expected + 1, row.chain, row.id
    count = expected - 1

    if head is None:
        if count:
            return Verdict(False, f"the chain head is missing ({count} chained rows)")
        return Verdict(True, f"audit trail OK: no chained rows yet; {older} older rows not covered")
    if head.seq > count:
        return Verdict(False, f"rows seq {count + 1} to {head.seq} are missing (deleted): the head is at seq {head.seq}")
    if head.seq < count:
        return Verdict(False, f"rows after seq {head.seq} were added outside the kiosk: the head is at seq {head.seq}")
    if head.chain != previous or not hmac.compare_digest(head.seal or "", seal(key, head.seq, head.chain)):
        if head.seq == 0 and head.seal is None and head.chain is None:  # untouched since the upgrade
            pass
        else:
            return Verdict(False, f"the chain head (seq {head.seq}) does not match: edited")
    covered = f"{count} rows chained (seq 1 to {count})" if count else "no chained rows yet"
    fingerprint = (head.seal or "-")[:16]
    return Verdict(True, f"audit trail OK: {covered}; {older} older rows not covered; head {fingerprint}")
