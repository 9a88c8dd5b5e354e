"""A message and one button: "Hemos enviado…", "¡Listo!".  With ``send``,
what it says was sent is sent as the step is entered, before it shows: a
refusal (too many sends) keeps the member on the step before, told why."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.core.outbox import SMS
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button

if TYPE_CHECKING:
    from kiosk.core.service import KioskService


class NoticeScreen(StepScreen):
    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        yield Static(id="notice", classes="lead")
        with Horizontal(classes="actions"):
            yield Button(self.text("button"), id="continue", variant="primary")

    @property
    def loads(self) -> bool:
        return bool(self.step.param("send"))

    def load(self, service: KioskService) -> None:
        if self.step.param("send") == "temporary_key":
            service.send_temporary_key(
                self.context.identity,
                self.sending_channel(),
                digits=self.step.param("code_digits"),
                lifetime=timedelta(minutes=self.step.param("code_minutes")),
            )
            self.context.temporary_key = True

    def fill_in(self) -> None:
        if self.loads:  # sent as the step was entered: the member reads it on the phone, not idle
            self.host.keep_in_use_for(self.step.param("code_minutes") * 60)
        # The text may say where the visit sent the key ({channel_phrase}).
        phrase = _("a su celular por SMS") if self.context.channel == SMS else _("al correo electrónico")
        self.query_one("#notice", Static).update(self.text("text", channel_phrase=phrase))

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self.finish()
