"""A request changes nothing until it is completed (issue 18, point 3).

Cootrasena: whoever types a member's document only gets an e-mail sent to the
member; the password keeps working, a block stays, and the e-mailed temporary
password works only with its link, which completes the change.  Progressa:
the new key, the image, the phrase and the consent are saved together at
«Permitir», or not at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from kiosk.core.errors import Refusal
from kiosk.core.service import LOGIN, Proof
from kiosk.store.models import Consent, MemberKey, OneTimeCode, OutboxMessage, SecurityImage
from tests.helpers import ORDINARY, UNKNOWN, VISIT, captcha_token, code_in, latest_message, member
from tests.functional.test_cootrasena_flow import COOTRASENA, NEW_KEY, link_mail

pytestmark = pytest.mark.both_stores

PASSWORD = "604917"  # Cootrasena's demo member
FIRST_TIME = "71222333"  # Cootrasena, no password yet
HOURS = timedelta(hours=24)


def stored_key(engine, document: str) -> MemberKey | None:
    with Session(engine) as session:
        return session.exec(select(MemberKey).where(MemberKey.member_id == member(engine, document).id)).first()


def set_blocked(engine, document: str) -> None:
    with Session(engine) as session:
        key = session.exec(select(MemberKey).where(MemberKey.member_id == member(engine, document).id)).one()
        key.blocked, key.failed_tries = True, 3
        session.add(key)
        session.commit()


def subjects(service, document: str) -> list[str]:
    return [m.subject for m in service.messages_for(member(service.engine, document).id, limit=20)]


def refusal(call, *args, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as caught:
        call(*args, **kwargs)
    return caught.value


def request(service, document: str) -> None:
    service.send_recovery_link(service.identify(document), 6, HOURS, "6 números")


# -- Cootrasena ----------------------------------------------------------------


def test_a_strangers_request_leaves_the_password_working(service_for, engine):
    service = service_for("cootrasena")
    before = stored_key(engine, COOTRASENA)
    request(service, COOTRASENA)  # anyone who knows the document can do this
    after = stored_key(engine, COOTRASENA)
    assert (after.hash, after.blocked, after.temporary, after.failed_tries) == (
        before.hash, before.blocked, before.temporary, before.failed_tries
    )
    assert service.login(service.identify(COOTRASENA), PASSWORD).status == "ok"
    mail = service.messages_for(member(engine, COOTRASENA).id, limit=5)
    assert [m.subject for m in mail] == ["Solicitud de recuperación de contraseña"]
    assert "solicitud" in mail[0].body
    assert "Si usted no lo solicitó, ignore este mensaje: su contraseña actual sigue funcionando" in mail[0].body
    assert "fue cambiada" not in mail[0].body


def test_a_request_does_not_lift_a_block_only_the_completed_change_does(service_for, engine):
    service = service_for("cootrasena")
    set_blocked(engine, COOTRASENA)
    request(service, COOTRASENA)
    assert stored_key(engine, COOTRASENA).blocked
    assert refusal(service.login, service.identify(COOTRASENA), PASSWORD).reason == "blocked"

    temporary, token = link_mail(service, COOTRASENA)
    _identity, proof = service.open_link(token)
    service.change_key(proof, NEW_KEY, NEW_KEY, 6, current=temporary)
    key = stored_key(engine, COOTRASENA)
    assert not key.blocked and key.failed_tries == 0
    assert service.login(service.identify(COOTRASENA), NEW_KEY).status == "ok"


def test_the_link_completes_the_change_and_only_then_the_member_is_told(service_for, engine, hasher):
    service = service_for("cootrasena")
    request(service, COOTRASENA)
    temporary, token = link_mail(service, COOTRASENA)
    _identity, proof = service.open_link(token)
    assert "Clave cambiada" not in subjects(service, COOTRASENA)  # opening the link changes nothing
    assert service.login(service.identify(COOTRASENA), PASSWORD).status == "ok"

    service.change_key(proof, NEW_KEY, NEW_KEY, 6, current=temporary)
    assert subjects(service, COOTRASENA)[0] == "Clave cambiada"
    assert hasher.verify(NEW_KEY, stored_key(engine, COOTRASENA).hash)
    assert refusal(service.login, service.identify(COOTRASENA), PASSWORD).reason == "wrong_key"
    with Session(engine) as session:
        link = session.exec(select(OneTimeCode).where(OneTimeCode.member_id == member(engine, COOTRASENA).id)).one()
    # Used up with the change; the temporary password was only ever stored hashed.
    assert link.used_at is not None and link.pending_secret_hash and temporary not in link.pending_secret_hash
    assert refusal(service.open_link, token).reason == "link_used"


def test_the_temporary_password_is_checked_only_with_the_link_and_three_wrong_ones_kill_it(service_for, engine):
    service = service_for("cootrasena")
    before = stored_key(engine, COOTRASENA)
    request(service, COOTRASENA)
    temporary, token = link_mail(service, COOTRASENA)
    wrong = "000000" if temporary != "000000" else "111111"
    _identity, proof = service.open_link(token)
    assert refusal(service.change_key, proof, NEW_KEY, NEW_KEY, 6, current=wrong).reason == "wrong_temporary_key"
    # The member's own password is not the temporary one either.
    assert refusal(service.change_key, proof, NEW_KEY, NEW_KEY, 6, current=PASSWORD).reason == "wrong_temporary_key"
    assert refusal(service.change_key, proof, NEW_KEY, NEW_KEY, 6, current=wrong).reason == "link_dead"
    assert refusal(service.open_link, token).reason == "link_dead"
    assert refusal(service.change_key, proof, NEW_KEY, NEW_KEY, 6, current=temporary).reason == "link_dead"
    assert stored_key(engine, COOTRASENA).hash == before.hash
    assert service.login(service.identify(COOTRASENA), PASSWORD).status == "ok"


def test_the_temporary_password_at_the_login_sends_to_the_link_and_changes_nothing(service_for, engine):
    service = service_for("cootrasena")
    set_blocked(engine, COOTRASENA)
    request(service, COOTRASENA)
    temporary, _token = link_mail(service, COOTRASENA)
    login = service.login(service.identify(COOTRASENA), temporary)
    assert login.status == "change_required" and login.proof.via == "pending_link"
    key = stored_key(engine, COOTRASENA)
    assert key.blocked and key.failed_tries == 3


def test_a_first_access_gets_its_password_through_the_same_link(service_for, engine, hasher):
    service = service_for("cootrasena")
    assert stored_key(engine, FIRST_TIME) is None
    request(service, FIRST_TIME)
    assert stored_key(engine, FIRST_TIME) is None  # nothing until the link is used
    temporary, token = link_mail(service, FIRST_TIME)
    _identity, proof = service.open_link(token)
    service.change_key(proof, NEW_KEY, NEW_KEY, 6, current=temporary)
    assert hasher.verify(NEW_KEY, stored_key(engine, FIRST_TIME).hash)
    assert service.login(service.identify(FIRST_TIME), NEW_KEY).status == "ok"


def test_an_unknown_document_is_answered_as_a_member_after_a_request(service_for, engine):
    service = service_for("cootrasena")
    request(service, COOTRASENA)
    request(service, UNKNOWN)  # no error, nothing sent
    with Session(engine) as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 1
    for document in (COOTRASENA, UNKNOWN):
        wrong = refusal(service.login, service.identify(document), "135790")
        assert (wrong.reason, wrong.message) == ("wrong_key", "El usuario o la clave no son correctos.")


# -- Progressa -----------------------------------------------------------------


def progressa_state(engine, document: str):
    member_id = member(engine, document).id
    with Session(engine) as session:
        key = session.exec(select(MemberKey).where(MemberKey.member_id == member_id)).one()
        image = session.get(SecurityImage, member_id)
        consents = session.exec(select(Consent.policy_version).where(Consent.member_id == member_id)).all()
        sent = session.exec(select(OutboxMessage.id).where(OutboxMessage.member_id == member_id)).all()
        codes = session.exec(select(OneTimeCode.used_at).where(OneTimeCode.member_id == member_id)).all()
    return key.hash, key.temporary, key.blocked, (image.image, image.phrase) if image else None, consents, sent, codes


def recovered_login(service, document: str):
    identity = service.identify(document)
    service.send_temporary_key(identity, "sms", 6, timedelta(minutes=10))
    login = service.login(identity, code_in(latest_message(service, document)), require_security_image=True,
                          consent_version="2024-01")
    assert login.status == "change_required"
    return login.proof


def test_progressa_saves_key_image_phrase_and_consent_together(service_for, engine, hasher):
    service = service_for("progressa")
    proof = recovered_login(service, ORDINARY)
    pending = service.hold_new_key(proof, (LOGIN,), NEW_KEY, NEW_KEY, 6)
    before = progressa_state(engine, ORDINARY)  # preparing wrote nothing
    saved = service.complete_setup(proof, pending, ("pez", "  Mi   perro "), "2024-03")
    key_hash, temporary, blocked, image, consents, sent, used = progressa_state(engine, ORDINARY)
    assert hasher.verify(NEW_KEY, key_hash) and not temporary and not blocked
    assert image == ("pez", "Mi perro") and consents[-1] == "2024-03"
    assert len(sent) == len(before[5]) + 1 and subjects(service, ORDINARY)[0] == "Clave cambiada"
    assert all(at is not None for at in used)  # the temporary key went with the change
    assert saved == Proof(member(engine, ORDINARY).id, "key")


def test_progressa_saves_nothing_when_the_save_is_refused(service_for, engine, clock):
    service = service_for("progressa")
    proof = recovered_login(service, ORDINARY)
    pending = service.hold_new_key(proof, (LOGIN,), NEW_KEY, NEW_KEY, 6)
    before = progressa_state(engine, ORDINARY)
    clock.advance(minutes=11)  # the temporary key ran out before «Permitir»
    assert refusal(service.complete_setup, proof, pending, ("pez", "Mi perro"), "2024-03").reason == "code_expired"
    assert progressa_state(engine, ORDINARY) == before


def test_progressa_a_second_kiosk_cannot_save_with_the_same_temporary_key(service_for, engine):
    service = service_for("progressa")
    proof = recovered_login(service, ORDINARY)
    first = service.hold_new_key(proof, (LOGIN,), NEW_KEY, NEW_KEY, 6)
    other = service.hold_new_key(proof, (LOGIN,), "836402", "836402", 6)
    service.complete_setup(proof, first, ("pez", "Primero"), "2024-03")
    saved = progressa_state(engine, ORDINARY)
    assert refusal(service.complete_setup, proof, other, ("sol", "Segundo"), "2024-04").reason == "code_used"
    assert progressa_state(engine, ORDINARY) == saved


# -- Coasmedas -----------------------------------------------------------------

COASMEDAS, COASMEDAS_TEMPORARY = "7602264", "8754"


def coasmedas_keys(engine) -> dict[str, tuple[str, bool]]:
    with Session(engine) as session:
        rows = session.exec(select(MemberKey).where(MemberKey.member_id == member(engine, COASMEDAS).id)).all()
    return {k.kind: (k.hash, k.temporary) for k in rows}


def test_coasmedas_new_login_key_waits_for_the_transactional_code(service_for, engine, hasher, clock):
    service = service_for("coasmedas")
    identity = service.identify(COASMEDAS)
    recovery = service.prepare_key_change(
        identity, ("login", "transactional"), COASMEDAS_TEMPORARY, COASMEDAS_TEMPORARY, 4,
        purpose="recovery", temporary_for=timedelta(hours=24), captcha=captcha_token(service), visit=VISIT,
    )
    service.send_confirmation_code(identity, "recovery", 4, timedelta(minutes=5))
    service.confirm_change(recovery, code_in(latest_message(service, COASMEDAS)))
    proof = service.login(identity, COASMEDAS_TEMPORARY).proof

    login_change = service.hold_new_key(proof, ("login",), "3907", "3907", 4, current=COASMEDAS_TEMPORARY)
    same = refusal(service.prepare_key_change, proof, ("transactional",), "3907", "3907", 4,
                   purpose="change_transactional", current=COASMEDAS_TEMPORARY, differ_from="login",
                   earlier=login_change, captcha=captcha_token(service), visit=VISIT)
    assert same.reason == "same_as_other_key"  # the pending login key counts
    both = service.prepare_key_change(
        proof, ("transactional",), "5281", "5281", 4, purpose="change_transactional",
        current=COASMEDAS_TEMPORARY, differ_from="login", earlier=login_change,
        captcha=captcha_token(service), visit=VISIT,
    )
    held = coasmedas_keys(engine)
    assert held["login"][1] and held["transactional"][1]  # both still the temporary key
    service.send_confirmation_code(identity, "change_transactional", 4, timedelta(minutes=5))
    right = code_in(latest_message(service, COASMEDAS))
    wrong = "0000" if right != "0000" else "1111"
    for _ in range(3):
        refusal(service.confirm_change, both, wrong)
    assert coasmedas_keys(engine) == held  # a refused code saves neither key
    assert service.login(identity, COASMEDAS_TEMPORARY).status == "change_required"


    clock.advance(seconds=31)  # a new code may be asked for
    service.send_confirmation_code(identity, "change_transactional", 4, timedelta(minutes=5))
    service.confirm_change(both, code_in(latest_message(service, COASMEDAS)))
    saved = coasmedas_keys(engine)
    assert hasher.verify("3907", saved["login"][0]) and hasher.verify("5281", saved["transactional"][0])
    assert not saved["login"][1] and not saved["transactional"][1]


def test_progressa_setup_without_a_key_change_saves_image_and_consent_only(service_for, engine):
    """A login that asks only for the image and consent (``setup_required``):
    «Permitir» saves those two, together, and leaves the key alone."""
    service = service_for("progressa")
    proof = service.login(service.identify(ORDINARY), "582017").proof
    before = progressa_state(engine, ORDINARY)
    assert service.complete_setup(proof, None, ("sol", "Nueva frase"), "2024-05") == proof
    after = progressa_state(engine, ORDINARY)
    assert after[:3] == before[:3] and after[5] == before[5]  # same key, nothing sent
    assert after[3] == ("sol", "Nueva frase") and after[4][-1] == "2024-05"
    bad = refusal(service.complete_setup, proof, None, ("sol", "   "), "2024-06")
    assert bad.reason == "phrase_empty" and progressa_state(engine, ORDINARY) == after
