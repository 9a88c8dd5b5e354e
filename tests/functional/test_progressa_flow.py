"""A Progressa member who forgot the Oficina Virtual key recovers it at the
kiosk and logs in with the new one, end to end through the screens."""

from __future__ import annotations

from sqlmodel import Session, select

from kiosk.screens.document import DocumentScreen
from kiosk.screens.key_login import KeyLoginScreen
from kiosk.screens.member_home import MemberHomeScreen
from kiosk.screens.welcome import WelcomeScreen
from kiosk.store.models import AuditEvent, Consent, MemberKey, OneTimeCode, SecurityImage
from tests.helpers import (
    choose_image,
    ORDINARY,
    clear_occurrences,
    click,
    code_in,
    keypad_type,
    latest_message,
    member,
    screen_text,
    type_document,
)

NEW_KEY = "749261"


async def test_forgotten_key_recovered_and_used(make_app, service, engine, hasher):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        assert isinstance(app.screen, DocumentScreen)
        await type_document(pilot, ORDINARY)
        assert isinstance(app.screen, KeyLoginScreen)

        await click(pilot, "#forgot")
        text = screen_text(pilot)
        assert "Confirmación de cuenta" in text
        radio_labels = [str(b.label) for b in app.screen.query("RadioButton")]
        assert any("311 12****" in label for label in radio_labels)
        assert any("mynam****@mail.com" in label for label in radio_labels)

        await click(pilot, "#continue")  # SMS is preselected
        assert "Hemos enviado la información solicitada" in screen_text(pilot)
        temporary = code_in(latest_message(service, ORDINARY))
        assert len(temporary) == 6

        await click(pilot, "#continue")  # «Ir a ingresar usuario»
        await type_document(pilot, ORDINARY)
        await keypad_type(pilot, temporary)
        await click(pilot, "#continue")
        assert app.screen.step.type == "new_key"

        await keypad_type(pilot, NEW_KEY)
        await click(pilot, "#continue")
        assert "Confirme su nueva clave" in screen_text(pilot)
        await keypad_type(pilot, NEW_KEY)
        await click(pilot, "#continue")
        assert app.screen.step.type == "security_image"

        await choose_image(pilot, "pez")
        app.screen.query_one("#phrase").value = "Mi perro se llama Tango"
        await click(pilot, "#continue")
        assert app.screen.step.type == "consent"
        await click(pilot, "#allow")
        assert "¡Listo!" in screen_text(pilot)

        # The next login shows the chosen image and phrase, then takes the new key.
        await click(pilot, "#continue")
        await type_document(pilot, ORDINARY)
        text = screen_text(pilot)
        assert "Pez" in text and "Mi perro se llama Tango" in text
        assert "no ingrese su clave de acceso" in text
        await keypad_type(pilot, NEW_KEY)
        await click(pilot, "#continue")
        assert isinstance(app.screen, MemberHomeScreen)
        assert "Ana María" in screen_text(pilot)
        await click(pilot, "#leave")
        assert isinstance(app.screen, WelcomeScreen)

    me = member(engine, ORDINARY)
    with Session(engine) as session:
        key = session.exec(select(MemberKey).where(MemberKey.member_id == me.id)).one()
        assert hasher.verify(NEW_KEY, key.hash)
        assert not key.temporary and not key.blocked and key.failed_tries == 0
        code = session.exec(select(OneTimeCode).where(OneTimeCode.member_id == me.id)).one()
        assert code.used_at is not None  # the temporary key is gone
        image = session.get(SecurityImage, me.id)
        assert (image.image, image.phrase) == ("pez", "Mi perro se llama Tango")
        consents = session.exec(select(Consent).where(Consent.member_id == me.id)).all()
        assert [c.policy_version for c in consents][-1] == "2024-01"
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.member_id == me.id))]
    for action in ("code_sent", "temporary_key_accepted", "key_changed", "security_image_set", "consent_granted", "login"):
        assert action in actions
    notice = latest_message(service, ORDINARY)
    assert notice.subject == "Clave cambiada" and NEW_KEY not in notice.body

    # Neither the new key nor the temporary key is anywhere in clear in the store.
    assert clear_occurrences(engine, NEW_KEY) == []
    assert clear_occurrences(engine, temporary) == []
    # ...while the same scan does find what is meant to be stored in clear.
    assert "member.document_number" in clear_occurrences(engine, ORDINARY)
    assert any(place.startswith("file") for place in clear_occurrences(engine, "perro"))


async def test_refusing_the_policy_after_a_recovery_changes_nothing(make_app, service, engine, hasher):
    """«No permitir» after the new key, image and phrase: nothing of it was
    saved, nothing is sent, and the temporary key still works."""
    me = member(engine, ORDINARY)

    def state():
        with Session(engine) as session:
            key = session.exec(select(MemberKey).where(MemberKey.member_id == me.id)).one()
            image = session.get(SecurityImage, me.id)
            consents = session.exec(select(Consent.id).where(Consent.member_id == me.id)).all()
            code = session.exec(select(OneTimeCode).where(OneTimeCode.member_id == me.id)).one()
        sent = [m.subject for m in service.messages_for(me.id)]
        return key.hash, key.blocked, key.failed_tries, image.image, image.phrase, consents, code.used_at, sent

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        await click(pilot, "#forgot")
        await click(pilot, "#continue")
        temporary = code_in(latest_message(service, ORDINARY))
        await click(pilot, "#continue")
        await type_document(pilot, ORDINARY)
        await keypad_type(pilot, temporary)
        await click(pilot, "#continue")
        before = state()
        for _ in range(2):
            await keypad_type(pilot, NEW_KEY)
            await click(pilot, "#continue")
        await choose_image(pilot, "pez")
        app.screen.query_one("#phrase").value = "Mi perro se llama Tango"
        await click(pilot, "#continue")
        assert app.screen.step.type == "consent"
        assert state() == before  # the key and image steps saved nothing
        await click(pilot, "#refuse")
        assert "No se guardó ningún cambio" in screen_text(pilot)
        assert state() == before
        await click(pilot, "#continue")
        assert isinstance(app.screen, WelcomeScreen)
        # The temporary key still opens the change of key.
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        await keypad_type(pilot, temporary)
        await click(pilot, "#continue")
        assert app.screen.step.type == "new_key"
    assert state()[:6] == before[:6]
