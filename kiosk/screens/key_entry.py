"""The password step of a two-step login: a masked field that refuses paste."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label

from kiosk.core.errors import Refusal
from kiosk.i18n import _
from kiosk.screens.base import LoginStepScreen
from kiosk.screens.document import notes
from kiosk.widgets import Button, KeyField, PadKeyField
from kiosk.widgets.touch import touch_pads


class KeyEntryScreen(LoginStepScreen):
    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        length = self.runner.profile.setting("key_length")
        with Horizontal(classes="touch-row"):
            with Vertical(classes="form-column"):
                yield Label(self.text("label"), classes="field-label")
                yield PadKeyField(id="key", max_length=length)
            yield from touch_pads(keys=["key"], shuffler=self.host.shuffler, key_length=length)
        with Horizontal(classes="actions"):
            yield Button(self.text("forgot"), id="forgot", classes="link")
            yield Button(self.text("button"), id="continue", variant="primary")
        yield from notes(self)

    @on(Button.Pressed, "#forgot")
    def _forgot(self) -> None:
        self.finish("forgot")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        field = self.query_one("#key", KeyField)
        secret, field.value = field.value, ""
        if not secret:
            self.refuse(Refusal("key_empty", _("Escriba su clave.")))
            return
        self.call_core(lambda: self.log_in(self.context.identity, secret), self.logged_in)
