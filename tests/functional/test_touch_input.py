"""Every input by touch (issue 20): a member with no keyboard types the
document and codes on the numeric pad, every key on the scrambled keypad, and
the e-mail, phrase and link code on the on-screen keyboard; keys refuse the
physical keyboard, and every secret field refuses paste."""

from __future__ import annotations

import pytest
from textual import events
from textual.app import App
from textual.widgets import Input

from kiosk.widgets import KeyField, KeypadShuffler, NumericPad, OnScreenKeyboard, PadKeyField, ScrambledKeypad
from kiosk.widgets.touch import touch_pads
from tests.helpers import click, code_in, latest_message, solve_robot_check, tap_key

COASMEDAS, COASMEDAS_KEY, TEMPORARY = "7602264", "5830", "8754"
COOTRASENA, COOTRASENA_KEY = "52345678", "604917"


async def tap_digits(pilot, text: str) -> None:
    """Tap ``text`` on the numeric pad."""
    pad = pilot.app.screen.query_one(NumericPad)
    for digit in text:
        await tap_key(pilot, pad, pad.key_index(digit))
    await pilot.pause()


async def tap_secret(pilot, text: str) -> None:
    """Tap ``text`` on the scrambled keypad, wherever its digits are now."""
    keypad = pilot.app.screen.query_one(ScrambledKeypad)
    for digit in text:
        await tap_key(pilot, keypad, keypad.key_index(digit))
    await pilot.pause()


# -- whole steps, by taps only ---------------------------------------------------


async def test_coasmedas_login_form_by_taps_only(make_app):
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#start")
        await click(pilot, "#accept")
        assert app.screen.query_one("#numpad").display  # the document's pad shows first
        await tap_digits(pilot, COASMEDAS)
        assert app.screen.query_one("#document", Input).value == COASMEDAS
        await click(pilot, "#key")  # tapping the key field brings the scrambled keypad in the pad's place
        assert not app.screen.query_one("#numpad").display
        assert app.screen.query_one("#keypad").display
        await tap_secret(pilot, COASMEDAS_KEY)
        await click(pilot, "#continue")
        assert app.screen.step.id == "home"  # signed in


async def test_coasmedas_recovery_document_keys_and_sms_code_by_taps(make_app, service_for):
    service = service_for("coasmedas")
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#start")
        await click(pilot, "#accept")
        await click(pilot, "#forgot")
        assert app.screen.step.id == "recovery"
        await tap_digits(pilot, COASMEDAS)
        for field in ("key", "confirmation"):
            await click(pilot, f"#{field}")
            await tap_secret(pilot, TEMPORARY)
        await solve_robot_check(pilot)
        await click(pilot, "#continue")
        assert app.screen.step.id == "recovery_code"
        await tap_digits(pilot, code_in(latest_message(service, COASMEDAS)))
        await click(pilot, "#continue")
        assert app.screen.step.id == "recovery_done"


async def tap_captcha(pilot, text: str) -> None:
    """Tap ``text`` on the «No soy un robot» pad."""
    from kiosk.widgets.captcha_pad import CaptchaPad

    pad = pilot.app.screen.query_one(CaptchaPad)
    for char in text:
        await tap_key(pilot, pad, pad.key_index(char))
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_coasmedas_recovery_with_the_captcha_by_taps_only(make_app, service_for, size):
    """Document, new key twice, «No soy un robot» and the SMS code: every
    character tapped on a pad on screen, none pressed on a keyboard."""
    from kiosk.widgets import RobotCheck

    service = service_for("coasmedas")
    app = make_app(institution="coasmedas")
    async with app.run_test(size=size) as pilot:
        await click(pilot, "#start")
        await click(pilot, "#accept")
        await click(pilot, "#forgot")
        assert app.screen.step.id == "recovery"
        await tap_digits(pilot, COASMEDAS)
        for field in ("key", "confirmation"):
            await click(pilot, f"#{field}")
            await tap_secret(pilot, TEMPORARY)
        assert not app.screen.query_one("#captcha-pad").display  # until its field is tapped
        await click(pilot, "#captcha-answer")  # the picture's pad takes the pads' place
        assert app.screen.query_one("#captcha-pad").display
        assert not app.screen.query_one("#keypad").display and not app.screen.query_one("#numpad").display
        answer = app.screen.query_one(RobotCheck).captcha.answer
        await tap_captcha(pilot, "X" + answer)
        pad = app.screen.query_one("#captcha-pad")
        typed = app.screen.query_one("#captcha-answer", Input)
        await tap_key(pilot, pad, pad.key_index("erase"))  # Borrar takes the last back...
        await pilot.pause()
        assert typed.value == ("X" + answer)[:-1]
        await tap_key(pilot, pad, pad.key_index("clear"))  # ...Limpiar everything
        await pilot.pause()
        assert typed.value == ""
        await tap_captcha(pilot, answer)
        assert app.screen.query_one("#captcha-answer", Input).value == answer
        await click(pilot, "#continue")
        assert app.screen.step.id == "recovery_code"
        await tap_digits(pilot, code_in(latest_message(service, COASMEDAS)))
        await click(pilot, "#continue")
        assert app.screen.step.id == "recovery_done"


