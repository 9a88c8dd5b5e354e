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
    [lock] = audit_rows(engine, "teller_locked")  # every lock is in the audit, with the terminal
    assert lock.actor.startswith("teller:") and f"terminal {desk.terminal}" in lock.detail


def test_an_unknown_user_and_a_teller_of_another_institution_get_the_same_answer(desk, desk_for):
    add_teller(desk_for("cooperen"), username="luis.mora", document="79333444")
    answers = []
    for username in ("ana.gomez", "nadie", "luis.mora"):
        for _ in range(MAX_FAILED_SIGNINS):
            try:
                desk.check_password(username, "no-es-la-clave-2026")
            except Refusal as refusal:
                answers.append((username, refusal.reason, refusal.message))
    by_name = [[a[1:] for a in answers if a[0] == name] for name in ("ana.gomez", "nadie", "luis.mora")]
    assert by_name[0] == by_name[1] == by_name[2]
    assert by_name[0][-1][0] == "teller_locked"


def test_a_lost_phone_means_enrolling_again(desk, clock):
    signed_in_teller(desk, clock)
    desk.reset_authenticator("ana.gomez")
    assert not desk.check_password("ana.gomez", TELLER_PASSWORD).enrolled


# -- finding a member ---------------------------------------------------------


def test_find_a_member_by_document_or_by_name(desk):
    [row] = desk.find_by_document("CC", ORDINARY)
    assert row.full_name == "Ana María Rojas Pérez"
    # The document is masked: the teller types it from the physical ID.
    assert [r.document_number for r in desk.find_by_name("rojas ana")] == ["***456"]
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
    assert card.document_number == "***060"  # shown whole only after the identity check
    desk.record_identity_check(teller, card.member_id, "CC", BLOCKED)
    assert desk.member_card(teller, card.member_id).document_number == BLOCKED


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


def test_bad_contacts_are_refused_and_nothing_changes(desk, clock, engine):
    teller, member_id = checked_in(desk, clock)
    for mobile, email, reason in [
        ("311 123", "", "mobile_format"),
        ("٣٢٠٥٥٥١٢٣٤", "", "mobile_format"),  # Arabic-Indic digits
        ("３２０５５５１２３４", "", "mobile_format"),  # full-width digits
        ("320555\x1b1234", "", "mobile_format"),
        ("2205551234", "", "mobile_format"),  # a landline, not a mobile
        ("", "no-es-un-correo", "email_format"),
        ("", "ana@mail", "email_format"),  # no dot in the domain
        ("", "ana@@mail.com", "email_format"),
        ("", "ana maria@mail.com", "email_format"),
        ("", "ana\x1b[2J@mail.com", "email_format"),
        ("", "ana@mail.com\u202e", "email_format"),
        ("", "ana\x00@mail.com", "email_format"),
        ("", "añá@mail.com", "email_format"),
        ("", "", "nothing_to_update"),
        ("3111234567", "", "nothing_to_update"),  # the number already registered
    ]:
        with pytest.raises(Refusal) as refused:
            desk.update_contacts(teller, member_id, mobile, email)
        assert refused.value.reason == reason
    assert member(engine, ORDINARY).mobile == "3111234567"
    assert audit_rows(engine, "contacts_updated") == []
    assert audit_rows(engine, "contact_change_requested") == []


def test_teller_names_and_usernames_refuse_control_characters(desk):
    for username, name in [
        ("pedro\x1b", "Pedro Pérez"),
        ("pedro", "Pedro\x1b[31m Pérez"),
        ("pedro", "Pedro\u202e Pérez"),
        ("pedro", "Pedro\x00"),
        ("pedro", "Pedro\x07"),
    ]:
        with pytest.raises(Refusal) as refused:
            desk.add_teller(username, name, "CC", "79111222", TELLER_PASSWORD, TELLER_PASSWORD)
        assert refused.value.reason == "control_characters"
        assert "caracteres de control" in refused.value.message
    # Markup is only text: allowed in a name, and shown as typed (tests/test_typed_text.py).
    assert desk.add_teller("pedro", "[b]Pedro[/b]", "CC", "79111222", TELLER_PASSWORD, TELLER_PASSWORD)


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


