"""Following the e-mailed link at the kiosk: the member types (or scans) the
link's code, which names the member and opens the key change."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from kiosk.core.errors import Refusal
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button, DocumentInput, KeyField
from kiosk.widgets.pad_row import KeyboardRow
from kiosk.widgets.touch import touch_pads


class LinkTokenScreen(StepScreen):
    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        yield Static(self.text("text"), classes="lead")
        # The code opens the key change: as secret as a code, so it refuses paste too.
        field = KeyField(id="token", max_length=200, password=False, placeholder="XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        field.border_title = _("Código del enlace")
        yield field
        confirm = self.step.param("confirm_identity")
        if confirm:
            yield DocumentInput(self.runner.profile.setting("document_types"), id="who")
        # Letters and digits: the keyboard (its digits row types the document too).
        with KeyboardRow():
            yield from touch_pads(text=["token", "document"] if confirm else ["token"])
            with Horizontal(classes="actions"):
                yield Button(_("Continuar"), id="continue", variant="primary")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        token = self.query_one("#token", Input).value
        if not token.strip():
            self.refuse(Refusal("token_empty", _("Escriba el código del enlace que le enviamos por correo.")))
            return
        if self.step.param("confirm_identity"):
            who = self.query_one("#who", DocumentInput)
            kind, number = who.document_type, who.number
            self.call_core(lambda: self.service.follow_link(token, kind, number), self._followed)
            return
        self.call_core(lambda: self.service.open_link(token), self._opened)

    def _opened(self, result) -> None:
        self.context.identity, self.context.proof = result
        self.finish()

    def _followed(self, identity) -> None:
        self.context.identity = identity
        self.finish()

