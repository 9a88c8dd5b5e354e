"""KioskService, the core the screens call: identifying, decoys for unknown
documents, login and blocking, recovery by temporary key, key changes and the
security image, all against a real store seeded with the demo members."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from kiosk.core.errors import Refusal
from kiosk.core.service import KioskService, Proof
from kiosk.store.models import AuditEvent, KeyHistory, Member, MemberKey, OneTimeCode, OutboxMessage, SecurityImage
from tests.helpers import (
    BLOCKED,
    FIRST_ACCESS,
    NO_EMAIL,
    ORDINARY,
    UNKNOWN,
    clear_occurrences,
    code_in,
    latest_message,
    member,
)

pytestmark = pytest.mark.both_stores

ORDINARY_KEY = "582017"
FIRST_ACCESS_KEY = "640825"
BLOCKED_KEY = "915372"
NEW_KEY = "749261"
OTHER_KEY = "836402"
LENGTH = 6
LIFETIME = timedelta(minutes=10)

MASKED_MOBILE = re.compile(r"3\d{2} \d{2}\*{4}")
MASKED_EMAIL = re.compile(r"[a-z0-9.]{0,5}\*{4}@[a-z0-9.-]+\.[a-z]+")


# -- helpers ---------------------------------------------------------------------


def key_row(engine, document: str) -> MemberKey:
    member_id = member(engine, document).id
    with Session(engine) as session:
        return session.exec(select(MemberKey).where(MemberKey.member_id == member_id)).one()


def outbox(engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def code_rows(engine) -> list[OneTimeCode]:
    with Session(engine) as session:
        return list(session.exec(select(OneTimeCode).order_by(col(OneTimeCode.id))))


def actions(engine, document: str) -> list[str]:
    member_id = member(engine, document).id
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.member_id == member_id).order_by(col(AuditEvent.id))
        )
        return [event.action for event in events]


def refused(call, *args, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as caught:
        call(*args, **kwargs)
    assert caught.value.message
    return caught.value


def send_code(service, engine, document: str, channel: str = "sms") -> str:
    identity = service.identify(document)
    service.send_temporary_key(identity, channel, 6, LIFETIME)
    return code_in(latest_message(service, document))


def wrong(code: str) -> str:
    return str((int(code) + 1) % 10 ** len(code)).zfill(len(code))


def login_ok(service, document: str, key: str):
    return service.login(service.identify(document), key, consent_version="2024-01", require_security_image=True)


# -- identify ----------------------------------------------------------------------


def test_identify_known_member(service, engine):
    identity = service.identify(ORDINARY)
    assert identity.member_id == member(engine, ORDINARY).id
    assert (identity.document_type, identity.document_number) == ("CC", ORDINARY)


def test_identify_trims_surrounding_blanks(service, engine):
    assert service.identify(f"  {ORDINARY}  ").member_id == member(engine, ORDINARY).id


@pytest.mark.parametrize(
    ("typed", "reason", "words"),
    [
        ("", "document_empty", "Escriba su número de documento"),
        ("   ", "document_empty", "Escriba su número de documento"),
        ("1010 123456", "document_format", "sin espacios, puntos, comas o guiones"),
        ("1.010.123.456", "document_format", "sin espacios, puntos, comas o guiones"),
        ("1,010,123,456", "document_format", "sin espacios, puntos, comas o guiones"),
        ("1010-123456", "document_format", "sin espacios, puntos, comas o guiones"),
        ("CC1010123456", "document_format", "solo puede tener números"),
        ("abc", "document_format", "solo puede tener números"),
        ("１０１０１２３４５６", "document_format", "solo puede tener números"),
        ("12", "document_length", "longitud válida"),
        ("1" * 16, "document_length", "longitud válida"),
    ],
)
def test_identify_validates_the_document(service, typed, reason, words):
    refusal = refused(service.identify, typed)
    assert refusal.reason == reason
    assert words in refusal.message


def test_identify_unknown_document(service):
    identity = service.identify(UNKNOWN)
    assert identity.member_id is None
    assert identity.document_number == UNKNOWN


def test_identify_is_per_institution(engine, hasher, sealer, clock, service):
    elsewhere = KioskService(engine, hasher, sealer, clock, "coasmedas", "Coasmedas")
    assert elsewhere.identify(ORDINARY).member_id is None


# -- contacts and decoys ---------------------------------------------------------------


def test_real_member_contacts_masked(service):
    contacts = service.contacts(service.identify(ORDINARY))
    assert (contacts.mobile, contacts.email) == ("311 12****", "mynam****@mail.com")


def test_member_without_email_has_none(service):
    contacts = service.contacts(service.identify(NO_EMAIL))
    assert contacts.email is None and MASKED_MOBILE.fullmatch(contacts.mobile)


def test_unknown_document_gets_stable_decoy_contacts(service, engine, hasher, sealer, clock):
    first = service.contacts(service.identify(UNKNOWN))
    second = service.contacts(service.identify(UNKNOWN))
    assert first == second
    # Stable across kiosks sharing the pepper, too.
    other_kiosk = KioskService(engine, hasher, sealer, clock, "progressa", "Progressa")
    assert other_kiosk.contacts(other_kiosk.identify(UNKNOWN)) == first


def test_decoy_contacts_look_like_real_ones(service):
    real = service.contacts(service.identify(ORDINARY))
    assert MASKED_MOBILE.fullmatch(real.mobile) and MASKED_EMAIL.fullmatch(real.email)
    decoys = [service.contacts(service.identify(str(3_000_000_000 + n))) for n in range(40)]
    for decoy in decoys:
        assert decoy.mobile is None or MASKED_MOBILE.fullmatch(decoy.mobile), decoy
        assert decoy.email is None or MASKED_EMAIL.fullmatch(decoy.email), decoy
    # They differ between documents, and most have both contacts, as real members do.
    assert len({d.mobile for d in decoys}) > 30
    assert sum(d.email is not None for d in decoys) > 20
    assert sum(d.mobile is not None for d in decoys) > 30


def test_unknown_document_gets_stable_decoy_security_image(service):
    first = service.security_display(service.identify(UNKNOWN))
    assert first == service.security_display(service.identify(UNKNOWN))
    assert first.image and first.phrase


def test_real_member_security_image(service):
    shown = service.security_display(service.identify(ORDINARY))
    assert (shown.image, shown.phrase) == ("flor", "La peor experiencia es la mejor maestra")


def test_unknown_document_is_sent_nothing(service, engine, clock):
    before = len(outbox(engine))
    service.send_temporary_key(service.identify(UNKNOWN), "sms", 6, LIFETIME)
    clock.advance(seconds=31)  # resending is throttled for everybody alike
    service.send_temporary_key(service.identify(UNKNOWN), "email", 6, LIFETIME)
    assert len(outbox(engine)) == before
    assert code_rows(engine) == []


def test_unknown_document_login_refused_like_a_wrong_key(service):
    unknown = refused(service.login, service.identify(UNKNOWN), ORDINARY_KEY)
    known = refused(service.login, service.identify(ORDINARY), "749261")
    assert unknown.reason == known.reason == "wrong_key"
    assert unknown.message == known.message


# -- login ----------------------------------------------------------------------------


def test_right_key_logs_in(service, engine):
    result = login_ok(service, ORDINARY, ORDINARY_KEY)
    assert result.status == "ok"
    assert result.proof == Proof(member(engine, ORDINARY).id, "key")
    assert "login" in actions(engine, ORDINARY)


def test_first_access_must_change_the_key(service):
    result = service.login(service.identify(FIRST_ACCESS), FIRST_ACCESS_KEY)
    assert result.status == "change_required"
    assert result.proof.via == "key"


def test_setup_required_without_image_or_consent(service):
    identity = service.identify(NO_EMAIL)
    assert service.login(identity, "308461", consent_version="2099-01").status == "setup_required"
    assert service.login(identity, "308461", consent_version="2024-01").status == "ok"


def test_three_wrong_keys_block_the_key(service, engine):
    identity = service.identify(ORDINARY)
    assert refused(service.login, identity, NEW_KEY).reason == "wrong_key"
    assert key_row(engine, ORDINARY).failed_tries == 1
    assert refused(service.login, identity, NEW_KEY).reason == "wrong_key"
    third = refused(service.login, identity, NEW_KEY)
    assert third.reason == "blocked"
    assert "bloqueada" in third.message
    row = key_row(engine, ORDINARY)
    assert row.blocked and row.failed_tries == 3
    # Even the right key is refused now.
    assert refused(service.login, identity, ORDINARY_KEY).reason == "blocked"
    assert "key_blocked" in actions(engine, ORDINARY)


def test_right_key_resets_the_failed_tries(service, engine):
    identity = service.identify(ORDINARY)
    refused(service.login, identity, NEW_KEY)
    refused(service.login, identity, NEW_KEY)
    assert login_ok(service, ORDINARY, ORDINARY_KEY).status == "ok"
    assert key_row(engine, ORDINARY).failed_tries == 0
    assert refused(service.login, identity, NEW_KEY).reason == "wrong_key"


def test_blocked_demo_member_refused_even_with_the_right_key(service):
    assert refused(service.login, service.identify(BLOCKED), BLOCKED_KEY).reason == "blocked"


# -- recovery by temporary key ------------------------------------------------------------


def test_temporary_key_sent_by_sms(service, engine):
    code = send_code(service, engine, ORDINARY)
    message = latest_message(service, ORDINARY)
    assert (message.channel, message.recipient, message.subject) == ("sms", "3111234567", "Clave temporal")
    assert len(code) == 6
    (row,) = code_rows(engine)
    assert code not in row.hash
    assert "code_sent" in actions(engine, ORDINARY)


def test_temporary_key_sent_by_email(service, engine):
    send_code(service, engine, ORDINARY, channel="email")
    assert latest_message(service, ORDINARY).recipient == "mynameis@mail.com"


def test_no_contact_on_that_channel_answered_as_anyone_and_nothing_sent(service, engine):
    """Refusing would tell a stranger the document is a member's: the code is
    issued (nobody knows it), counted, and nothing is sent."""
    before = len(outbox(engine))
    service.send_temporary_key(service.identify(NO_EMAIL), "email", 6, LIFETIME)
    assert len(outbox(engine)) == before and len(code_rows(engine)) == 1
    refusal = refused(service.send_temporary_key, service.identify(NO_EMAIL), "email", 6, LIFETIME)
    assert refusal.reason == "resend_throttled"


def test_resend_throttled_through_the_service(service, engine, clock):
    send_code(service, engine, ORDINARY)
    clock.advance(seconds=10)
    refusal = refused(service.send_temporary_key, service.identify(ORDINARY), "sms", 6, LIFETIME)
    assert refusal.reason == "resend_throttled"
    assert len(outbox(engine)) == 1
    clock.advance(seconds=20)
    send_code(service, engine, ORDINARY)
    assert len(outbox(engine)) == 2


def test_temporary_key_logs_in_and_requires_a_change(service, engine):
    code = send_code(service, engine, ORDINARY)
    result = service.login(service.identify(ORDINARY), code)
    assert result.status == "change_required"
    assert result.proof.via == "code"
    assert result.proof.code_id == code_rows(engine)[0].id
    assert "temporary_key_accepted" in actions(engine, ORDINARY)


def test_blocked_member_recovers(service, engine):
    identity = service.identify(BLOCKED)
    code = send_code(service, engine, BLOCKED)
    result = service.login(identity, code)
    assert result.status == "change_required"

    service.change_key(result.proof, NEW_KEY, NEW_KEY, LENGTH)
    row = key_row(engine, BLOCKED)
    assert not row.blocked and row.failed_tries == 0 and not row.temporary
    assert service.login(identity, NEW_KEY, consent_version="2024-01", require_security_image=True).status == "ok"
    # The old, blocked key is gone.
    assert refused(service.login, identity, BLOCKED_KEY).reason == "wrong_key"
    assert code_rows(engine)[0].used_at is not None


def test_wrong_temporary_keys_count_against_the_code_and_the_key(service, engine, clock):
    identity = service.identify(ORDINARY)
    code = send_code(service, engine, ORDINARY)
    bad = wrong(code)
    assert refused(service.login, identity, bad).reason == "wrong_code"
    assert refused(service.login, identity, bad).reason == "wrong_code"
    assert refused(service.login, identity, bad).reason == "code_dead"
    assert code_rows(engine)[0].tries == 3
    # Asking for a temporary key must not open a way round the key's blocking...
    row = key_row(engine, ORDINARY)
    assert row.failed_tries == 3 and row.blocked
    assert refused(service.login, identity, ORDINARY_KEY).reason == "blocked"
    # ...and yet the member is never locked out: a new code still recovers the key.
    clock.advance(seconds=31)
    fresh = send_code(service, engine, ORDINARY)
    login = service.login(identity, fresh)
    assert login.status == "change_required"
    service.change_key(login.proof, "729418", "729418", 6)
    assert login_ok(service, ORDINARY, "729418").status == "ok"


def test_guessing_the_key_while_codes_are_pending_is_still_limited(service, engine, clock):
    identity = service.identify(ORDINARY)
    for _ in range(2):
        send_code(service, engine, ORDINARY)
        refused(service.login, identity, "000001")
        clock.advance(seconds=31)
    assert not key_row(engine, ORDINARY).blocked
    send_code(service, engine, ORDINARY)
    refused(service.login, identity, "000001")
    assert key_row(engine, ORDINARY).blocked


def test_wrong_temporary_keys_never_block_a_blocked_members_recovery(service, engine, clock):
    identity = service.identify(BLOCKED)
    for _ in range(3):
        code = send_code(service, engine, BLOCKED)
        for _ in range(3):
            refused(service.login, identity, wrong(code))
        clock.advance(seconds=31)
    code = send_code(service, engine, BLOCKED)
    assert service.login(identity, code).status == "change_required"


def test_expired_temporary_key_refused(service, engine, clock):
    code = send_code(service, engine, ORDINARY)
    clock.advance(minutes=10)
    refusal = refused(service.login, service.identify(ORDINARY), code)
    assert refusal.reason == "code_expired"
    assert "venció" in refusal.message
    assert key_row(engine, ORDINARY).failed_tries == 0


def test_short_lifetime_respected(service, engine, clock):
    identity = service.identify(ORDINARY)
    service.send_temporary_key(identity, "sms", 6, timedelta(minutes=2))
    code = code_in(latest_message(service, ORDINARY))
    assert "Vence en 2 minutos" in latest_message(service, ORDINARY).body
    clock.advance(minutes=2, seconds=1)
    assert refused(service.login, identity, code).reason == "code_expired"


def test_expired_initial_temporary_key_refused(service, engine, clock):
    # A temporary login key with a deadline (Coasmedas: 24 hours).
    member_id = member(engine, FIRST_ACCESS).id
    with Session(engine) as session:
        row = session.exec(select(MemberKey).where(MemberKey.member_id == member_id)).one()
        row.expires_at = clock.now() + timedelta(hours=24)
        session.add(row)
        session.commit()
    identity = service.identify(FIRST_ACCESS)
    assert service.login(identity, FIRST_ACCESS_KEY).status == "change_required"
    clock.advance(hours=24)
    assert refused(service.login, identity, FIRST_ACCESS_KEY).reason == "temporary_expired"


# -- changing the key ------------------------------------------------------------------------


@pytest.fixture
def ordinary_proof(service):
    return login_ok(service, ORDINARY, ORDINARY_KEY).proof


@pytest.mark.parametrize(
    ("key", "confirmation", "reason"),
    [
        ("123456", "123456", "sequential"),
        ("111111", "111111", "repeated"),
        ("159753", "159753", "sequential"),
        ("102030", "102030", "common"),
        ("741998", "741998", "year"),
        ("340385", "340385", "personal"),  # her DDMMYY with one digit changed
        ("140385", "140385", "personal"),  # Ana María's birth date, DDMMYY
        ("101234", "101234", "personal"),  # from her document
        ("12345", "12345", "length"),
        ("74926a", "74926a", "not_digits"),
        (NEW_KEY, OTHER_KEY, "mismatch"),
        (ORDINARY_KEY, ORDINARY_KEY, "year"),  # 58 + 2017: the seeded key predates the year rule
    ],
)
def test_change_key_refusals_leave_the_key_alone(service, engine, ordinary_proof, key, confirmation, reason):
    before = key_row(engine, ORDINARY)
    messages = len(outbox(engine))
    assert refused(service.change_key, ordinary_proof, key, confirmation, LENGTH).reason == reason
    after = key_row(engine, ORDINARY)
    assert after.hash == before.hash and after.changed_at == before.changed_at
    assert len(outbox(engine)) == messages
    assert "key_changed" not in actions(engine, ORDINARY)


def test_change_key(service, engine, ordinary_proof, hasher, clock):
    old = key_row(engine, ORDINARY)
    clock.advance(minutes=1)
    proof = service.change_key(ordinary_proof, NEW_KEY, NEW_KEY, LENGTH)
    assert proof.via == "key"
    row = key_row(engine, ORDINARY)
    assert hasher.verify(NEW_KEY, row.hash) and not hasher.verify(ORDINARY_KEY, row.hash)
    assert row.changed_at == clock.now()
    with Session(engine) as session:
        history = session.exec(select(KeyHistory).where(KeyHistory.member_id == row.member_id)).all()
    assert [h.hash for h in history] == [old.hash]
    assert login_ok(service, ORDINARY, NEW_KEY).status == "ok"
    assert refused(service.login, service.identify(ORDINARY), ORDINARY_KEY).reason == "wrong_key"


def test_recent_keys_cannot_be_reused(service, engine, ordinary_proof):
    proof = ordinary_proof
    for key in (NEW_KEY, OTHER_KEY, "590284", "473816"):
        proof = service.change_key(proof, key, key, LENGTH)
    # history=3: the current key and the two before it are refused...
    for key in ("473816", "590284", OTHER_KEY):
        assert refused(service.change_key, proof, key, key, LENGTH, history=3).reason == "reused"
    # ...and the one before those is allowed again.
    service.change_key(proof, NEW_KEY, NEW_KEY, LENGTH, history=3)
    assert login_ok(service, ORDINARY, NEW_KEY).status == "ok"


def test_first_access_cannot_keep_the_initial_key(service, engine):
    proof = service.login(service.identify(FIRST_ACCESS), FIRST_ACCESS_KEY).proof
    before = key_row(engine, FIRST_ACCESS).hash
    assert refused(service.change_key, proof, FIRST_ACCESS_KEY, FIRST_ACCESS_KEY, LENGTH).reason == "issued"
    assert key_row(engine, FIRST_ACCESS).hash == before
    service.change_key(proof, NEW_KEY, NEW_KEY, LENGTH)
    assert not key_row(engine, FIRST_ACCESS).temporary


def test_code_proof_is_single_use(service, engine, hasher):
    code = send_code(service, engine, ORDINARY)
    proof = service.login(service.identify(ORDINARY), code).proof
    service.change_key(proof, NEW_KEY, NEW_KEY, LENGTH)
    changed = key_row(engine, ORDINARY).hash
    messages = len(outbox(engine))

    refusal = refused(service.change_key, proof, OTHER_KEY, OTHER_KEY, LENGTH)
    assert refusal.reason == "code_used"
    assert key_row(engine, ORDINARY).hash == changed
    assert hasher.verify(NEW_KEY, key_row(engine, ORDINARY).hash)
    assert len(outbox(engine)) == messages


def test_used_temporary_key_no_longer_logs_in(service, engine):
    identity = service.identify(ORDINARY)
    code = send_code(service, engine, ORDINARY)
    proof = service.login(identity, code).proof
    service.change_key(proof, NEW_KEY, NEW_KEY, LENGTH)
    assert refused(service.login, identity, code).reason == "wrong_key"


def test_key_change_notified_without_the_key(service, engine, ordinary_proof, clock):
    service.change_key(ordinary_proof, NEW_KEY, NEW_KEY, LENGTH)
    notice = latest_message(service, ORDINARY)
    assert notice.subject == "Clave cambiada"
    assert notice.channel == "sms" and notice.recipient == "3111234567"
    assert "Progressa" in notice.body and clock.now().strftime("%d/%m/%Y") in notice.body
    for secret in (NEW_KEY, ORDINARY_KEY):
        assert secret not in notice.body and secret not in notice.subject
    assert "key_changed" in actions(engine, ORDINARY)


def test_no_key_in_clear_anywhere_after_a_recovery(service, engine):
    code = send_code(service, engine, ORDINARY)
    proof = service.login(service.identify(ORDINARY), code).proof
    service.change_key(proof, NEW_KEY, NEW_KEY, LENGTH)
    # Every column of every table, and the raw database and WAL files.
    for secret in (NEW_KEY, ORDINARY_KEY, code):
        assert clear_occurrences(engine, secret) == [], secret
    # The member can still read the temporary key in the SMS.
    (sms,) = [m for m in service.messages_for(proof.member_id) if m.subject == "Clave temporal"]
    assert code in sms.body


# -- security image --------------------------------------------------------------------------------


def test_set_security_image(service, engine, ordinary_proof, clock):
    service.set_security_image(ordinary_proof, "pez", "  Mi perro   se llama Tango ")
    with Session(engine) as session:
        chosen = session.get(SecurityImage, ordinary_proof.member_id)
    assert (chosen.image, chosen.phrase) == ("pez", "Mi perro se llama Tango")
    shown = service.security_display(service.identify(ORDINARY))
    assert (shown.image, shown.phrase) == ("pez", "Mi perro se llama Tango")


@pytest.mark.parametrize(
    ("image", "phrase", "reason"),
    [
        ("pez", "", "phrase_empty"),
        ("pez", "   \t ", "phrase_empty"),
        ("dragon", "Mi perro se llama Tango", "image_missing"),
        ("", "Mi perro se llama Tango", "image_missing"),
        ("pez", "x" * 121, "phrase_invalid"),
    ],
)
def test_set_security_image_refusals(service, engine, ordinary_proof, image, phrase, reason):
    assert refused(service.set_security_image, ordinary_proof, image, phrase).reason == reason
    with Session(engine) as session:
        chosen = session.get(SecurityImage, ordinary_proof.member_id)
    assert (chosen.image, chosen.phrase) == ("flor", "La peor experiencia es la mejor maestra")


def test_first_security_image_for_a_member_without_one(service, engine):
    proof = service.login(service.identify(FIRST_ACCESS), FIRST_ACCESS_KEY).proof
    service.set_security_image(proof, "sol", "Cada mañana cuenta")
    with Session(engine) as session:
        assert session.get(SecurityImage, proof.member_id).image == "sol"


# -- consent ------------------------------------------------------------------------------------------


def test_consent_completes_the_setup(service, engine):
    proof = service.login(service.identify(NO_EMAIL), "308461").proof
    identity = service.identify(NO_EMAIL)
    assert service.login(identity, "308461", consent_version="2099-01").status == "setup_required"
    service.grant_consent(proof, "2099-01")
    assert service.login(identity, "308461", consent_version="2099-01").status == "ok"
    assert "consent_granted" in actions(engine, NO_EMAIL)


def test_clock_is_the_one_injected(service, engine, clock):
    assert clock.now() == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    send_code(service, engine, ORDINARY)
    assert code_rows(engine)[0].created_at == clock.now()


def test_a_code_proof_expires_with_its_code(service, engine, hasher, clock):
    code = send_code(service, engine, ORDINARY)
    proof = service.login(service.identify(ORDINARY), code).proof
    clock.advance(minutes=11)
    assert refused(service.change_key, proof, "729418", "729418", 6).reason == "code_expired"
    assert hasher.verify(ORDINARY_KEY, key_row(engine, ORDINARY).hash)


def test_a_code_proof_dies_when_a_newer_code_is_sent(service, engine, hasher, clock):
    code = send_code(service, engine, ORDINARY)
    proof = service.login(service.identify(ORDINARY), code).proof
    clock.advance(seconds=31)
    send_code(service, engine, ORDINARY)
    assert refused(service.change_key, proof, "729418", "729418", 6).reason == "code_expired"
    assert hasher.verify(ORDINARY_KEY, key_row(engine, ORDINARY).hash)


def test_key_change_of_a_member_with_no_contact_is_audited_not_notified(service, engine):
    with Session(engine) as session:
        member = session.exec(select(Member).where(Member.document_number == ORDINARY)).one()
        member.mobile = member.email = None
        session.add(member)
        session.commit()
    before = len(outbox(engine))
    proof = login_ok(service, ORDINARY, ORDINARY_KEY).proof
    service.change_key(proof, "729418", "729418", 6)
    assert len(outbox(engine)) == before
    assert "notification_skipped" in actions(engine, ORDINARY)
