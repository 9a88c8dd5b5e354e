"""A masked text field for keys: no paste, and copy or cut never expose its value.

Textual's password ``Input`` still copies its plain value on ctrl+c / ctrl+x
(OSC 52), so those actions are overridden here as well as paste.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class KeyField(Input):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("password", True)
        super().__init__(**kwargs)

    def action_copy(self) -> None:
        pass

    def action_cut(self) -> None:
        pass

    def action_paste(self) -> None:
        self.app.bell()

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.app.bell()


class PadKeyField(KeyField):
    """A key field only the scrambled keypad types into: a physical key that
    would type a character is refused (a keyboard's digits would undo the
    keypad's scrambling), as is paste.  Erasing and moving still work."""

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            event.stop()
            event.prevent_default()
            self.app.bell()
            return
        await super()._on_key(event)
