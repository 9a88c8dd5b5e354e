"""One-form login: document type, number and key, with the recovery link."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from kiosk.core.errors import Refusal
from kiosk.core.members import validate_document
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import DocumentInput, KeyField


class LoginFormScreen(StepScreen):
    def compose_step(self) -> ComposeResult:
        if self.step.param("notice"):
            yield Static(self.text("notice"), classes="hint")
        yield Static(self.text("text"), classes="lead")
        yield DocumentInput(self.runner.profile.setting("document_types"), id="who")
        key = KeyField(id="key", max_length=self.runner.profile.setting("key_length"))
        key.border_title = self.text("key_label")
        yield key
        with Horizontal(classes="actions"):
            yield Button(self.text("forgot"), id="forgot", classes="link")
            yield Button(_("Continuar"), id="continue", variant="primary")
        if self.step.param("help"):
            yield Static(self.text("help"), classes="hint")

    @on(Button.Pressed, "#forgot")
    def _forgot(self) -> None:
        self.finish("forgot")

    @on(Button.Pressed, "#continue")
    @on(Input.Submitted, "#key")
    def _continue(self) -> None:
        who = self.query_one("#who", DocumentInput)
        key = self.query_one("#key", KeyField)
        secret, key.value = key.value, ""
        try:
            number = validate_document(who.number)
        except Refusal as refusal:
            self.show_message(refusal.message)
            return
        if not secret:
            self.show_message(_("Escriba su clave."))
            return
        profile = self.runner.profile

        def log_in():
            identity = self.service.identify(number, who.document_type)
            return identity, self.service.login(
                identity, secret, max_failed_tries=profile.setting("max_failed_tries", 3)
            )

        self.call_core(log_in, self._logged_in)

    def _logged_in(self, result) -> None:
        identity, login = result
        self.context.identity = identity
        self.context.proof = login.proof
        self.finish(login.status)
