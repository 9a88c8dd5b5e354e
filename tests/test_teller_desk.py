"""The teller console's core: sign-in with two factors, finding a member, the
in-person identity check and each action with its audit row and notices."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from kiosk.core.errors import Refusal
from kiosk.core.teller import MAX_FAILED_SIGNINS
from kiosk.store.models import AuditEvent, Member, MemberKey, RecoveryAttempt, Teller
from tests.conftest import TELLER_SECRET
from tests.helpers import (
    TELLER_DOCUMENT,
    TELLER_PASSWORD,
    add_teller,
    authenticator_code,
    clear_occurrences,
    member,
    signed_in_teller,
)

pytestmark = pytest.mark.both_stores

ORDINARY = "1010123456"
BLOCKED = "1030405060"


@pytest.fixture
def desk(desk_for):
    desk = desk_for("progressa")
    add_teller(desk)
    return desk


def audit_rows(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def checked_in(desk, clock, document: str = ORDINARY):
    """A signed-in teller who has seen this member's document."""
    teller = signed_in_teller(desk, clock)
    member_id = member(desk.engine, document).id
    desk.record_identity_check(teller, member_id, "CC", document)
    return teller, member_id


# -- tellers and sign-in ------------------------------------------------------


def test_a_teller_needs_a_real_password(desk):
    with pytest.raises(Refusal) as weak:
        desk.add_teller("pedro", "Pedro Pérez", "CC", "79111222", "123456", "123456")
    assert weak.value.reason == "weak_password"
    with pytest.raises(Refusal) as mismatch:
        desk.add_teller("pedro", "Pedro Pérez", "CC", "79111222", TELLER_PASSWORD, TELLER_PASSWORD + "x")
    assert mismatch.value.reason == "mismatch"
    with pytest.raises(Refusal) as taken:
        add_teller(desk, document="79111222")
    assert taken.value.reason == "username_taken"


def test_the_password_and_the_secret_are_never_stored_in_clear(desk, clock, engine):
    signed_in_teller(desk, clock)
    assert clear_occurrences(engine, TELLER_PASSWORD) == []
    assert clear_occurrences(engine, TELLER_SECRET) == []
    # Positive control: the scan does find what is stored in clear.
    assert clear_occurrences(engine, "ana.gomez")


def test_first_sign_in_enrols_the_authenticator(desk, clock, engine):
    checked = desk.check_password("ana.gomez", TELLER_PASSWORD)
    assert not checked.enrolled
    enrolment = desk.start_enrolment(checked)
    assert enrolment.secret == TELLER_SECRET
    assert enrolment.uri == pyotp.TOTP(TELLER_SECRET).provisioning_uri(name="ana.gomez", issuer_name="Kiosk")
    session = desk.verify_authenticator(checked, authenticator_code(clock))
    assert session.username == "ana.gomez" and session.full_name == "Ana Gómez"
    assert desk.check_password("ana.gomez", TELLER_PASSWORD).enrolled
    [enrolled] = audit_rows(engine, "teller_enrolled")
    assert enrolled.actor == f"teller:{session.teller_id}"


def test_a_code_is_never_accepted_twice(desk, clock):
    checked = desk.check_password("ana.gomez", TELLER_PASSWORD)
    desk.start_enrolment(checked)
    code = authenticator_code(clock)
    desk.verify_authenticator(checked, code)
    clock.advance(seconds=5)  # still inside the same 30-second window
    again = desk.check_password("ana.gomez", TELLER_PASSWORD)
    with pytest.raises(Refusal) as reused:
        desk.verify_authenticator(again, code)
    assert reused.value.reason == "wrong_sign_in"
    # The previous window's code is older still: also refused.
    clock.advance(seconds=30)
    with pytest.raises(Refusal):
        desk.verify_authenticator(again, code)
    # The next window's code is fine.
    assert desk.verify_authenticator(again, authenticator_code(clock)).username == "ana.gomez"


def test_a_code_from_another_secret_is_refused(desk, clock):
    checked = desk.check_password("ana.gomez", TELLER_PASSWORD)
    desk.start_enrolment(checked)
    with pytest.raises(Refusal) as wrong:
        desk.verify_authenticator(checked, pyotp.TOTP(pyotp.random_base32()).at(clock.now()))
    assert wrong.value.reason == "wrong_sign_in"
    with pytest.raises(Refusal):
        desk.verify_authenticator(checked, "12a456")


