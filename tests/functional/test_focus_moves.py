"""Where the focus is (issue 20): on the field the member fills first as a
screen is shown (the document number, not the list of document types; a
key's pad where only the pad types the key), on the field in error after a
refusal, and Enter submits every form and presses «Salir» on the home."""

from __future__ import annotations

from kiosk.screens.member_home import MemberHomeScreen
from kiosk.screens.welcome import WelcomeScreen
from kiosk.widgets import ScrambledKeypad
from tests.helpers import ORDINARY, click, fill, keypad_type, message_text, settle, type_document
from tests.functional.test_coasmedas_flow import COASMEDAS


async def coasmedas_login(pilot) -> None:
    await click(pilot, "#start")
    await click(pilot, "#accept")
    assert pilot.app.screen.step.id == "login"


def focused_id(pilot) -> str | None:
    focused = pilot.app.screen.focused
    return None if focused is None else focused.id


async def test_first_focus_is_the_document_number_not_its_type(make_app):
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await coasmedas_login(pilot)
        assert app.screen.query_one("#document-type")  # the type comes first on the form
        assert focused_id(pilot) == "document"
        await pilot.press(*COASMEDAS)  # typed at once, it lands in the number
        assert app.screen.query_one("#document").value == COASMEDAS


async def test_first_focus_on_progressa_user_step_and_key_step(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        assert focused_id(pilot) == "document"
        await type_document(pilot, ORDINARY)
        assert app.screen.step.id == "key"
        keypad = app.screen.query_one(ScrambledKeypad)
        assert app.screen.focused is keypad and keypad.cursor == 0  # the key is typed on the keypad only


async def test_a_pad_only_key_field_gets_its_pad_first(make_app):
    """Cootrasena's key step: the key field takes no typing, so its keypad's first key has the focus, typing into it."""
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, "71222333")
        assert app.screen.step.id == "password"
        keypad = app.screen.query_one(ScrambledKeypad)
        assert app.screen.focused is keypad and keypad.cursor == 0
        assert keypad.target is app.screen.query_one("#key")
        await pilot.press("enter")  # presses the highlighted key
        assert len(app.screen.query_one("#key").value) == 1


async def test_after_a_refusal_the_focus_is_on_the_field_in_error(make_app):
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await coasmedas_login(pilot)
        # A bad document: the number.
        await fill(pilot, document="12")
        await click(pilot, "#continue")
        assert "documento" in message_text(pilot).lower()
        assert focused_id(pilot) == "document"
        # A document but no key: the key's keypad, typing into the key.
        await fill(pilot, document=COASMEDAS)
        await pilot.press("enter")
        await settle(pilot)
        assert "Escriba su clave" in message_text(pilot)
        keypad = app.screen.query_one(ScrambledKeypad)
        assert app.screen.focused is keypad and keypad.target is app.screen.query_one("#key")
        # A wrong key, refused by the core: the key again, never the button.
        await fill(pilot, document=COASMEDAS, key="1111")
        await click(pilot, "#continue")
        assert message_text(pilot)
        assert app.screen.focused is keypad and keypad.target is app.screen.query_one("#key")


async def test_a_wrong_code_puts_the_focus_back_on_the_code(make_app):
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        from tests.functional.test_coasmedas_flow import recover_temporary_key

        await recover_temporary_key(pilot, None)
        assert focused_id(pilot) == "code"
        await fill(pilot, code="0000")
        await click(pilot, "#continue")
        assert "código" in message_text(pilot).lower()
        assert focused_id(pilot) == "code"


async def test_enter_submits_the_banco_caja_social_link_form_from_any_field(make_app):
    app = make_app(institution="bancocajasocial")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await click(pilot, "#forgot")
        await click(pilot, "#continue")  # no document: refused, and the form stays
        await fill(pilot, document="1122334455")
        await pilot.press("enter")  # from the document field
        await settle(pilot)
        assert app.screen.step.id == "sent"
        await click(pilot, "#continue")
        assert app.screen.step.id == "link"
        for field in ("document", "token"):
            app.screen.query_one("#message").update("")
            await fill(pilot, **{field: "123"})
            await pilot.press("enter")
            await settle(pilot)
            assert message_text(pilot), f"Enter in #{field} did not submit"
            assert app.screen.step.id == "link"


async def test_enter_presses_the_only_button_on_the_members_home(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, ORDINARY)
        await keypad_type(pilot, "582017")
        await click(pilot, "#continue")
        assert isinstance(app.screen, MemberHomeScreen), message_text(pilot)
        assert focused_id(pilot) == "leave"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
