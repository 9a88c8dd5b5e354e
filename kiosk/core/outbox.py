"""The simulated SMS / e-mail outbox.  A message is the only place a code or a
temporary key is written in clear: it is what the member's phone would show."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from kiosk.store.models import Member, OutboxMessage

SMS = "sms"
EMAIL = "email"


def recipient_for(member: Member, channel: str) -> str | None:
    return member.mobile if channel == SMS else member.email


def queue(
    session: Session, at: datetime, member: Member, channel: str, body: str, subject: str = ""
) -> OutboxMessage:
    recipient = recipient_for(member, channel)
    if not recipient:
        raise ValueError(f"member {member.id} has no {channel} contact")
    message = OutboxMessage(
        member_id=member.id, channel=channel, recipient=recipient, subject=subject, body=body, created_at=at
    )
    session.add(message)
    return message


def recent(session: Session, member_id: int | None = None, limit: int = 20) -> list[OutboxMessage]:
    statement = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    if member_id is not None:
        statement = statement.where(OutboxMessage.member_id == member_id)
    return list(session.exec(statement))
