"""The scrambled on-screen numeric keypad.

Digits sit in a fresh random layout every time a keypad is shown, so a
shoulder-surfer or a smudge pattern learns nothing.  It is worked by mouse or
touch, or by arrow keys and Enter; the physical digit keys never type.

It keeps what is typed itself, or (given ``targets``) types into the key
field the member chose, a masked field no physical key types into
(``PadKeyField``): one keypad for a key and its confirmation, laid out anew
each time it moves to another field.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events

from kiosk.i18n import _
from kiosk.widgets.keypad_layout import KeypadShuffler
from kiosk.widgets.typing_pad import CLEAR, ERASE, TypingPad

COLUMNS = 4
# Grid cells, row by row: the digits fill all but the ends of rows 2 and 3.
CELLS = ("d", "d", "d", "d", "d", "d", "d", ERASE, "d", "d", "d", CLEAR)


class ScrambledKeypad(TypingPad):
    """The digits in a fresh layout, Borrar and Limpiar, framed, with a row of
    dots on the frame showing how many digits are typed (never which).  One
    widget, like the grid it is: see kiosk.widgets.key_grid."""

    # The keys' colours are KeyGrid's; Screen.-wide sizes it larger (steps.tcss).
    DEFAULT_CSS = """
    ScrambledKeypad {
        width: 47; height: 11; padding: 0 1;
        border: round $primary;
        border-title-align: center; border-title-color: $text; border-title-style: bold;
    }
    """

    def __init__(
        self, shuffler: KeypadShuffler, max_length: int, targets: Sequence[str] = (), **kwargs
    ) -> None:
        self._shuffler = shuffler
        self.max_length = max_length
        self._digits: list[str] = []
        super().__init__(self._key_labels(), columns=COLUMNS, targets=targets, **kwargs)
        self._show_dots()

    @property
    def value(self) -> str:
        if self.targets:
            field = self.target if self.is_mounted else None
            return field.value if field is not None else ""
        return "".join(self._digits)

    def _key_labels(self) -> list[str | Text]:
        """The keys' labels, the digits in a fresh layout."""
        digits = iter(self._shuffler.next_layout())
        words = {ERASE: _("Borrar"), CLEAR: _("Limpiar")}
        return [next(digits) if kind == "d" else Text(words[kind], style="not bold") for kind in CELLS]

    def key_index(self, digit: str) -> int:
        """Where ``digit`` sits in the current layout (what a tap must hit)."""
        return self.labels.index(digit)

    def _show_dots(self) -> None:
        """One dot per digit on the frame, filled as it is typed: spaced, to be counted at a glance.
        (Typing into a key field, the field shows them.)"""
        if self.targets:
            return
        dots = "●" * len(self._digits) + "○" * (self.max_length - len(self._digits))
        self.border_title = f" {' '.join(dots)} "

    def reshuffle(self) -> None:
        self.labels = self._key_labels()

    def clear(self) -> None:
        self._digits.clear()
        if self.targets and self.is_mounted and (field := self.target) is not None:
            field.value = ""
        self._show_dots()

    def start_over(self) -> None:
        """Empty, in a new layout, with the first key highlighted: ready for the next try."""
        self.clear()
        self.reshuffle()
        self.cursor = 0
        self.focus()

    def key_action(self, index: int) -> str:
        kind = CELLS[index]
        return str(self.labels[index]) if kind == "d" else kind

    def do(self, action: str) -> None:
        if self.targets:
            super().do(action)  # into the chosen key field; typed() counts it
            return
        if action == ERASE:
            if self._digits:
                self._digits.pop()
        elif action == CLEAR:
            self._digits.clear()
        elif len(self._digits) < self.max_length:
            self._digits.append(action)
        self._show_dots()

    def target_changed(self) -> None:
        # Another field: a fresh layout, so two fields never share one.
        self.reshuffle()

    def on_key(self, event: events.Key) -> None:
        # The physical digit keys must not type (nor reach anything else).
        if event.character and event.character.isdigit():
            event.stop()
            event.prevent_default()

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
