"""Following the e-mailed link at the kiosk: the member types (or scans) the
link's code, which names the member and opens the key change."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from kiosk.i18n import _
from kiosk.screens.base import StepScreen


class LinkTokenScreen(StepScreen):
    def compose_step(self) -> ComposeResult:
        yield Static(self.text("text"), classes="lead")
        field = Input(id="token", max_length=200, placeholder="XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        field.border_title = _("Código del enlace")
        yield field
        with Horizontal(classes="actions"):
            yield Button(_("Continuar"), id="continue", variant="primary")

    @on(Input.Submitted, "#token")
    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        token = self.query_one("#token", Input).value
        if not token.strip():
            self.show_message(_("Escriba el código del enlace que le enviamos por correo."))
            return
        self.call_core(lambda: self.service.open_link(token), self._opened)

    def _opened(self, result) -> None:
        self.context.identity, self.context.proof = result
        self.finish()

