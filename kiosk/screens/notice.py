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
    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        yield Static(id="notice", classes="lead")
        with Horizontal(classes="actions"):
            yield Button(self.text("button"), id="continue", variant="primary")

    def fill_in(self) -> None:
        # The text may say where the visit sent the key ({channel_phrase}).
        phrase = _("a su celular por SMS") if self.context.channel == SMS else _("al correo electrónico")
        self.query_one("#notice", Static).update(self.text("text", channel_phrase=phrase))

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self.finish()
