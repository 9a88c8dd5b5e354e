"""The SMS / e-mail outbox.  A message is the only place a code or a
temporary key is written: it is what the member's phone would show.  Bodies are
sealed at rest (kiosk.core.sealing) and opened only to be shown or sent.

Each message is written in the same transaction as the change it belongs to.
Where a relay delivers the institution's channel (``relayed``, read from the
delivery file, kiosk.relay.config) it is «queued» for the relay; elsewhere it
stays «simulated», the demo outbox, as it always was."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from kiosk.core.sealing import Sealer
from kiosk.store.models import Member, OutboxMessage

SMS = "sms"
EMAIL = "email"

# Delivery states (kiosk.relay.worker moves a message along them).
SIMULATED = "simulated"
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
DEAD = "dead"
SUPERSEDED = "reemplazado por un mensaje más nuevo: no se envió"


@dataclass(frozen=True)
class Delivered:
    """A message as its recipient reads it."""

    id: int
    member_id: int | None
    channel: str
    recipient: str
    subject: str
    body: str
    created_at: datetime


def recipient_for(member: Member, channel: str) -> str | None:
    return member.mobile if channel == SMS else member.email


def queue(
    session: Session,
    sealer: Sealer,
    at: datetime,
    member: Member,
    channel: str,
    body: str,
    subject: str = "",
    recipient: str | None = None,
    expires_at: datetime | None = None,
    relayed: Collection[tuple[str, str]] = (),
    topic: str | None = None,
) -> None:
    """Queue a message to ``member``, at their registered contact for ``channel``
    unless ``recipient`` names another (a contact being replaced).

    ``expires_at``: when the code, temporary key or link in it stops working (a
    relay never sends it later); None for a notice.  ``relayed``: the
    (institution, channel) pairs a relay delivers.  ``topic``: what this
    message replaces (a code retires the previous one of its purpose): the
    member's older messages on it that still wait for a relay are dropped."""
    recipient = recipient or recipient_for(member, channel)
    if not recipient:
        raise ValueError(f"member {member.id} has no {channel} contact")
    delivered = (member.institution, channel) in relayed
    if topic is not None:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.member_id) == member.id, col(OutboxMessage.topic) == topic,
                   col(OutboxMessage.state) == QUEUED)
            .values(state=DEAD, last_error=SUPERSEDED)
        )
    session.add(
        OutboxMessage(
            member_id=member.id,
            channel=channel,
            recipient=recipient,
            subject=subject,
            sealed_body=sealer.seal(body),
            created_at=at,
            institution=member.institution,
            state=QUEUED if delivered else SIMULATED,
            next_attempt_at=at if delivered else None,
            idempotency_key=secrets.token_hex(16),
            expires_at=expires_at,
            topic=topic,
        )
    )


def undelivered(session: Session, member_id: int, limit: int = 5) -> tuple[tuple[datetime, str, str], ...]:
    """The member's newest dead letters: when queued, channel and the relay's
    reason (never the body), for the teller's card."""
    statement = (
        select(OutboxMessage.created_at, OutboxMessage.channel, OutboxMessage.last_error)
        .where(OutboxMessage.member_id == member_id, OutboxMessage.state == DEAD)
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return tuple((at, channel, reason or "") for at, channel, reason in session.exec(statement))


def recent(
    session: Session, sealer: Sealer, member_id: int | None = None, limit: int = 20
) -> list[Delivered]:
    """The newest messages first, opened for reading."""
    statement = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    if member_id is not None:
        statement = statement.where(OutboxMessage.member_id == member_id)
    return [_opened(sealer, m) for m in session.exec(statement)]


def since(session: Session, sealer: Sealer, after_id: int) -> list[Delivered]:
    """The messages queued after message ``after_id``, in the order they were sent."""
    statement = select(OutboxMessage).where(OutboxMessage.id > after_id).order_by(col(OutboxMessage.id))
    return [_opened(sealer, m) for m in session.exec(statement)]


def _opened(sealer: Sealer, message: OutboxMessage) -> Delivered:
    return Delivered(
        id=message.id,
        member_id=message.member_id,
        channel=message.channel,
        recipient=message.recipient,
        subject=message.subject,
        body=sealer.open(message.sealed_body),
        created_at=message.created_at,
    )
