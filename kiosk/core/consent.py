"""Consent to the data-treatment policy (Ley 1581 de 2012): explicit, prior,
informed, and proven by the policy version and the time it was given."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from kiosk.store.models import Consent


def grant(session: Session, at: datetime, member_id: int, policy_version: str) -> None:
    session.add(Consent(member_id=member_id, policy_version=policy_version, granted_at=at))


def has_consented(session: Session, member_id: int, policy_version: str) -> bool:
    statement = select(Consent.id).where(
        Consent.member_id == member_id, Consent.policy_version == policy_version
    )
    return session.exec(statement).first() is not None
