"""Security image and phrase, shown back to the member at every login."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from kiosk.core.service import MAX_PHRASE_LENGTH, checked_security_choice
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button, SecurityImagePicker
from kiosk.widgets.pad_row import KeyboardRow
from kiosk.widgets.touch import touch_pads


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
        with KeyboardRow():
            yield from touch_pads(text=["phrase"])
            with Horizontal(classes="actions"):
                yield Button(_("Continuar"), id="continue", variant="primary")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        image = self.query_one("#picker", SecurityImagePicker).chosen
        phrase = self.query_one("#phrase", Input).value
        if self.step.param("save_later"):
            # Only checked and kept in the visit: the consent step saves it with the rest.
            self.call_core(lambda: checked_security_choice(image or "", phrase), self._chosen)
            return
        self.call_core(
            lambda: self.service.set_security_image(self.context.proof, image or "", phrase),
            lambda _result: self.finish(),
        )

    def _chosen(self, choice: tuple[str, str]) -> None:
        self.context.security_choice = choice
        self.finish()
