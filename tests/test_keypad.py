"""The scrambled keypad and the key field, on their own."""

from __future__ import annotations

import random

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Button

from kiosk.widgets import KeyField, KeypadShuffler, ScrambledKeypad


class KeypadApp(App):
    def __init__(self, seed: int = 3) -> None:
        super().__init__()
        self.shuffler = KeypadShuffler(random.Random(seed))

    def compose(self) -> ComposeResult:
        yield ScrambledKeypad(self.shuffler, max_length=6, id="keypad")
        yield KeyField(id="field")


def digit_buttons(keypad: ScrambledKeypad) -> list[Button]:
    return list(keypad.query(".keypad-digit").results(Button))


def test_shuffler_never_repeats_the_previous_layout():
    # A generator that always deals the same order would make a naive shuffler repeat.
    class Stuck(random.Random):
        def __init__(self):
            super().__init__(0)
            self.calls = 0

        def shuffle(self, x):
            self.calls += 1
            if self.calls > 2:
                super().shuffle(x)

    shuffler = KeypadShuffler(Stuck())
    first = shuffler.next_layout()
    second = shuffler.next_layout()
    assert first != second
    assert sorted(first) == sorted(second) == list("0123456789")


async def test_layout_changes_every_time_it_is_shown():
    app = KeypadApp()
    async with app.run_test() as pilot:
        keypad = app.query_one(ScrambledKeypad)
        shown = [str(b.label) for b in digit_buttons(keypad)]
        assert sorted(shown) == list("0123456789")
        keypad.reshuffle()
        await pilot.pause()
        assert [str(b.label) for b in digit_buttons(keypad)] != shown


async def test_mouse_types_digits_and_borrar_limpiar_work():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        keypad = app.query_one(ScrambledKeypad)
        buttons = digit_buttons(keypad)
        for button in buttons[:3]:
            await pilot.click(button)
        assert keypad.value == "".join(str(b.label) for b in buttons[:3])
        assert "●●●○○○" in str(keypad.query_one(".keypad-display").render())
        await pilot.click(keypad.query_one(".keypad-erase"))
        assert keypad.value == "".join(str(b.label) for b in buttons[:2])
        await pilot.click(keypad.query_one(".keypad-clear"))
        assert keypad.value == ""


async def test_no_more_digits_than_the_key_length():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        keypad = app.query_one(ScrambledKeypad)
        first = digit_buttons(keypad)[0]
        for _ in range(9):
            await pilot.click(first)
        assert len(keypad.value) == 6


async def test_physical_digit_keys_never_type():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        keypad = app.query_one(ScrambledKeypad)
        digit_buttons(keypad)[0].focus()
        await pilot.press("1", "2", "3", "4")
        assert keypad.value == ""
        assert app.query_one("#field", KeyField).value == ""


async def test_arrow_keys_and_enter_type_the_focused_digit():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        keypad = app.query_one(ScrambledKeypad)
        cells = list(keypad.query(Button).results())
        cells[0].focus()
        await pilot.press("right", "enter")
        assert keypad.value == str(cells[1].label)
        await pilot.press("down", "enter")  # row 2, column 2
        assert keypad.value[-1] == str(cells[5].label)
        await pilot.press("left", "left", "enter")  # wraps round to the last column: Borrar
        assert keypad.value == str(cells[1].label)


async def test_paste_is_refused_by_keypad_and_key_field():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        keypad = app.query_one(ScrambledKeypad)
        field = app.query_one("#field", KeyField)
        keypad.post_message(events.Paste("123456"))
        field.focus()
        field.post_message(events.Paste("123456"))
        await pilot.pause()
        app.copy_to_clipboard("654321")
        await pilot.press("ctrl+v")
        assert keypad.value == ""
        assert field.value == ""


async def test_key_field_never_copies_or_cuts_its_value():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        field = app.query_one("#field", KeyField)
        field.focus()
        await pilot.press(*"8754")
        assert field.value == "8754"
        app.copy_to_clipboard("")
        await pilot.press("ctrl+a", "ctrl+c")
        await pilot.press("ctrl+a", "ctrl+x")
        assert app.clipboard == ""
        assert field.value == "8754"
