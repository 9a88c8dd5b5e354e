"""«Contraseña cambiada correctamente»: the system-generated temporary key,
shown (as the institution's procedure does) and e-mailed, on a screen that
closes by itself when its countdown ends."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.screens.base import StepScreen
from kiosk.widgets import Button
from kiosk.widgets.countdown import Countdown


class ShownKeyScreen(StepScreen):
    def compose_step(self) -> ComposeResult:
        # Taken out of the visit's memory: from now on only this screen holds it.
        key, self.context.shown_key = self.context.shown_key, None
        yield Static(self.text("text"), classes="lead")
        yield Static(key or "", id="shown-key")
        yield Static(self.text("hint"), classes="hint")
        yield Countdown(self.step.param("seconds", 11), id="countdown")
        with Horizontal(classes="actions"):
            yield Button(self.text("button"), id="continue", variant="primary")

    @on(Countdown.Finished)
    @on(Button.Pressed, "#continue")
    def _leave(self) -> None:
        self.finish()
