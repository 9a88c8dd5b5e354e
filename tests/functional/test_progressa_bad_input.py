"""Bad input on the Progressa screens: each gets its own Spanish message, the
member stays on the step, and nothing in the store changes."""

from __future__ import annotations

from sqlmodel import Session, select

from kiosk.screens.welcome import WelcomeScreen
from kiosk.store.models import MemberKey, OutboxMessage
from tests.helpers import (
    choose_image,
    BLOCKED,
    FIRST_ACCESS,
    NO_EMAIL,
    ORDINARY,
    UNKNOWN,
    click,
    code_in,
    keypad_type,
    latest_message,
    member,
    message_text,
    screen_text,
    type_document,
)


def stored_key(engine, document: str) -> MemberKey:
    with Session(engine) as session:
        return session.exec(select(MemberKey).where(MemberKey.member_id == member(engine, document).id)).one()


async def to_key_step(pilot, document: str) -> None:
    await click(pilot, "#start")
    await type_document(pilot, document)


async def request_temporary_key(pilot, service, document: str) -> str:
    await to_key_step(pilot, document)
    await click(pilot, "#forgot")
    await click(pilot, "#continue")
    await click(pilot, "#continue")
    await type_document(pilot, document)
    return code_in(latest_message(service, document))


async def first_access_to_consent(pilot) -> None:
    """A first-access member, from the initial key to the data policy."""
    await to_key_step(pilot, FIRST_ACCESS)
    await keypad_type(pilot, "640825")  # the initial key the cooperative gave
    await click(pilot, "#continue")
    assert pilot.app.screen.step.id == "new_key"
    for _ in range(2):
        await keypad_type(pilot, "729418")
        await click(pilot, "#continue")
    await choose_image(pilot, "luna")
    pilot.app.screen.query_one("#phrase").value = "Primera vez en la oficina"
    await click(pilot, "#continue")
    assert pilot.app.screen.step.id == "consent"


async def test_document_with_punctuation_is_refused_with_a_reason(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, "1.010.123")
        assert app.screen.step.id == "user"
        assert "sin espacios, puntos, comas o guiones" in message_text(pilot)


async def test_wrong_temporary_key_keeps_the_member_on_the_step(make_app, service, engine):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        temporary = await request_temporary_key(pilot, service, ORDINARY)
        wrong = "1" + temporary[1:] if temporary[0] != "1" else "2" + temporary[1:]
        await keypad_type(pilot, wrong)
        await click(pilot, "#continue")
        assert app.screen.step.id == "key"
        assert "El código no es correcto. Intentos restantes: 2." in message_text(pilot)
    assert not stored_key(engine, ORDINARY).blocked  # a failed recovery never locks the key


async def test_expired_temporary_key_is_told_apart(make_app, service, clock):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        temporary = await request_temporary_key(pilot, service, ORDINARY)
        clock.advance(minutes=11)
        await keypad_type(pilot, temporary)
        await click(pilot, "#continue")
        assert app.screen.step.id == "key"
        assert "venció" in message_text(pilot)


async def test_mismatched_confirmation_and_weak_key_are_refused(make_app, service, engine, hasher):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        temporary = await request_temporary_key(pilot, service, ORDINARY)
        await keypad_type(pilot, temporary)
        await click(pilot, "#continue")
        assert app.screen.step.id == "new_key"

        await keypad_type(pilot, "123456")
        await click(pilot, "#continue")
        assert app.screen.step.id == "new_key"
        assert "secuencia" in message_text(pilot)

        await keypad_type(pilot, "729418")
        await click(pilot, "#continue")
        await keypad_type(pilot, "729481")
        await click(pilot, "#continue")
        assert app.screen.step.id == "new_key"
        assert "no coinciden" in message_text(pilot)
        assert "Escriba su nueva clave" in screen_text(pilot)

        # Born 1985-03-14: a key made of the birth date is refused too.
        await keypad_type(pilot, "140385")
        await click(pilot, "#continue")
        assert "fecha de nacimiento" in message_text(pilot)
    key = stored_key(engine, ORDINARY)
    assert hasher.verify("582017", key.hash)  # the old key is untouched


async def test_empty_phrase_is_refused(make_app, service):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        temporary = await request_temporary_key(pilot, service, ORDINARY)
        await keypad_type(pilot, temporary)
        await click(pilot, "#continue")
        for _ in range(2):
            await keypad_type(pilot, "729418")
            await click(pilot, "#continue")
        assert app.screen.step.id == "security_image"
        await click(pilot, "#continue")
        assert "Seleccione una imagen" in message_text(pilot)
        await choose_image(pilot, "sol")
        app.screen.query_one("#phrase").value = "   "
        await click(pilot, "#continue")
        assert app.screen.step.id == "security_image"
        assert "Escriba una frase de seguridad" in message_text(pilot)


