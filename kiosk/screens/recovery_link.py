"""«¿Olvidó su contraseña?» by e-mailed link: the document, then an e-mail with
a temporary key and a single-use link."""

from __future__ import annotations

from datetime import timedelta

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button, DocumentInput
from kiosk.widgets.touch import touch_pads


class RecoveryLinkScreen(StepScreen):
    """«¿Olvidó su contraseña?»: the document, then an e-mail with a temporary
    key and a single-use link (the same screens whether or not it is a member's)."""

    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        yield Static(self.text("text"), classes="lead")
        with Horizontal(classes="touch-row"):
            yield DocumentInput(
                self.runner.profile.setting("document_types"), number_label=self.text("label") or None, id="who"
            )
            yield from touch_pads(digits=["document"])
        with Horizontal(classes="actions"):
            yield Button(_("Regresar"), id="back")
            yield Button(self.text("button"), id="continue", variant="primary")

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.finish("back")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        document = self.typed_document()
        if document is None:
            return
        kind, number = document
        profile = self.runner.profile
        eligible = profile.setting("eligible_products")

        def send():
            identity = self.service.identify(number, kind)
            self.service.send_recovery_link(
                identity,
                profile.setting("key_length"),
                timedelta(hours=self.step.param("link_hours", 24)),
                self.text("policy"),
                with_temporary_key=self.step.param("with_temporary_key", True),
                eligible_products=eligible or None,
                email_text=self.text("email_text"),
                email_subject=self.text("email_subject"),
            )
            return identity

        self.call_core(send, self._sent)

    def _sent(self, identity) -> None:
        self.context.identity = identity
        self.finish()
