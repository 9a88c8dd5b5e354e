"""The code sent by SMS that confirms a pending key change.  The code is sent
when this screen opens, and again (throttled) on «Reenviar código»."""

from __future__ import annotations

from datetime import timedelta

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import KeyField


class CodeEntryScreen(StepScreen):
    def compose_step(self) -> ComposeResult:
        mobile = self.service.contacts(self.context.identity).mobile or ""
        yield Static(self.text("text", mobile=mobile), classes="lead")
        code = KeyField(id="code", max_length=self.step.param("code_digits", 6), password=False)
        code.border_title = _("Código")
        yield code
        with Horizontal(classes="actions"):
            yield Button(_("Reenviar código"), id="resend", classes="link")
            yield Button(_("Continuar"), id="continue", variant="primary")

    def on_mount(self) -> None:
        self._send()

    def _send(self) -> None:
        pending = self.context.pending
        self.call_core(
            lambda: self.service.send_confirmation_code(
                self.context.identity,
                pending.purpose,
                digits=self.step.param("code_digits", 6),
                lifetime=timedelta(minutes=self.step.param("code_minutes", 5)),
            ),
            lambda _result: None,
        )

    @on(Button.Pressed, "#resend")
    def _resend(self) -> None:
        self._send()

    @on(Button.Pressed, "#continue")
    @on(Input.Submitted, "#code")
    def _continue(self) -> None:
        field = self.query_one("#code", KeyField)
        code, field.value = field.value.strip(), ""
        if not code:
            self.show_message(_("Escriba el código que recibió."))
            return
        self.call_core(lambda: self.service.confirm_change(self.context.pending, code), self._confirmed)

    def _confirmed(self, proof) -> None:
        self.context.proof = proof
        self.context.pending = None
        self.finish()
