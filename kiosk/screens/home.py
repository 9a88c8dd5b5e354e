"""What the screens a kiosk rests on between visits share (the welcome
screen, the demo operator's start screen)."""

from __future__ import annotations

from textual import events
from textual.screen import Screen

from kiosk.host import KioskHost, kiosk_host


class HomeScreen(Screen):
    """Made with the terminal's width class (``KioskApp.home``), and not
    restyled as a whole when it is first shown: it was just composed and
    styled, and styling every widget again would only delay the first screen
    a member or an operator sees.  Shown again later (after a visit, a
    dialog), whether to restyle it is Textual's call, as usual."""

    def __init__(self) -> None:
        super().__init__()
        self._shown_before = False

    @property
    def host(self) -> KioskHost:
        return kiosk_host(self)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Textual's own handler, which reads refresh_styles.
        if not self._shown_before:
            self._shown_before = True
            event.refresh_styles = False
