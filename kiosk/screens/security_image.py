"""Security image and phrase, shown back to the member at every login."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from kiosk.core.service import MAX_PHRASE_LENGTH
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button, SecurityImagePicker


class SecurityImageScreen(StepScreen):
    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        with Horizontal(classes="split"):
            with Vertical(classes="picker-column"):
                yield Label(_("Imagen de Seguridad"), classes="field-label")
                yield SecurityImagePicker(id="picker")
            with Vertical(classes="phrase-column"):
                yield Static(self.text("text"), classes="lead")
                yield Label(_("Frase de Seguridad"), classes="field-label")
                yield Input(id="phrase", max_length=MAX_PHRASE_LENGTH)
                with Horizontal(classes="actions"):
                    yield Button(_("Continuar"), id="continue", variant="primary")

    @on(Button.Pressed, "#continue")
    @on(Input.Submitted, "#phrase")
    def _continue(self) -> None:
        image = self.query_one("#picker", SecurityImagePicker).chosen
        phrase = self.query_one("#phrase", Input).value
        self.call_core(
            lambda: self.service.set_security_image(self.context.proof, image or "", phrase),
            lambda _result: self.finish(),
        )
