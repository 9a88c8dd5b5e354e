"""The idle timeout both consoles share: after ``idle_timeout`` seconds
without a key, a click or a touch, the app's ``end_idle_session`` ends the visit (the
kiosk) or the sign-in (the teller console).  «¿Sigue ahí?» warns first, with the
seconds left; a step waiting for a code keeps the visit for the code's life
(``keep_in_use_for``): a member reading it on the phone is not idle."""

from __future__ import annotations

import math
from time import monotonic
from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from kiosk.screens.idle_warning import IdleWarningScreen


class IdleWatch:
    """A mixin for a Textual ``App``: call ``watch_idle()`` once mounted."""

    idle_timeout: float
    # Seconds of «¿Sigue ahí?» before the timeout (a third of a short timeout).
    idle_warning: float = 20.0

    def watch_idle(self) -> None:
        self._touch()
        self._held_until = 0.0
        self._warning: IdleWarningScreen | None = None
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

    def keep_in_use_for(self, seconds: float) -> None:
        """Not idle for ``seconds`` from now, whatever the member does (a code's life)."""
        self._held_until = max(self._held_until, monotonic() + seconds)

    def _touch(self) -> None:
        self._last_activity = monotonic()

    def _check_idle(self) -> None:
        if not self.in_use():
            self._held_until = 0.0
            self._close_warning()
            return
        left = max(self._last_activity + self.idle_timeout, self._held_until) - monotonic()
        if left <= 0:
            self._close_warning()
            self._held_until = 0.0
            self.end_idle_session()
        elif left <= min(self.idle_warning, self.idle_timeout / 3):
            self._show_warning(left)
        else:  # a press since the warning came up
            self._close_warning()

    def _show_warning(self, left: float) -> None:
        if self._warning is not None:
            return
        from kiosk.screens.idle_warning import IdleWarningScreen

        self._warning = IdleWarningScreen(math.ceil(left))
        self.push_screen(self._warning, lambda _kept: self._warning_closed())  # type: ignore[attr-defined]

    def _warning_closed(self) -> None:
        self._warning = None
        self._touch()  # «Continuar»

    def _close_warning(self) -> None:
        warning, self._warning = self._warning, None
        if warning is not None and warning.is_attached and self.screen is warning:  # type: ignore[attr-defined]
            self.pop_screen()  # type: ignore[attr-defined]
