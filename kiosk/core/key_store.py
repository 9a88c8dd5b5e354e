"""A member's stored keys: read, replaced (the old hash kept for the reuse
check), audited and notified."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from kiosk.core import keyhistory
from kiosk.core.context import CoreContext
from kiosk.core.values import LOGIN
from kiosk.i18n import _
from kiosk.store.models import Member, MemberKey


def stored_key(session: Session, member_id: int, kind: str = LOGIN) -> MemberKey | None:
    statement = select(MemberKey).where(MemberKey.member_id == member_id, MemberKey.kind == kind)
    return session.exec(statement).first()


def temporary_keys(session: Session, member_id: int) -> list[MemberKey]:
    statement = select(MemberKey).where(
        MemberKey.member_id == member_id, col(MemberKey.temporary).is_(True)
    ).order_by(col(MemberKey.id))
    return list(session.exec(statement))


def store_key(
    core: CoreContext,
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
        stored = stored_key(session, member.id, kind)
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
        core.audit(session, now, "key_changed", member.id, detail, actor=actor)
    if not issued_at_office:
        notify_key_changed(core, session, now, member)


def notify_key_changed(core: CoreContext, session: Session, now: datetime, member: Member) -> None:
    core.notify(
        session,
        now,
        member,
        _(
            "{name}: su clave fue cambiada el {date} a las {time}. "
            "Si no fue usted, comuníquese de inmediato con la entidad."
        ),
        _("Clave cambiada"),
    )