def test_failed_sign_ins_lock_the_teller_for_a_while(desk, clock, engine):
    for _ in range(MAX_FAILED_SIGNINS - 1):
        with pytest.raises(Refusal) as wrong:
            desk.check_password("ana.gomez", "not-the-password")
        assert wrong.value.reason == "wrong_sign_in"
    with pytest.raises(Refusal) as locked:
        desk.check_password("ana.gomez", "not-the-password")
    assert locked.value.reason == "teller_locked"
    # Even the right password waits out the lock.
    with pytest.raises(Refusal) as still:
        desk.check_password("ana.gomez", TELLER_PASSWORD)
    assert still.value.reason == "teller_locked"
    clock.advance(minutes=16)
    assert desk.check_password("ana.gomez", TELLER_PASSWORD).teller_id
    assert len(audit_rows(engine, "teller_sign_in_failed")) == MAX_FAILED_SIGNINS


def test_an_unknown_user_and_a_teller_of_another_institution_get_the_same_answer(desk, desk_for):
    add_teller(desk_for("cooperen"), username="luis.mora", document="79333444")
    for username in ("nadie", "luis.mora"):
        with pytest.raises(Refusal) as wrong:
            desk.check_password(username, TELLER_PASSWORD)
        assert wrong.value.reason == "wrong_sign_in"


def test_a_lost_phone_means_enrolling_again(desk, clock):
    signed_in_teller(desk, clock)
    desk.reset_authenticator("ana.gomez")
    assert not desk.check_password("ana.gomez", TELLER_PASSWORD).enrolled


# -- finding a member ---------------------------------------------------------


def test_find_a_member_by_document_or_by_name(desk):
    [row] = desk.find_by_document("CC", ORDINARY)
    assert row.full_name == "Ana María Rojas Pérez"
    assert [r.document_number for r in desk.find_by_name("rojas ana")] == [ORDINARY]
    assert desk.find_by_name("herrera") and desk.find_by_name("zzz") == []
    # Members of other institutions are not this desk's.
    assert desk.find_by_document("CC", "12147") == []
    # A name is data, never SQL or a wildcard.
    assert desk.find_by_name("%' OR 1=1 --") == []
    assert desk.find_by_name("__") == []
    with pytest.raises(Refusal) as short:
        desk.find_by_name("a")
    assert short.value.reason == "name_fragment"
    with pytest.raises(Refusal):
        desk.find_by_document("CC", "10.101.234")


def test_the_member_card(desk, clock, engine):
    teller = signed_in_teller(desk, clock)
    card = desk.member_card(teller, member(engine, BLOCKED).id)
    assert card.institution_name == "Progressa"
    assert card.full_name == "Luz Marina Herrera Castro"
    assert card.contacts.mobile == "320 98****" and card.contacts.email == "luz.h****@mail.com"
    assert card.products == [("Crédito de consumo", "****3344", card.products[0][2])]
    assert card.keys == [("login", "blocked")]
    assert card.identity_checked_until is None and not card.own_record


# -- identity check -----------------------------------------------------------


def test_actions_need_an_identity_check_first(desk, clock, engine):
    teller = signed_in_teller(desk, clock)
    member_id = member(engine, BLOCKED).id
    with pytest.raises(Refusal) as refused:
        desk.unblock_key(teller, member_id)
    assert refused.value.reason == "identity_not_checked"
    with pytest.raises(Refusal) as mismatch:
        desk.record_identity_check(teller, member_id, "CC", ORDINARY)
    assert mismatch.value.reason == "document_mismatch"
    until = desk.record_identity_check(teller, member_id, "CC", BLOCKED)
    assert desk.member_card(teller, member_id).identity_checked_until == until
    [check] = audit_rows(engine, "identity_checked")
    assert check.actor == f"teller:{teller.teller_id}" and check.member_id == member_id
    assert check.detail == "CC original presentado"
    # The check lasts a short while only.
    clock.advance(minutes=16)
    with pytest.raises(Refusal) as expired:
        desk.unblock_key(teller, member_id)
    assert expired.value.reason == "identity_not_checked"


def test_a_teller_cannot_act_on_their_own_record(desk_for, clock):
    desk = desk_for("progressa")
    add_teller(desk, username="luz.herrera", document=BLOCKED)
    teller = signed_in_teller(desk, clock, "luz.herrera")
    member_id = member(desk.engine, BLOCKED).id
    assert desk.member_card(teller, member_id).own_record
    with pytest.raises(Refusal) as own:
        desk.record_identity_check(teller, member_id, "CC", BLOCKED)
    assert own.value.reason == "own_record"


# -- actions ------------------------------------------------------------------


def test_update_contacts_tells_the_old_and_the_new_contact(desk, clock, engine, service_for):
    teller, member_id = checked_in(desk, clock)
    desk.update_contacts(teller, member_id, "320 555 1234", "Ana.Nueva@Mail.com")
    updated = member(engine, ORDINARY)
    assert (updated.mobile, updated.email) == ("3205551234", "ana.nueva@mail.com")
    recipients = {m.recipient for m in service_for("progressa").messages_for(member_id)}
    assert recipients == {"3111234567", "3205551234", "mynameis@mail.com", "ana.nueva@mail.com"}
    [row] = audit_rows(engine, "contacts_updated")
    assert row.actor == f"teller:{teller.teller_id}" and row.detail == "mobile, email"


