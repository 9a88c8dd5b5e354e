"""What ``kiosk relay --status`` shows: per channel, the messages of a recent
window by delivery state, how many needed more than one try, the delivery
latency (created → sent) p50/p95, and the last dead letters' reasons."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from kiosk.core.outbox import DEAD, QUEUED, SENDING, SENT, SIMULATED
from kiosk.store.models import OutboxMessage

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ChannelStatus:
    channel: str
    queued: int  # waiting, or being sent now
    sent: int
    retried: int  # needed (or waits for) another try after a temporary failure
    dead: int
    simulated: int
    p50_seconds: float | None
    p95_seconds: float | None


@dataclass(frozen=True)
class DeadLetter:
    id: int
    created_at: datetime
    institution: str
    channel: str
    reason: str


@dataclass(frozen=True)
class RelayStatus:
    since: datetime
    channels: list[ChannelStatus]
    dead_letters: list[DeadLetter]


def relay_status(session: Session, now: datetime, window: timedelta = WINDOW, dead_shown: int = 5) -> RelayStatus:
    since = now - window
    recent = col(OutboxMessage.created_at) >= since
    waits_again = (col(OutboxMessage.state) == QUEUED) & (col(OutboxMessage.attempts) >= 1)
    retried = or_(col(OutboxMessage.attempts) > 1, waits_again)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    rows = session.exec(
        select(
            OutboxMessage.channel,
            count(col(OutboxMessage.state).in_((QUEUED, SENDING))),
            count(col(OutboxMessage.state) == SENT),
            count(retried),
            count(col(OutboxMessage.state) == DEAD),
            count(col(OutboxMessage.state) == SIMULATED),
        )
        .where(recent)
        .group_by(OutboxMessage.channel)
        .order_by(OutboxMessage.channel)
    ).all()
    channels = []
    for channel, queued, sent, retried_count, dead, simulated in rows:
        latencies = sorted(
            (sent_at - created_at).total_seconds()
            for created_at, sent_at in session.exec(
                select(OutboxMessage.created_at, OutboxMessage.sent_at).where(
                    recent, col(OutboxMessage.channel) == channel, col(OutboxMessage.state) == SENT
                )
            )
        )
        channels.append(
            ChannelStatus(
                channel, int(queued or 0), int(sent or 0), int(retried_count or 0), int(dead or 0),
                int(simulated or 0), percentile(latencies, 50), percentile(latencies, 95),
            )
        )
    dead_letters = [
        DeadLetter(m.id, m.created_at, m.institution, m.channel, m.last_error or "")
        for m in session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.state) == DEAD)
            .order_by(col(OutboxMessage.id).desc())
            .limit(dead_shown)
        )
    ]
    return RelayStatus(since, channels, dead_letters)


def percentile(sorted_values: list[float], rank: float) -> float | None:
    """The nearest-rank percentile of values already sorted; None for none."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(rank / 100 * len(sorted_values)) - 1)]