# -- dual control over contacts -------------------------------------------------

CHECKER_DOCUMENT = "79111222"


def second_teller(desk, clock, username: str = "luis.mora", document: str = CHECKER_DOCUMENT):
    """Another teller of the same institution, signed in with their own authenticator."""
    add_teller(desk, username=username, document=document)
    return signed_in_teller(desk, clock, username)


def contact_notices(service, member_id: int) -> list[tuple[str, str, str]]:
    return [(m.recipient, m.subject, m.body) for m in service.messages_for(member_id, limit=50)]


def test_a_contact_change_waits_for_a_second_teller(desk, clock, engine, service_for):
    maker, member_id = checked_in(desk, clock)
    shown = desk.update_contacts(maker, member_id, "320 555 1234", "Ana.Nueva@Mail.com")
    assert shown.startswith("Cambio de contactos pendiente: otro asesor debe aprobarlo")
    # Nothing changed yet: the old contacts are told how to stop it, the new ones nothing.
    assert (member(engine, ORDINARY).mobile, member(engine, ORDINARY).email) == ("3111234567", "mynameis@mail.com")
    service = service_for("progressa")
    notices = contact_notices(service, member_id)
    assert {recipient for recipient, _s, _b in notices} == {"3111234567", "mynameis@mail.com"}
    assert all("llame a la entidad o acérquese a una oficina" in body for _r, _s, body in notices)
    card = desk.member_card(maker, member_id)
    assert card.pending_change is not None and card.pending_change.new_mobile == "320 55****"
    assert card.pending_change.maker_name == "Ana Gómez"
    # A temporary key sent meanwhile goes to the mobile on file, never the requested one.
    desk.issue_temporary_key(maker, member_id)
    assert service.messages_for(member_id)[0].recipient == "3111234567"

    checker = second_teller(desk, clock)
    [pending] = desk.pending_contact_changes()
    assert pending.member_id == member_id and pending.document == "CC ***456"
    shown = desk.approve_contact_change(checker, pending.change_id)
    assert shown.startswith("Cambio aprobado")
    updated = member(engine, ORDINARY)
    assert (updated.mobile, updated.email) == ("3205551234", "ana.nueva@mail.com")
    told = {r for r, subject, _b in contact_notices(service, member_id) if subject == "Datos de contacto actualizados"}
    assert told == {"3111234567", "3205551234", "mynameis@mail.com", "ana.nueva@mail.com"}
    [requested] = audit_rows(engine, "contact_change_requested")
    assert requested.actor == maker.actor and requested.detail.startswith(f"solicitud {pending.change_id}: mobile, email")
    [applied] = audit_rows(engine, "contacts_updated")
    assert applied.actor == checker.actor
    assert applied.detail == f"mobile, email; solicitud de {maker.actor}, aprobada por {checker.actor}"
    assert desk.pending_contact_changes() == []
    # Now, and only now, a temporary key reaches the new mobile.
    desk.issue_temporary_key(maker, member_id)
    assert service.messages_for(member_id)[0].recipient == "3205551234"
    with pytest.raises(Refusal) as again:
        desk.approve_contact_change(checker, pending.change_id)
    assert again.value.reason == "not_pending"


def test_a_teller_cannot_approve_their_own_request(desk, clock, engine):
    maker, member_id = checked_in(desk, clock)
    desk.update_contacts(maker, member_id, "3205551234", "")
    [pending] = desk.pending_contact_changes()
    with pytest.raises(Refusal) as own:
        desk.approve_contact_change(maker, pending.change_id)
    assert own.value.reason == "own_request"
    assert own.value.message == "Usted registró esta solicitud: otro asesor debe aprobarla."
    assert member(engine, ORDINARY).mobile == "3111234567"
    assert audit_rows(engine, "contacts_updated") == []