def test_bad_contacts_are_refused_and_nothing_changes(desk, clock, engine):
    teller, member_id = checked_in(desk, clock)
    for mobile, email, reason in [
        ("311 123", "", "mobile_format"),
        ("", "no-es-un-correo", "email_format"),
        ("", "", "nothing_to_update"),
        ("3111234567", "", "nothing_to_update"),  # the number already registered
    ]:
        with pytest.raises(Refusal) as refused:
            desk.update_contacts(teller, member_id, mobile, email)
        assert refused.value.reason == reason
    assert member(engine, ORDINARY).mobile == "3111234567"
    assert audit_rows(engine, "contacts_updated") == []


def test_unblock_a_key(desk, clock, engine, service_for):
    teller, member_id = checked_in(desk, clock, BLOCKED)
    desk.unblock_key(teller, member_id)
    with Session(engine) as session:
        key = session.exec(select(MemberKey).where(MemberKey.member_id == member_id)).one()
    assert not key.blocked and key.failed_tries == 0
    assert "desbloqueada" in service_for("progressa").messages_for(member_id)[0].body
    assert audit_rows(engine, "key_unblocked")[0].actor == f"teller:{teller.teller_id}"
    with pytest.raises(Refusal) as again:
        desk.unblock_key(teller, member_id)
    assert again.value.reason == "not_blocked"


def test_a_temporary_key_goes_to_the_mobile_and_the_member_sets_the_definitive_one(
    desk, clock, engine, service_for
):
    teller, member_id = checked_in(desk, clock, BLOCKED)
    shown = desk.issue_temporary_key(teller, member_id)
    assert shown == "Clave temporal enviada al celular 320 98****."
    service = service_for("progressa")
    [sms] = service.messages_for(member_id)
    assert sms.channel == "sms" and sms.recipient == "3209876543"
    temporary = sms.body.split("clave temporal es ")[1][:6]
    assert temporary not in shown
    identity = service.identify(BLOCKED)
    login = service.login(identity, temporary)
    assert login.status == "office_change_required"
    service.change_key(login.proof, "408163", "408163", 6)
    assert service.login(identity, "408163").status == "ok"
    [row] = [r for r in audit_rows(engine, "key_changed") if r.actor.startswith("teller:")]
    assert row.detail == "clave login temporal"


def test_the_office_key_expires(desk, clock, service_for):
    teller, member_id = checked_in(desk, clock)
    desk.issue_temporary_key(teller, member_id)
    service = service_for("progressa")
    temporary = service.messages_for(member_id)[0].body.split("clave temporal es ")[1][:6]
    clock.advance(hours=25)
    with pytest.raises(Refusal) as expired:
        service.login(service.identify(ORDINARY), temporary)
    assert expired.value.reason == "temporary_expired"


def test_no_temporary_key_without_a_mobile(desk, clock, engine):
    teller, member_id = checked_in(desk, clock, "1040506070")
    with Session(engine) as session:  # take the member's only contact away
        session.execute(update(Member).where(Member.id == member_id).values(mobile=None))
        session.commit()
    with pytest.raises(Refusal) as refused:
        desk.issue_temporary_key(teller, member_id)
    assert refused.value.reason == "no_mobile"


def test_reopen_self_service(desk_for, service_for, clock, engine):
    desk = desk_for("cooperen")
    add_teller(desk)
    service = service_for("cooperen")
    identity = service.identify("12147")
    subject = service._subject(identity)
    with Session(engine) as session:
        for _ in range(3):
            session.add(RecoveryAttempt(institution="cooperen", subject=subject, failed_at=clock.now()))
        session.commit()
    teller = signed_in_teller(desk, clock)
    desk.record_identity_check(teller, identity.member_id, "CC", "12147")
    assert desk.member_card(teller, identity.member_id).failed_recoveries == 3
    desk.reopen_self_service(teller, identity.member_id)
    assert desk.member_card(teller, identity.member_id).failed_recoveries == 0
    [row] = audit_rows(engine, "self_service_reopened")
    assert row.actor == f"teller:{teller.teller_id}" and row.detail == "3 intentos borrados"
    with pytest.raises(Refusal) as again:
        desk.reopen_self_service(teller, identity.member_id)
    assert again.value.reason == "not_closed"


def test_the_teller_record_holds_the_own_document(desk, engine):
    with Session(engine) as session:
        teller = session.exec(select(Teller)).one()
    assert (teller.document_type, teller.document_number) == ("CC", TELLER_DOCUMENT)
    assert teller.totp_secret_sealed is None  # nothing until the first sign-in
