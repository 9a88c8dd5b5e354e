"""The idle timeout both consoles share: after ``idle_timeout`` seconds
without a key, a click or a touch, the app's ``end_idle_session`` ends the visit (the
kiosk) or the sign-in (the teller console)."""

from __future__ import annotations

from time import monotonic

from textual import events


class IdleWatch:
    """A mixin for a Textual ``App``: call ``watch_idle()`` once mounted."""

    idle_timeout: float

    def watch_idle(self) -> None:
        self._touch()
        # A cheap periodic check of one timestamp, rather than a timer rebuilt on every mouse move.
        self.set_interval(min(1.0, self.idle_timeout / 5), self._check_idle)  # type: ignore[attr-defined]

    def in_use(self) -> bool:
        """Whether there is anything for a timeout to end."""
        raise NotImplementedError

    def end_idle_session(self) -> None:
        # (Not ``on_idle``: that name is Textual's handler for its own Idle event.)
        raise NotImplementedError

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self._touch()
        await super().on_event(event)  # type: ignore[misc]

    def on_button_pressed(self) -> None:
        # Pilot clicks and touch presses reach buttons without an app-level input event.
        self._touch()

    def _touch(self) -> None:
        self._last_activity = monotonic()

    def _check_idle(self) -> None:
        if self.in_use() and monotonic() - self._last_activity >= self.idle_timeout:
            self.end_idle_session()
