"""The store side of the relay: claiming due messages, and marking what
became of each, only while the claim is still the relay's own.

A claim is a batch token written into ``claimed_by`` with a lease
(``claim_expires_at``).  Claiming takes the write lock on SQLite (the store's
``BEGIN IMMEDIATE``) and locks the rows it takes with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so relays on any number of machines never take the
same message at once; a relay that dies loses its claim when the lease lapses,
and the message is claimed again (with the same idempotency key).  Every mark
names the claim: a relay whose lease lapsed and whose message another relay
took changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, Update, and_, bindparam, event, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from kiosk.core.outbox import DEAD, QUEUED, SENDING, SENT
from kiosk.store import transaction
from kiosk.store.db import WRITE
from kiosk.store.models import OutboxMessage

EXPIRED = "vencido: el código o enlace ya no servía, no se envió tarde"
REASON_LENGTH = 200


def commits_without_waiting_for_the_disk(engine: Engine) -> Engine:
    """The relay's own connections commit without waiting for the disk
    (SQLite: ``synchronous=NORMAL`` in WAL mode; PostgreSQL:
    ``synchronous_commit = off``): a mark is a commit, one a message, and
    waiting for the disk on each halves what one relay sends.  A power cut
    may lose the last marks (never the store): those messages are sent
    again, with the same idempotency key, which the gateway and the mail
    headers carry.  Only the relay's engine: the kiosks' own changes wait."""

    @event.listens_for(engine, "connect")
    def _relaxed(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous=NORMAL")
        else:
            cursor.execute("SET synchronous_commit = off")
            dbapi_connection.commit()  # a session setting, kept past this transaction
        cursor.close()

    engine.dispose()  # connections opened before (migrations) are made again with it
    return engine


@dataclass(frozen=True)
class Claimed:
    """A message a relay holds: what it needs to send it, body still sealed."""

    id: int
    idempotency_key: str
    institution: str
    channel: str
    recipient: str
    subject: str
    sealed_body: str
    expires_at: datetime | None
    attempts: int


def claim(
    engine: Engine,
    token: str,
    now: datetime,
    routes: Collection[tuple[str, str]],
    batch: int,
    lease: timedelta,
    max_attempts: int,
) -> list[Claimed]:
    """Up to ``batch`` due messages of ``routes``, claimed for ``token`` until
    ``now + lease``.  Those found already expired, or whose lapsed claims used
    up the attempts, are marked dead instead (and not returned)."""
    if not routes:
        return []
    ours = or_(*(and_(col(OutboxMessage.institution) == i, col(OutboxMessage.channel) == c) for i, c in routes))
    with transaction(engine) as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        lapsed = select(OutboxMessage).where(
            col(OutboxMessage.state) == SENDING, col(OutboxMessage.claim_expires_at) <= now, ours
        ).limit(batch)
        found = list(session.exec(lapsed.with_for_update(skip_locked=True) if postgres else lapsed))
        if len(found) < batch:
            due = (
                select(OutboxMessage)
                .where(col(OutboxMessage.state) == QUEUED, col(OutboxMessage.next_attempt_at) <= now, ours)
                .order_by(col(OutboxMessage.next_attempt_at))
                .limit(batch - len(found))
            )
            found += list(session.exec(due.with_for_update(skip_locked=True) if postgres else due))
        claimed = []
        for message in found:
            if message.expires_at is not None and message.expires_at <= now:
                _dead(message, EXPIRED)
            elif message.attempts >= max_attempts:  # a claim lapsed on its last attempt
                _dead(message, f"{message.attempts} intentos sin confirmar el envío")
            else:
                message.state = SENDING
                message.claimed_by = token
                message.claim_expires_at = now + lease
                message.attempts += 1
                claimed.append(_claimed(message))
            session.add(message)
        return claimed


def mark_sent(engine: Engine, message: Claimed, token: str, now: datetime) -> bool:
    return _mark(engine, message, token, state=SENT, sent_at=now, last_error=None)


def mark_dead(engine: Engine, message: Claimed, token: str, reason: str) -> bool:
    return _mark(engine, message, token, state=DEAD, last_error=reason[:REASON_LENGTH])


def mark_retry(engine: Engine, message: Claimed, token: str, at: datetime, reason: str) -> bool:
    return _mark(engine, message, token, state=QUEUED, next_attempt_at=at, last_error=reason[:REASON_LENGTH])


def release(engine: Engine, messages: Collection[Claimed], token: str) -> None:
    """Give back claimed messages not tried (the relay is stopping): due at
    once for another relay, the attempt not counted."""
    if not messages:
        return
    with transaction(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_([m.id for m in messages]), *_still_ours(token))
            .values(state=QUEUED, claimed_by=None, claim_expires_at=None, attempts=OutboxMessage.attempts - 1)
        )


def _mark(engine: Engine, message: Claimed, token: str, **values: object) -> bool:
    """True when the claim was still ours and the message now says so."""
    # One mark a message: a statement built once and a plain connection, as
    # building it and an ORM session around it cost more than the update.
    parameters = {"message_id": message.id, "claim": token, **{f"new_{name}": v for name, v in values.items()}}
    with engine.connect() as connection:
        connection.execution_options(**{WRITE: True})
        with connection.begin():
            result = connection.execute(_mark_statement(frozenset(values)), parameters)
        return result.rowcount == 1


@functools.cache
def _mark_statement(columns: frozenset[str]) -> Update:
    return (
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == bindparam("message_id"), *_still_ours(bindparam("claim")))
        .values(claimed_by=None, claim_expires_at=None, **{name: bindparam(f"new_{name}") for name in columns})
    )


def _still_ours(token: str | BindParameter) -> tuple:
    return col(OutboxMessage.state) == SENDING, col(OutboxMessage.claimed_by) == token


def _dead(message: OutboxMessage, reason: str) -> None:
    message.state = DEAD
    message.last_error = reason[:REASON_LENGTH]
    message.claimed_by = None
    message.claim_expires_at = None


def _claimed(message: OutboxMessage) -> Claimed:
    return Claimed(
        id=message.id, idempotency_key=message.idempotency_key, institution=message.institution,
        channel=message.channel, recipient=message.recipient, subject=message.subject,
        sealed_body=message.sealed_body, expires_at=message.expires_at, attempts=message.attempts,
    )
