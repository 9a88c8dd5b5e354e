"""Steps compose: choosing a channel only chooses, and the step that sends says
what, where and for which purpose.  A small in-test profile, document ->
channel choice -> code -> new key -> notice, driven through the screens."""

from __future__ import annotations

import random

import pytest
from sqlmodel import Session, select

from kiosk.app import KioskApp
from kiosk.core.outbox import EMAIL, SMS
from kiosk.flow.profile import WELCOME, parse_profile
from kiosk.screens.registry import STEP_SCREENS
from kiosk.store.models import AuditEvent, OneTimeCode
from tests.helpers import ORDINARY, click, code_in, keypad_type, member, message_text, type_document

NEW_KEY = "749261"


def composed_profile():
    return parse_profile(
        {
            "slug": "progressa",
            "name": "Progressa",
            "portal": "Oficina Virtual",
            "start": "user",
            "key_length": 6,
            "steps": [
                {"id": "user", "type": "document", "title": "Usuario", "button": "Continuar"},
                {"id": "channel", "type": "channel_choice", "title": "Canal", "text": "¿Por dónde?",
                 "next": {"back": "user"}},
                # The step id says nothing of the purpose: the code is checked for "contact_check".
                {"id": "paso_tres", "type": "code_entry", "title": "Código", "text": "Escriba el código.",
                 "send": "code", "channel": "choice", "purpose": "contact_check", "code_digits": 6,
                 "next": {"no_contact": "done"}},
                {"id": "new_key", "type": "new_key", "title": "Nueva clave"},
                {"id": "done", "type": "notice", "title": "Listo", "text": "Su clave cambió.", "button": "Salir",
                 "next": {"done": WELCOME}},
            ],
        },
        set(STEP_SCREENS),
        source="prueba.toml",
    )


@pytest.mark.parametrize(("radio", "channel"), [(1, EMAIL), (0, SMS)])
async def test_the_chosen_channel_gets_exactly_one_code_for_the_named_purpose(service, engine, radio, channel):
    app = KioskApp(service, composed_profile(), idle_timeout=600.0, rng=random.Random(7))
    member_id = member(engine, ORDINARY).id
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        assert app.screen.step.id == "channel", message_text(pilot)
        assert service.messages_for(member_id) == []  # choosing sends nothing
        await pilot.click(list(app.screen.query("RadioButton"))[radio])
        await click(pilot, "#continue")
        assert app.screen.step.id == "paso_tres", message_text(pilot)

        sent = service.messages_for(member_id)
        assert [message.channel for message in sent] == [channel]  # one code, by the chosen channel only
        assert "código de seguridad es" in sent[0].body and "clave temporal" not in sent[0].body
        with Session(engine) as session:
            issued = session.exec(select(OneTimeCode).where(OneTimeCode.member_id == member_id)).all()
        assert [(code.purpose, code.channel) for code in issued] == [("contact_check", channel)]
        assert app.runner.context.temporary_key is False

        await pilot.click("#code")
        await pilot.press(*code_in(sent[0]))
        await click(pilot, "#continue")
        assert app.screen.step.id == "new_key", message_text(pilot)
        await keypad_type(pilot, NEW_KEY)
        await click(pilot, "#continue")
        await keypad_type(pilot, NEW_KEY)
        await click(pilot, "#continue")
        assert app.screen.step.id == "done", message_text(pilot)

    with Session(engine) as session:
        verified = session.exec(
            select(AuditEvent).where(AuditEvent.member_id == member_id, AuditEvent.action == "code_verified")
        ).all()
    assert [event.detail for event in verified] == ["contact_check"]
    # Nothing else went out but the change's notice: no temporary key, no second code.
    later = [message for message in service.messages_for(member_id) if message.id != sent[0].id]
    assert all("código de seguridad" not in m.body and "clave temporal" not in m.body for m in later)


@pytest.mark.parametrize("document", [ORDINARY, "9999999999"])
async def test_a_send_refused_as_the_notice_is_entered_keeps_the_member_on_the_choice(make_app, service, document):
    """Progressa sends its temporary key as «Hemos enviado…» is entered: asked
    again within the resend interval, the member (or a stranger, alike) stays
    on the channel choice, told to wait, and nothing more is sent."""
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        for attempt in range(2):
            await type_document(pilot, document)
            await click(pilot, "#forgot")
            assert app.screen.step.id == "channel"
            await click(pilot, "#continue")
            if attempt == 0:
                assert app.screen.step.id == "sent", message_text(pilot)
                await click(pilot, "#continue")  # «Ir a ingresar usuario»
        assert app.screen.step.id == "channel" and app.runner.current.id == "channel"
        assert "Espere" in message_text(pilot) and "segundos para pedir otro" in message_text(pilot)
        if document == ORDINARY:
            assert len(service.messages_for(member(service.engine, ORDINARY).id)) == 1


def test_the_link_e_mail_says_what_the_profile_says(service_for, engine):
    """The institution's wording («Sucursal Virtual») comes from its profile;
    the core has none of its own."""
    from datetime import timedelta

    from kiosk.flow.profile import load_profile

    service = service_for("cootrasena")
    forgot = load_profile("cootrasena", step_types=set(STEP_SCREENS)).step("forgot")
    identity = service.identify("52345678")
    member_id = member(engine, "52345678").id
    service.send_recovery_link(
        identity, 6, timedelta(hours=24), "6 números",
        email_text=forgot.param("email_text"), email_subject=forgot.param("email_subject"),
    )
    mail = service.messages_for(member_id, limit=1)[0]
    assert mail.subject == "Solicitud de recuperación de contraseña"
    assert mail.body.startswith("Cootrasena: recibimos una solicitud para recuperar su contraseña de la Sucursal Virtual.")
    assert "Política de contraseñas: 6 números" in mail.body and "{" not in mail.body


def test_the_core_alone_names_no_portal(service_for, engine):
    from datetime import timedelta

    service = service_for("cootrasena")
    service.send_recovery_link(service.identify("52345678"), 6, timedelta(hours=24), "6 números")
    body = service.messages_for(member(engine, "52345678").id, limit=1)[0].body
    assert body.startswith("Cootrasena: recibimos una solicitud para recuperar su contraseña.\n")
    assert "Sucursal" not in body
