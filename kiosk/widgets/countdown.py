"""A visible countdown that reports when it reaches zero.

It ticks once a second from a Textual timer; tests (and snapshots) stop the
timer with ``pause()`` and drive it with ``tick()``, so no test sleeps.
"""

from __future__ import annotations

from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from kiosk.i18n import _, seconds_text


class Countdown(Static):
    class Finished(Message):
        pass

    remaining: reactive[int] = reactive(0)

    def __init__(self, seconds: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_reactive(Countdown.remaining, seconds)
        self._timer = None

    def on_mount(self) -> None:
        self._timer = self.set_interval(1.0, self.tick)

    def pause(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def tick(self) -> None:
        if self.remaining <= 0:
            return
        self.remaining -= 1
        if self.remaining == 0:
            self.pause()
            self.post_message(self.Finished())

    def render(self) -> str:
        return _("Esta página se cerrará automáticamente en: {seconds}").format(seconds=seconds_text(self.remaining))
