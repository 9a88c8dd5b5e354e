"""The scrambled keypad and the key field, on their own."""

from __future__ import annotations

import random

from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Offset

from kiosk.widgets import KeyField, KeypadShuffler, ScrambledKeypad, SecurityImagePicker
from kiosk.widgets.key_grid import PRESS_FLASH, KeyGrid
from kiosk.widgets.keypad import CELLS
from tests.helpers import tap_key


class KeypadApp(App):
    def __init__(self, seed: int = 3) -> None:
        super().__init__()
        self.shuffler = KeypadShuffler(random.Random(seed))

    def compose(self) -> ComposeResult:
        yield ScrambledKeypad(self.shuffler, max_length=6, id="keypad")
        yield KeyField(id="field")


def shown_digits(keypad: ScrambledKeypad) -> list[str]:
    """The digits as the member sees them, row by row."""
    return [label for label, kind in zip(keypad.labels, CELLS) if kind == "d"]


async def tap(pilot, keypad: ScrambledKeypad, label: str) -> None:
    await tap_key(pilot, keypad, [str(key) for key in keypad.labels].index(label))


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
        shown = shown_digits(keypad)
        assert sorted(shown) == list("0123456789")
        assert "".join(shown[:4]) in keypad.render_line(1).text.replace(" ", "")
        keypad.reshuffle()
        await pilot.pause()
        assert shown_digits(keypad) != shown
        assert "".join(shown_digits(keypad)[:4]) in keypad.render_line(1).text.replace(" ", "")


async def test_mouse_types_digits_and_borrar_limpiar_work():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        keypad = app.query_one(ScrambledKeypad)
        digits = shown_digits(keypad)
        for digit in digits[:3]:
            await tap(pilot, keypad, digit)
        assert keypad.value == "".join(digits[:3])
        assert str(keypad.border_title).split() == ["●"] * 3 + ["○"] * 3
        await tap(pilot, keypad, "Borrar")
        assert keypad.value == "".join(digits[:2])
        await tap(pilot, keypad, "Limpiar")
        assert keypad.value == ""


async def test_no_more_digits_than_the_key_length():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        keypad = app.query_one(ScrambledKeypad)
        first = shown_digits(keypad)[0]
        for _ in range(9):
            await tap(pilot, keypad, first)
        assert keypad.value == first * 6


async def test_physical_digit_keys_never_type():
    reached: list[str] = []

    class Listening(KeypadApp):
        def on_key(self, event: events.Key) -> None:  # what the keypad lets through
            reached.append(event.key)

    app = Listening()
    async with app.run_test(size=(80, 30)) as pilot:
        keypad = app.query_one(ScrambledKeypad)
        keypad.focus()
        await pilot.press("1", "2", "3", "4", "x")
        assert keypad.value == ""
        assert app.query_one("#field", KeyField).value == ""
        assert reached == ["x"]  # the digits stopped at the keypad; other keys go on


async def test_arrow_keys_and_enter_type_the_focused_digit():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        keypad = app.query_one(ScrambledKeypad)
        cells = [str(label) for label in keypad.labels]
        keypad.focus()
        await pilot.press("right", "enter")
        assert keypad.value == cells[1]
        await pilot.press("down", "space")  # row 2, column 2
        assert keypad.value[-1] == cells[5]
        await pilot.press("left", "left", "enter")  # wraps round to the last column: Borrar
        assert keypad.value == cells[1]


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


async def test_a_tap_between_keys_types_nothing():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        keypad = app.query_one(ScrambledKeypad)
        gap = Offset(10, 1)  # the keys are 10 cells wide, with a 1-cell gap between them
        assert keypad.key_at(gap) is None
        top, _right, _bottom, left = keypad.styles.gutter  # the keypad's frame
        await pilot.click(keypad, offset=gap + Offset(left, top))
        await pilot.click(keypad, offset=Offset(1, 1))  # the frame and padding, left of the first key
        assert keypad.value == ""
        await pilot.click(keypad, offset=keypad.key_offset(0))  # control: a key does type
        assert len(keypad.value) == 1


async def test_the_key_under_the_cursor_is_drawn_highlighted_and_a_pressed_key_lights_up():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        grid = app.query_one(ScrambledKeypad)
        app.query_one(KeyField).focus()
        await pilot.pause()
        plain = grid.render_line(1)
        grid.focus()
        await pilot.pause()
        highlighted = grid.render_line(1)
        assert highlighted.text == plain.text and highlighted != plain
        await pilot.press("right")
        assert grid.cursor == 1
        # The flash is checked in the same tick as the press: a busy machine may take
        # longer than the flash between two Pilot steps.
        grid.press(2)
        lit = grid.render_line(1)
        assert grid.pressed == 2 and grid.cursor == 2
        await pilot.pause(PRESS_FLASH * 2)
        assert grid.pressed is None and grid.cursor == 2
        assert grid.render_line(1) != lit  # the same keys, the press no longer drawn


class PickerApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[str] = []

    def compose(self) -> ComposeResult:
        yield SecurityImagePicker(id="picker")

    def on_security_image_picker_selected(self, message: SecurityImagePicker.Selected) -> None:
        self.chosen.append(message.image)


async def test_image_picker_marks_the_chosen_picture():
    app = PickerApp()
    async with app.run_test(size=(80, 30)) as pilot:
        picker = app.query_one(SecurityImagePicker)
        await tap_key(pilot, picker, picker.image_index("pez"))
        await pilot.pause()
        assert picker.chosen == "pez" and app.chosen == ["pez"]
        assert isinstance(picker, KeyGrid) and "Pez" in picker.render_line(7).text


async def test_the_keys_are_drawn_again_in_a_new_theme():
    app = KeypadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        keypad = app.query_one(ScrambledKeypad)
        dark = keypad.render_line(1)
        app.theme = "textual-light"
        await pilot.pause()
        light = keypad.render_line(1)
        assert light.text == dark.text and light != dark
