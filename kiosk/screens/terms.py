"""Terms and conditions: «Acepto» comes before anything else."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.screens.base import StepScreen
from kiosk.widgets import Button


class TermsScreen(StepScreen):
    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        yield Static(self.text("text"), id="terms", classes="panel")
        with Horizontal(classes="actions"):
            yield Button(self.text("button"), id="accept", variant="primary")

    @on(Button.Pressed, "#accept")
    def _accept(self) -> None:
        self.finish()
