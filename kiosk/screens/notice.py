"""A message and one button: "Hemos enviado…", "¡Listo!"."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.core.outbox import SMS
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button


class NoticeScreen(StepScreen):
    def compose_step(self) -> ComposeResult:
        phrase = _("a su celular por SMS") if self.context.channel == SMS else _("al correo electrónico")
        yield Static(self.text("text", channel_phrase=phrase), classes="lead")
        with Horizontal(classes="actions"):
            yield Button(self.text("button"), id="continue", variant="primary")


    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self.finish()
