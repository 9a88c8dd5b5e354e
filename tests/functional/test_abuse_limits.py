"""Abuse limits: nobody can flood a member's phone or mailbox from the kiosks
(a resend throttle per code and link, and at most ``limits.MAX_SENDS`` sends
per document an hour, counted in the store so they hold across kiosks), and
failed recoveries never lock a member's key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from kiosk.core import limits
from kiosk.core.errors import Refusal
from kiosk.core.service import KioskService
from kiosk.store.models import MemberKey, OutboxMessage
from tests.helpers import ORDINARY, UNKNOWN, VISIT, captcha_token, member

pytestmark = pytest.mark.both_stores

LIFETIME = timedelta(minutes=10)


def reason(call, *args, **kwargs) -> str:
    try:
        call(*args, **kwargs)
    except Refusal as refusal:
        return refusal.reason
    return "ok"


def lock_notices(engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.subject == "Bloqueo de seguridad")))


def messages(engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(OutboxMessage)).all())


@pytest.mark.parametrize("document", [ORDINARY, UNKNOWN])
def test_at_most_five_sends_an_hour_across_kiosks(service, engine, hasher, sealer, clock, document):
    other_kiosk = KioskService(engine, hasher, sealer, clock, service.institution, service.institution_name)
    identity = service.identify(document)
    before = messages(engine)
    got = []
    for turn in range(limits.MAX_SENDS + 2):
        kiosk = service if turn % 2 else other_kiosk
        got.append(reason(kiosk.send_temporary_key, identity, "sms", 6, LIFETIME))
        clock.advance(seconds=31)
    assert got == ["ok"] * limits.MAX_SENDS + ["send_limit"] * 2
    sent = messages(engine) - before
    # The member got the codes and one notice that sending was locked.
    assert sent == (limits.MAX_SENDS + 1 if document == ORDINARY else 0)
    assert len(lock_notices(engine)) == (1 if document == ORDINARY else 0)
    # Links have their own budget: codes spent do not shut the member out of a link.
    assert reason(service.send_recovery_link, identity, 6, timedelta(hours=24), "") == "ok"
    # An hour after the first send, one more is allowed.
    clock.advance(seconds=3601 - 31 * (limits.MAX_SENDS + 2))
    assert reason(service.send_temporary_key, identity, "sms", 6, LIFETIME) == "ok"


@pytest.mark.parametrize("document", [ORDINARY, UNKNOWN])
def test_links_are_throttled_like_codes(service, clock, document):
    identity = service.identify(document)
    send = lambda: reason(service.send_recovery_link, identity, 6, timedelta(hours=24), "")  # noqa: E731
    assert send() == "ok"
    assert send() == "resend_throttled"
    clock.advance(seconds=31)
    assert send() == "ok"


@pytest.mark.parametrize("document", ["1019283746", "1019283747"])
def test_links_and_codes_have_separate_budgets(service_for, engine, clock, document):
    """Banco Caja Social: link, code, the visit times out, link again... the
    links spent never cost the member the code that follows the last one."""
    bank = service_for("bancocajasocial")
    identity = bank.identify(document)
    send_link = lambda: reason(bank.send_recovery_link, identity, 8, timedelta(hours=24), "", False)  # noqa: E731
    send_code = lambda: reason(bank.send_confirmation_code, identity, "code", 6, LIFETIME, "email")  # noqa: E731
    got = []
    for _ in range(limits.MAX_SENDS):
        got += [send_link(), send_code()]
        clock.advance(seconds=31)
    assert got == ["ok"] * 2 * limits.MAX_SENDS
    assert [send_link(), send_code()] == ["send_limit", "send_limit"]
    notices = lock_notices(engine)
    assert len(notices) == (2 if document == "1019283746" else 0)  # one per lock: links, codes
    assert [send_link(), send_code()] == ["send_limit", "send_limit"]
    assert len(lock_notices(engine)) == len(notices)  # not once more per refused try


def test_a_key_blocked_by_failed_logins_is_told_once(service, engine):
    identity = service.identify(ORDINARY)
    got = [reason(service.login, identity, "000000") for _ in range(5)]
    assert got == ["wrong_key", "wrong_key", "blocked", "blocked", "blocked"]
    [notice] = lock_notices(engine)
    text = service.messages_for(member(engine, ORDINARY).id, limit=1)[0].body
    assert "bloqueamos su clave" in text and "Si no fue usted" in text
    stranger = service.identify(UNKNOWN)
    before = messages(engine)
    assert [reason(service.login, stranger, "000000") for _ in range(5)] == got
    assert messages(engine) == before


def test_the_limit_is_per_document(service, clock):
    for _ in range(limits.MAX_SENDS):
        service.send_temporary_key(service.identify(UNKNOWN), "sms", 6, LIFETIME)
        clock.advance(seconds=31)
    assert reason(service.send_temporary_key, service.identify(ORDINARY), "sms", 6, LIFETIME) == "ok"


def _key(engine, document: str) -> MemberKey:
    with Session(engine) as session:
        return session.exec(
            select(MemberKey).where(MemberKey.member_id == member(engine, document).id, MemberKey.kind == "login")
        ).one()


def test_failed_recoveries_never_lock_the_members_key(service_for, engine, clock):
    """Wrong codes, wrong links, wrong answers to both kinds of questions, and
    the send limit reached: the member's own key still logs in, untouched."""
    cooperen = service_for("cooperen")
    identity = cooperen.identify("12147")
    for _ in range(5):
        reason(cooperen.answer_questions, identity, "x@mail.com", {"birth": "1900-01-01"},
               captcha=captcha_token(cooperen), visit=VISIT)
    assert reason(cooperen.recovery_questions, identity) == "recovery_closed"

    bank = service_for("bancocajasocial")
    bank_identity = bank.identify("1019283746")
    proof = bank.login(bank_identity, "73915824").proof
    for _ in range(4):
        reason(bank.answer_product_questions, proof, {})
    for _ in range(limits.MAX_SENDS + 1):
        reason(bank.send_confirmation_code, bank_identity, "bcs_code", 6, LIFETIME, "email")
        for _ in range(4):
            reason(bank.verify_code, bank_identity, "bcs_code", "000000")
        clock.advance(seconds=31)
    for _ in range(4):
        reason(bank.follow_link, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "CC", "1019283746")

    for kiosk, document, key in ((cooperen, "12147", "49370"), (bank, "1019283746", "73915824")):
        stored = _key(engine, document)
        assert stored.failed_tries == 0 and not stored.blocked
        assert kiosk.login(kiosk.identify(document), key).status in {"ok", "setup_required"}
