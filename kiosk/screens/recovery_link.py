"""«¿Olvidó su contraseña?» by e-mailed link: the document, then an e-mail with
a temporary key and a single-use link."""

from __future__ import annotations

from datetime import timedelta

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from kiosk.core.errors import Refusal
from kiosk.core.members import MAX_DOCUMENT_LENGTH, validate_document
from kiosk.i18n import _
from kiosk.screens.base import StepScreen


class RecoveryLinkScreen(StepScreen):
    """«¿Olvidó su contraseña?»: the document, then an e-mail with a temporary
    key and a single-use link (the same screens whether or not it is a member's)."""

    def compose_step(self) -> ComposeResult:
        yield Static(self.text("text"), classes="lead")
        field = Input(id="document", max_length=MAX_DOCUMENT_LENGTH + 5)
        field.border_title = self.text("label")
        yield field
        with Horizontal(classes="actions"):
            yield Button(_("Regresar"), id="back")
            yield Button(self.text("button"), id="continue", variant="primary")

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.finish("back")

    @on(Input.Submitted, "#document")
    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        try:
            number = validate_document(self.query_one("#document", Input).value)
        except Refusal as refusal:
            self.show_message(refusal.message)
            return
        profile = self.runner.profile

        def send():
            identity = self.service.identify(number)
            self.service.send_recovery_link(
                identity,
                profile.setting("key_length"),
                timedelta(hours=self.step.param("link_hours", 24)),
                self.text("policy"),
            )
            return identity

        self.call_core(send, self._sent)

    def _sent(self, identity) -> None:
        self.context.identity = identity
        self.finish()