def test_a_teller_cannot_approve_a_change_to_their_own_record(desk, clock, engine):
    maker, member_id = checked_in(desk, clock, BLOCKED)
    desk.update_contacts(maker, member_id, "3205551234", "")
    # The checker is the member whose contacts would change.
    checker = second_teller(desk, clock, "luz.herrera", BLOCKED)
    [pending] = desk.pending_contact_changes()
    with pytest.raises(Refusal) as own:
        desk.approve_contact_change(checker, pending.change_id)
    assert own.value.reason == "own_record"
    assert "propio registro" in own.value.message
    assert member(engine, BLOCKED).mobile == "3209876543"


def test_a_teller_of_another_institution_cannot_approve(desk, desk_for, clock, engine):
    maker, member_id = checked_in(desk, clock)
    desk.update_contacts(maker, member_id, "3205551234", "")
    [pending] = desk.pending_contact_changes()
    cooperen = desk_for("cooperen")
    stranger = second_teller(cooperen, clock)
    for acting_desk in (cooperen, desk):  # their own console, or a session carried to this one
        with pytest.raises(Refusal) as other:
            acting_desk.approve_contact_change(stranger, pending.change_id)
        assert other.value.reason == "other_institution"
        assert "otra entidad" in other.value.message
        with pytest.raises(Refusal):
            acting_desk.cancel_contact_change(stranger, pending.change_id)
    assert cooperen.pending_contact_changes() == []
    assert member(engine, ORDINARY).mobile == "3111234567"


def test_a_contact_change_needs_the_identity_check(desk, clock, engine):
    teller = signed_in_teller(desk, clock)
    member_id = member(engine, ORDINARY).id
    with pytest.raises(Refusal) as refused:
        desk.update_contacts(teller, member_id, "3205551234", "")
    assert refused.value.reason == "identity_not_checked"
    assert desk.pending_contact_changes() == []


def test_one_pending_change_at_a_time(desk, clock):
    maker, member_id = checked_in(desk, clock)
    desk.update_contacts(maker, member_id, "3205551234", "")
    with pytest.raises(Refusal) as pending:
        desk.update_contacts(maker, member_id, "3150001111", "")
    assert pending.value.reason == "change_pending"
    assert len(desk.pending_contact_changes()) == 1


def test_after_the_hold_the_change_applies_by_itself(desk, clock, engine, service_for):
    maker, member_id = checked_in(desk, clock)
    desk.update_contacts(maker, member_id, "3205551234", "")
    [body] = [b for r, _s, b in contact_notices(service_for("progressa"), member_id) if r == "3111234567"]
    assert "se pidió en una oficina cambiar su celular" in body and "Se aplicará el 22/11/2026 a las 10:00" in body
    clock.advance(hours=23)
    assert desk.apply_due_contact_changes() == 0
    assert member(engine, ORDINARY).mobile == "3111234567"
    clock.advance(hours=1)
    assert desk.apply_due_contact_changes() == 1
    assert member(engine, ORDINARY).mobile == "3205551234"
    [applied] = audit_rows(engine, "contacts_updated")
    assert applied.actor == maker.actor
    assert applied.detail == f"mobile; solicitud de {maker.actor}, sin objeción al terminar la espera"
    assert desk.apply_due_contact_changes() == 0


def test_a_due_change_applies_when_the_member_is_next_served(desk, clock, engine):
    maker, member_id = checked_in(desk, clock)
    desk.update_contacts(maker, member_id, "", "ana.nueva@mail.com")
    clock.advance(hours=25)
    assert desk.member_card(maker, member_id).pending_change is None
    assert member(engine, ORDINARY).email == "ana.nueva@mail.com"


