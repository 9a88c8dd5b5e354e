"""The user step: the member types the document number."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label

from kiosk.core.members import MAX_DOCUMENT_LENGTH, validate_document
from kiosk.core.errors import Refusal
from kiosk.screens.base import StepScreen


class DocumentScreen(StepScreen):
    def compose_step(self) -> ComposeResult:
        yield Label(self.text("label"), classes="field-label")
        # Long enough to type a mistake, so the mistake can be explained.
        yield Input(id="document", max_length=MAX_DOCUMENT_LENGTH + 5)
        with Horizontal(classes="actions"):
            if self.step.param("forgot_user"):
                yield Button(self.text("forgot_user"), id="forgot-user", classes="link")
            yield Button(self.text("button"), id="continue", variant="primary")


    @on(Input.Submitted, "#document")
    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        typed = self.query_one("#document", Input).value
        try:
            number = validate_document(typed)
        except Refusal as refusal:
            self.show_message(refusal.message)
            return
        self.call_core(lambda: self.service.identify(number), self._identified)

    def _identified(self, identity) -> None:
        self.context.identity = identity
        self.finish()

    @on(Button.Pressed, "#forgot-user")
    def _forgot_user(self) -> None:
        self.show_message(self.text("forgot_user_help"), kind="info")