async def test_cootrasena_two_step_login_by_taps_only(make_app):
    app = make_app(institution="cootrasena")
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#start")
        await tap_digits(pilot, COOTRASENA)
        await click(pilot, "#continue")
        assert app.screen.step.id == "password"
        await tap_secret(pilot, COOTRASENA_KEY)
        await click(pilot, "#continue")
        assert app.screen.step.id == "home"


async def test_a_key_field_takes_no_physical_key_on_the_login_form(make_app):
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#start")
        await click(pilot, "#accept")
        key = app.screen.query_one("#key", PadKeyField)
        key.focus()
        await pilot.press(*COASMEDAS_KEY, "a", "space")
        assert key.value == ""
        document = app.screen.query_one("#document", Input)  # harmless there: the keyboard still types
        document.focus()
        await pilot.press(*COASMEDAS)
        assert document.value == COASMEDAS


# -- the widgets -------------------------------------------------------------------


class Form(App):
    def compose(self):
        yield Input(id="document", max_length=6)
        yield KeyField(id="code", password=False, max_length=6)
        yield Input(id="email")
        yield PadKeyField(id="key", max_length=4)
        yield PadKeyField(id="confirmation", max_length=4)
        yield from touch_pads(digits=["document", "code"])
        yield OnScreenKeyboard(["email"], id="keyboard")
        yield ScrambledKeypad(KeypadShuffler(), 4, targets=["key", "confirmation"], id="secret")


async def test_numeric_pad_types_erases_clears_and_stops_at_the_field_length():
    app = Form()
    async with app.run_test(size=(100, 80)) as pilot:
        pad = app.query_one(NumericPad)
        for key in ["1", "2", "3", "erase", "4", "5", "6", "7", "8"]:
            await tap_key(pilot, pad, pad.key_index(key))
        await pilot.pause()
        assert app.query_one("#document", Input).value == "124567"  # the 6th digit filled it
        await tap_key(pilot, pad, pad.key_index("clear"))
        await pilot.pause()
        assert app.query_one("#document", Input).value == ""
        app.query_one("#code").focus()  # the pad types into the field chosen last
        await pilot.pause()
        await tap_key(pilot, pad, pad.key_index("9"))
        await pilot.pause()
        assert app.query_one("#code", Input).value == "9"


async def test_numeric_pad_works_by_arrows_and_enter():
    app = Form()
    async with app.run_test(size=(100, 80)) as pilot:
        pad = app.query_one(NumericPad)
        pad.focus()
        await pilot.press("right", "down", "enter", "left", "enter")  # 5, then 4
        assert app.query_one("#document", Input).value == "54"


async def test_keyboard_types_enye_capitals_and_dot_com():
    app = Form()
    async with app.run_test(size=(100, 80)) as pilot:
        keyboard = app.query_one(OnScreenKeyboard)
        for key in ["shift", "m", "shift", "a", "ñ", "a", "_", "1", "@", "m", "a", "i", "l", ".com", "erase", "m"]:
            await tap_key(pilot, keyboard, keyboard.key_index(key))
        await pilot.pause()
        assert app.query_one("#email", Input).value == "Maña_1@mail.com"
        await tap_key(pilot, keyboard, keyboard.key_index(" "))
        await tap_key(pilot, keyboard, keyboard.key_index("clear"))
        await pilot.pause()
        assert app.query_one("#email", Input).value == ""


async def test_scrambled_keypad_types_into_the_key_field_chosen_and_reshuffles_for_each():
    app = Form()
    async with app.run_test(size=(100, 80)) as pilot:
        keypad = app.query_one("#secret", ScrambledKeypad)
        await tap_secret(pilot, "12")
        first_layout = keypad.labels
        app.query_one("#confirmation").focus()
        await pilot.pause()
        assert keypad.labels != first_layout
        await tap_secret(pilot, "34")
        assert app.query_one("#key", Input).value == "12"
        assert app.query_one("#confirmation", Input).value == "34"
        keypad.focus()
        await pilot.press("1", "2")  # the physical digits type nothing on the keypad either
        assert app.query_one("#confirmation", Input).value == "34"


# -- paste -------------------------------------------------------------------------


@pytest.mark.parametrize("field_id", ["key", "code"])
async def test_secret_fields_refuse_paste_every_way(field_id):
    app = Form()
    async with app.run_test(size=(100, 80)) as pilot:
        field = app.query_one(f"#{field_id}", Input)
        field.focus()
        app.copy_to_clipboard("1234")
        await pilot.pause()
        field.post_message(events.Paste("1234"))  # bracketed paste: also how a middle click arrives
        await pilot.pause()
        await pilot.press("ctrl+v")
        await pilot.press("shift+insert")
        field.action_paste()
        await pilot.pause()
        assert field.value == ""


async def test_pads_take_no_paste_into_their_field():
    app = Form()
    async with app.run_test(size=(100, 80)) as pilot:
        for pad_id in ("numpad", "secret"):
            pad = app.query_one(f"#{pad_id}")
            pad.focus()
            await pilot.pause()
            pad.post_message(events.Paste("1234"))
            await pilot.pause()
        assert all(app.query_one(f"#{name}", Input).value == "" for name in ("document", "code", "key", "confirmation"))


# -- size --------------------------------------------------------------------------


@pytest.mark.parametrize("pad_id", ["numpad", "keyboard", "secret"])
async def test_keys_are_at_least_three_lines_by_seven_columns_at_100x30(pad_id):
    app = Form()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        width, height = app.query_one(f"#{pad_id}")._key_size()
        assert width >= 7 and height >= 3
