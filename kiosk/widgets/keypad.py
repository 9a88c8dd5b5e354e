"""The scrambled on-screen numeric keypad.

Digits sit in a fresh random layout every time a keypad is shown, so a
shoulder-surfer or a smudge pattern learns nothing.  It is worked by mouse or
touch, or by arrow keys and Enter; the physical digit keys never type.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on

from kiosk.i18n import _
from kiosk.widgets.key_grid import KeyGrid
from kiosk.widgets.keypad_layout import KeypadShuffler

COLUMNS = 4
# Grid cells, row by row: the digits fill all but the ends of rows 2 and 3.
CELLS = ("d", "d", "d", "d", "d", "d", "d", "erase", "d", "d", "d", "clear")


class ScrambledKeypad(KeyGrid):
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

    def __init__(self, shuffler: KeypadShuffler, max_length: int, **kwargs) -> None:
        self._shuffler = shuffler
        self.max_length = max_length
        self._digits: list[str] = []
        super().__init__(self._key_labels(), columns=COLUMNS, **kwargs)
        self._show_dots()

    @property
    def value(self) -> str:
        return "".join(self._digits)

    def _key_labels(self) -> list[str | Text]:
        """The keys' labels, the digits in a fresh layout."""
        digits = iter(self._shuffler.next_layout())
        words = {"erase": _("Borrar"), "clear": _("Limpiar")}
        return [next(digits) if kind == "d" else Text(words[kind], style="not bold") for kind in CELLS]

    def key_index(self, digit: str) -> int:
        """Where ``digit`` sits in the current layout (what a tap must hit)."""
        return self.labels.index(digit)

    def _show_dots(self) -> None:
        """One dot per digit on the frame, filled as it is typed: spaced, to be counted at a glance."""
        dots = "●" * len(self._digits) + "○" * (self.max_length - len(self._digits))
        self.border_title = f" {' '.join(dots)} "

    def reshuffle(self) -> None:
        self.labels = self._key_labels()

    def clear(self) -> None:
        self._digits.clear()
        self._show_dots()

    def start_over(self) -> None:
        """Empty, in a new layout, with the first key highlighted: ready for the next try."""
        self.clear()
        self.reshuffle()
        self.cursor = 0
        self.focus()

    @on(KeyGrid.Pressed)
    def _key(self, event: KeyGrid.Pressed) -> None:
        event.stop()
        kind = CELLS[event.index]
        if kind == "d":
            if len(self._digits) < self.max_length:
                self._digits.append(self.labels[event.index])
                self._show_dots()
        elif kind == "erase":
            if self._digits:
                self._digits.pop()
                self._show_dots()
        else:
            self.clear()

    def on_key(self, event: events.Key) -> None:
        # The physical digit keys must not type (nor reach anything else).
        if event.character and event.character.isdigit():
            event.stop()
            event.prevent_default()

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
