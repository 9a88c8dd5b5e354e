"""The scrambled on-screen numeric keypad.

Digits sit in a fresh random layout every time a keypad is shown, so a
shoulder-surfer or a smudge pattern learns nothing.  It is worked by mouse or
touch, or by arrow keys and Enter; the physical digit keys never type.
"""

from __future__ import annotations

import random

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.i18n import _

COLUMNS = 4
# Grid cells, row by row: the digits fill all but the ends of rows 2 and 3.
CELLS = ("d", "d", "d", "d", "d", "d", "d", "erase", "d", "d", "d", "clear")


class KeypadShuffler:
    """Deals keypad layouts; never the same layout twice in a row."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.SystemRandom()
        self._last: tuple[str, ...] | None = None

    def next_layout(self) -> tuple[str, ...]:
        digits = list("0123456789")
        while True:
            self._rng.shuffle(digits)
            layout = tuple(digits)
            if layout != self._last:
                self._last = layout
                return layout


class KeypadButton(Button):
    """A key that registers every tap: Textual's Button ignores a second click
    while its 0.2 s press effect shows, which would drop the second 1 of "11"."""

    async def _on_click(self, event: events.Click) -> None:
        event.stop()
        self.press()


class ScrambledKeypad(Widget, can_focus=False):
    # The structure lives with the widget; colours come from the app's kiosk.tcss.
    DEFAULT_CSS = """
    ScrambledKeypad { height: auto; width: auto; }
    ScrambledKeypad .keypad-display {
        width: 43; content-align: center middle; text-style: bold;
        border: round $primary;
    }
    ScrambledKeypad .keypad-grid {
        grid-size: 4 3; grid-gutter: 0 1; grid-columns: 10; grid-rows: 3;
        width: 43; height: 9;
    }
    ScrambledKeypad .keypad-grid Button { width: 100%; min-width: 6; text-style: bold; }
    """
    BINDINGS = [
        Binding("up", "move(-1, 0)", show=False),
        Binding("down", "move(1, 0)", show=False),
        Binding("left", "move(0, -1)", show=False),
        Binding("right", "move(0, 1)", show=False),
    ]

    class Changed(Message):
        """The number of digits typed changed (the digits themselves stay inside)."""

        def __init__(self, keypad: ScrambledKeypad, length: int) -> None:
            super().__init__()
            self.keypad = keypad
            self.length = length

        @property
        def control(self) -> ScrambledKeypad:
            return self.keypad

    length: reactive[int] = reactive(0)

    def __init__(self, shuffler: KeypadShuffler, max_length: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shuffler = shuffler
        self.max_length = max_length
        self._digits: list[str] = []
        self.digit_layout = shuffler.next_layout()

    @property
    def value(self) -> str:
        return "".join(self._digits)

    def compose(self) -> ComposeResult:
        yield Static(self._display_text(), classes="keypad-display")
        with Grid(classes="keypad-grid"):
            digit_index = 0
            for cell, kind in enumerate(CELLS):
                if kind == "d":
                    yield KeypadButton(self.digit_layout[digit_index], id=f"cell-{cell}", classes="keypad-digit")
                    digit_index += 1
                elif kind == "erase":
                    yield KeypadButton(_("Borrar"), id=f"cell-{cell}", classes="keypad-erase")
                else:
                    yield KeypadButton(_("Limpiar"), id=f"cell-{cell}", classes="keypad-clear")

    def _display_text(self) -> str:
        typed = "●" * len(self._digits)
        return typed + "○" * (self.max_length - len(self._digits))

    def _digit_buttons(self) -> list[Button]:
        return list(self.query(".keypad-digit").results(Button))

    def reshuffle(self) -> None:
        self.digit_layout = self._shuffler.next_layout()
        for button, digit in zip(self._digit_buttons(), self.digit_layout):
            button.label = digit

    def clear(self) -> None:
        self._digits.clear()
        self._refresh_value()

    def start_over(self) -> None:
        """Empty, in a new layout, with the first key focused: ready for the next try."""
        self.clear()
        self.reshuffle()
        self.query(Button).first().focus()

    def _refresh_value(self) -> None:
        self.length = len(self._digits)
        self.query_one(".keypad-display", Static).update(self._display_text())
        self.post_message(self.Changed(self, self.length))

    @on(Button.Pressed, ".keypad-digit")
    def _digit(self, event: Button.Pressed) -> None:
        event.stop()
        if len(self._digits) < self.max_length:
            self._digits.append(str(event.button.label))
            self._refresh_value()

    @on(Button.Pressed, ".keypad-erase")
    def _erase(self, event: Button.Pressed) -> None:
        event.stop()
        if self._digits:
            self._digits.pop()
            self._refresh_value()

    @on(Button.Pressed, ".keypad-clear")
    def _clear(self, event: Button.Pressed) -> None:
        event.stop()
        self.clear()

    def action_move(self, rows: int, columns: int) -> None:
        focused = self.screen.focused
        buttons = list(self.query(Button).results())
        if focused not in buttons:
            buttons[0].focus()
            return
        index = buttons.index(focused)
        row, column = divmod(index, COLUMNS)
        row = (row + rows) % (len(buttons) // COLUMNS)
        column = (column + columns) % COLUMNS
        buttons[row * COLUMNS + column].focus()

    def on_key(self, event: events.Key) -> None:
        # The physical digit keys must not type (nor reach anything else).
        if event.character and event.character.isdigit():
            event.stop()
            event.prevent_default()

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
