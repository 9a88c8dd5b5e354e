"""The user step: the member types the document number.  Optionally the field
refuses paste and never copies (Cootrasena), and the step offers «¿Olvidó su
contraseña?» and the institution's notes."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from kiosk.core.errors import Refusal
from kiosk.core.members import MAX_DOCUMENT_LENGTH, validate_document
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button, KeyField
from kiosk.widgets.touch import touch_pads


def notes(screen: StepScreen) -> ComposeResult:
    """The step's ``notes``: short texts under the form (security, terms)."""
    for note in screen.step.param("notes", []):
        yield Static(_(note), classes="note")


class DocumentScreen(StepScreen):
    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        yield Label(self.text("label"), classes="field-label")
        # Long enough to type a mistake, so the mistake can be explained.
        length = MAX_DOCUMENT_LENGTH + 5
        with Horizontal(classes="touch-row"):
            if self.step.param("no_paste"):
                yield KeyField(id="document", max_length=length, password=False)
            else:
                yield Input(id="document", max_length=length)
            yield from touch_pads(digits=["document"])
        with Horizontal(classes="actions"):
            if self.step.param("forgot_user"):
                yield Button(self.text("forgot_user"), id="forgot-user", classes="link")
            if self.step.param("forgot"):
                yield Button(self.text("forgot"), id="forgot", classes="link")
            yield Button(self.text("button"), id="continue", variant="primary")
        yield from notes(self)

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        typed = self.query_one("#document", Input).value
        try:
            number = validate_document(typed)
        except Refusal as refusal:
            self.refuse(refusal)
            return
        self.call_core(lambda: self.service.identify(number), self._identified)

    def _identified(self, identity) -> None:
        self.context.identity = identity
        self.finish()

    @on(Button.Pressed, "#forgot-user")
    def _forgot_user(self) -> None:
        self.show_message(self.text("forgot_user_help"), kind="info")

    @on(Button.Pressed, "#forgot")
    def _forgot(self) -> None:
        self.finish("forgot")