async def test_unknown_document_walks_the_same_screens_and_sends_nothing(make_app, engine):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await to_key_step(pilot, UNKNOWN)
        assert app.screen.step.id == "key"
        assert "no ingrese su clave de acceso" in screen_text(pilot)
        await click(pilot, "#forgot")
        labels = [str(b.label) for b in app.screen.query("RadioButton")]
        assert labels and "****" in labels[0]
        await click(pilot, "#continue")
        assert "Hemos enviado la información solicitada" in screen_text(pilot)
        await click(pilot, "#continue")
        await type_document(pilot, UNKNOWN)
        await keypad_type(pilot, "729418")
        await click(pilot, "#continue")
        # What a member typing a wrong temporary key reads (see the test above).
        assert "El código no es correcto. Intentos restantes: 2." in message_text(pilot)
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


async def test_blocked_key_says_so_and_recovery_unblocks_it(make_app, service, engine, hasher):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await to_key_step(pilot, BLOCKED)
        await keypad_type(pilot, "915372")  # the right key, but blocked
        await click(pilot, "#continue")
        assert "bloqueada por intentos fallidos" in message_text(pilot)
        await click(pilot, "#forgot")
        await click(pilot, "#continue")
        await click(pilot, "#continue")
        await type_document(pilot, BLOCKED)
        await keypad_type(pilot, code_in(latest_message(service, BLOCKED)))
        await click(pilot, "#continue")
        for _ in range(2):
            await keypad_type(pilot, "729418")
            await click(pilot, "#continue")
        assert app.screen.step.id == "security_image"
        # Nothing is saved before «Permitir»: the key is still blocked.
        assert stored_key(engine, BLOCKED).blocked
        await choose_image(pilot, "luna")
        app.screen.query_one("#phrase").value = "Otra vez en la oficina"
        await click(pilot, "#continue")
        assert app.screen.step.id == "consent" and stored_key(engine, BLOCKED).blocked
        await click(pilot, "#allow")
        assert "¡Listo!" in screen_text(pilot)
    key = stored_key(engine, BLOCKED)
    assert not key.blocked and hasher.verify("729418", key.hash)


async def test_three_wrong_keys_block_the_key(make_app, engine):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await to_key_step(pilot, ORDINARY)
        for attempt in range(3):
            await keypad_type(pilot, "729418")
            await click(pilot, "#continue")
        assert "bloqueada por intentos fallidos" in message_text(pilot)
    assert stored_key(engine, ORDINARY).blocked


async def test_first_access_forces_a_new_key_then_image_and_consent(make_app, engine, hasher):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await first_access_to_consent(pilot)
        await click(pilot, "#allow")
        assert "¡Listo!" in screen_text(pilot)
    key = stored_key(engine, FIRST_ACCESS)
    assert not key.temporary and hasher.verify("729418", key.hash)


async def test_member_without_email_is_offered_sms_only(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await to_key_step(pilot, NO_EMAIL)
        await click(pilot, "#forgot")
        labels = [str(b.label) for b in app.screen.query("RadioButton")]
        assert labels == ["Confirmar por SMS: 300 45****"]


async def test_refusing_the_data_policy_saves_nothing_says_so_and_ends_the_visit(make_app, service, engine, hasher):
    before = stored_key(engine, FIRST_ACCESS)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await first_access_to_consent(pilot)
        await click(pilot, "#refuse")
        assert app.screen.step.id == "not_saved"
        assert "No se guardó ningún cambio: su clave anterior sigue vigente" in screen_text(pilot)
        await click(pilot, "#continue")
        assert isinstance(app.screen, WelcomeScreen)
        # The initial key still works, and still asks for a new key.
        await to_key_step(pilot, FIRST_ACCESS)
        await keypad_type(pilot, "640825")
        await click(pilot, "#continue")
        assert app.screen.step.id == "new_key"
    after = stored_key(engine, FIRST_ACCESS)
    assert (after.hash, after.temporary) == (before.hash, before.temporary)
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


async def test_resend_is_throttled(make_app, service):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await to_key_step(pilot, ORDINARY)
        await click(pilot, "#forgot")
        await click(pilot, "#continue")
        await click(pilot, "#continue")
        await type_document(pilot, ORDINARY)
        await click(pilot, "#forgot")
        await click(pilot, "#continue")
        assert app.screen.step.id == "channel"
        assert "Espere" in message_text(pilot)
