"""Audit trail: who did what to which member, never with a secret in it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from kiosk.store.models import AuditEvent


def record(
    session: Session,
    at: datetime,
    institution: str,
    action: str,
    member_id: int | None = None,
    actor: str = "member",
    detail: str = "",
) -> None:
    session.add(
        AuditEvent(
            at=at, institution=institution, member_id=member_id, actor=actor, action=action, detail=detail
        )
    )


def trail(session: Session, member_id: int, limit: int = 50) -> list[AuditEvent]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.member_id == member_id)
        .order_by(col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))
