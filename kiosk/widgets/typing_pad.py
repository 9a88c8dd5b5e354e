"""An on-screen pad that types into a text field: the numeric pad, the
keyboard and the scrambled keypad are each one of these.

A pad names the fields it types into (their ids); it types into the one the
member last focused (or the first), so a screen with a document and a code,
or a key and its confirmation, needs one pad.  Tapping a key moves the focus
to the pad, and the field it types into stays the same.  Each key either
types its text or does one of the pad's actions (``erase``, ``clear``, or one
the subclass adds).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Input

from kiosk.widgets.key_grid import KeyGrid

ERASE, CLEAR = "erase", "clear"


class TypingPad(KeyGrid):
    """A key grid whose keys type into one of ``targets`` (field ids)."""

    def __init__(self, labels: Sequence[str | Text], columns: int, targets: Sequence[str] = (), **kwargs) -> None:
        super().__init__(labels, columns, **kwargs)
        self.targets = tuple(targets)
        self._target_id: str | None = self.targets[0] if self.targets else None
        # Sharing its place with other pads (see kiosk.widgets.touch): shown
        # while one of its fields is the one being typed into.
        self.shares_place = False

    def on_mount(self) -> None:
        if self.targets:
            self.watch(self.screen, "focused", self._focus_moved, init=False)

    def _focus_moved(self, focused: Widget | None) -> None:
        if focused is None:
            return
        if focused.id in self.targets:
            if focused.id != self._target_id or not self.display:
                self._target_id = focused.id
                self.display = True
                self.target_changed()
        elif self.shares_place and any(
            focused.id in pad.targets for pad in self.screen.query(TypingPad) if pad is not self
        ):
            self.display = False

    def target_changed(self) -> None:
        """The pad now types into another field."""

    @property
    def target(self) -> Input | None:
        if self._target_id is None:
            return None
        found = self.screen.query(f"#{self._target_id}").results(Input)
        return next(iter(found), None)

    def key_action(self, index: int) -> str:
        """What key ``index`` does: the text it types, or an action's name (subclasses)."""
        raise NotImplementedError

    @on(KeyGrid.Pressed)
    def _pressed(self, event: KeyGrid.Pressed) -> None:
        if event.grid is not self:
            return
        event.stop()
        self.do(self.key_action(event.index))

    def do(self, action: str) -> None:
        field = self.target
        if field is None:
            return
        if action == ERASE:
            field.action_delete_left()
        elif action == CLEAR:
            field.value = ""
        else:
            self.type_text(field, action)
        self.typed(field)

    def type_text(self, field: Input, text: str) -> None:
        if field.max_length and len(field.value) + len(text) > field.max_length:
            self.app.bell()  # full: as a physical keyboard would be refused
            return
        field.insert_text_at_cursor(text)

    def typed(self, field: Input) -> None:
        """After each key (the scrambled keypad counts what is typed)."""
