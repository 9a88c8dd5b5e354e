"""The on-screen keyboard with the form's buttons beside it where the card is
wide enough (the keyboard leaves empty columns at its right from 100 columns
up), below it where it is not: a form with a keyboard loses no rows to its buttons."""

from __future__ import annotations

from textual import events
from textual.containers import Container

# The keyboard's width beside the buttons, and the buttons column's.
KEYBOARD_WIDTH = 79  # ten keys of 7 and their gaps: what it draws of its max-width 81
BUTTONS_WIDTH = 15


class KeyboardRow(Container):
    DEFAULT_CSS = """
    KeyboardRow { height: auto; layout: vertical; }
    KeyboardRow.-beside { layout: horizontal; }
    KeyboardRow.-beside > OnScreenKeyboard { width: 79; }
    KeyboardRow.-beside > .actions { width: 1fr; height: 100%; align-vertical: bottom; margin: 0; }
    """

    def on_resize(self, event: events.Resize) -> None:
        # Its width is the card's whatever it holds: the class cannot make it resize again.
        self.set_class(event.size.width >= KEYBOARD_WIDTH + BUTTONS_WIDTH, "-beside")