def test_cancelling_stops_the_change(desk, clock, engine):
    maker, member_id = checked_in(desk, clock)
    desk.update_contacts(maker, member_id, "3205551234", "")
    [pending] = desk.pending_contact_changes()
    # The member called: another teller (or the maker) stops it.
    checker = second_teller(desk, clock)
    assert desk.cancel_contact_change(checker, pending.change_id).startswith("Cambio de contactos cancelado")
    clock.advance(hours=48)
    assert desk.apply_due_contact_changes() == 0
    assert member(engine, ORDINARY).mobile == "3111234567"
    with pytest.raises(Refusal) as gone:
        desk.approve_contact_change(checker, pending.change_id)
    assert gone.value.reason == "not_pending"
    [cancelled] = audit_rows(engine, "contact_change_cancelled")
    assert cancelled.actor == checker.actor
    assert cancelled.detail == f"solicitud {pending.change_id} de {maker.actor}, cancelada por {checker.actor}"
    assert audit_rows(engine, "contacts_updated") == []


def test_an_approval_after_the_hold_finds_it_already_applied(desk, clock, engine):
    maker, member_id = checked_in(desk, clock)
    desk.update_contacts(maker, member_id, "3205551234", "")
    [pending] = desk.pending_contact_changes()
    checker = second_teller(desk, clock)
    clock.advance(hours=25)
    with pytest.raises(Refusal) as late:
        desk.approve_contact_change(checker, pending.change_id)
    assert late.value.reason == "not_pending"
    [applied] = audit_rows(engine, "contacts_updated")
    assert applied.actor == maker.actor  # by the hold, not by the late checker


def test_the_hold_is_a_setting(engine, hasher, sealer, clock, service_for, monkeypatch):
    from datetime import timedelta

    from kiosk.cli import build_desk
    from kiosk.config import Settings
    from kiosk.core.teller import TellerDesk

    monkeypatch.setenv("KIOSK_PEPPER", "00" * 32)
    monkeypatch.setenv("KIOSK_CONTACT_HOLD_HOURS", "2")
    settings = Settings.from_env(database_url=str(engine.url))
    assert settings.contact_hold_hours == 2.0
    assert build_desk(settings).contact_hold == timedelta(hours=2)  # what ``kiosk teller`` runs
    desk = TellerDesk(
        engine, hasher, sealer, clock, "progressa", "Progressa", new_secret=lambda: TELLER_SECRET, contact_hold_hours=2
    )
    add_teller(desk)
    maker, member_id = checked_in(desk, clock)
    desk.update_contacts(maker, member_id, "3205551234", "")
    clock.advance(hours=1, minutes=59)
    assert desk.apply_due_contact_changes() == 0
    clock.advance(minutes=1)
    assert desk.apply_due_contact_changes() == 1


def test_racing_approvals_and_a_cancellation_settle_the_request_once(desk, clock, engine):
    """Two checkers press «Aprobar» and a third «Cancelar» at the same moment:
    exactly one of them decides; the others are told it is no longer pending."""
    import threading

    maker, member_id = checked_in(desk, clock)
    desk.update_contacts(maker, member_id, "3205551234", "")
    [pending] = desk.pending_contact_changes()
    checkers = [
        second_teller(desk, clock, f"checker.{n}", document) for n, document in enumerate(("79111222", "79111223", "79111224"))
    ]
    barrier = threading.Barrier(len(checkers))
    outcomes: list[str] = []

    def decide(index: int) -> None:
        work = desk.cancel_contact_change if index == 2 else desk.approve_contact_change
        barrier.wait()
        try:
            work(checkers[index], pending.change_id)
            outcomes.append("done")
        except Refusal as refusal:
            outcomes.append(refusal.reason)

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(len(checkers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "not_pending", "not_pending"]
    decided = audit_rows(engine, "contacts_updated") + audit_rows(engine, "contact_change_cancelled")
    assert len(decided) == 1
    assert (member(engine, ORDINARY).mobile == "3205551234") == bool(audit_rows(engine, "contacts_updated"))
