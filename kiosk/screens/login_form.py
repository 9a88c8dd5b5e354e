"""One-form login: document (with its type where the institution asks it),
key, the recovery link; optionally today's date, a first-access link and
security tips, as each institution's page shows them."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from kiosk.core.dates import local_date, spanish_date
from kiosk.core.errors import Refusal
from kiosk.i18n import _, current_language
from kiosk.screens.base import LoginStepScreen
from kiosk.widgets import Button, DocumentInput, KeyField, PadKeyField
from kiosk.widgets.touch import touch_pads


def today_line(moment) -> str:
    day = local_date(moment)
    written = spanish_date(day) if current_language() == "es" else day.strftime("%A, %B %d, %Y")
    return _("Hoy es: {date}").format(date=written)


class LoginFormScreen(LoginStepScreen):
    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        profile = self.runner.profile
        if self.step.param("show_date"):
            yield Static(id="today")  # the day it is shown, not the (maybe earlier) day it was composed
        for name in ("notice", "text"):
            if self.step.param(name):
                yield Static(self.text(name), classes="note")
        length = profile.setting("key_length")
        with Horizontal(classes="touch-row"):
            with Vertical(classes="form-column"):
                yield DocumentInput(
                    profile.setting("document_types"),
                    number_label=self.text("document_label") or None,
                    id="who",
                )
                key = PadKeyField(id="key", max_length=length)
                key.border_title = self.text("key_label")
                yield key
            yield from touch_pads(digits=["document"], keys=["key"], shuffler=self.host.shuffler, key_length=length)
        with Horizontal(classes="actions"):
            if self.step.param("first_access"):
                yield Button(self.text("first_access"), id="first-access", classes="link")
            yield Button(self.text("forgot"), id="forgot", classes="link")
            yield Button(self.text("button") or _("Continuar"), id="continue", variant="primary")
        if self.step.param("help"):
            yield Static(self.text("help"), classes="hint")
        tips = self.step.param("tips", [])
        if tips:
            panel = Static("\n".join(f"• {_(tip)}" for tip in tips), id="tips", classes="panel")
            panel.border_title = self.text("tips_title")
            yield panel

    def fill_in(self) -> None:
        for today in self.query("#today").results(Static):
            today.update(today_line(self.service.clock.now()))

    @on(Button.Pressed, "#forgot")
    def _forgot(self) -> None:
        self.finish("forgot")

    @on(Button.Pressed, "#first-access")
    def _first_access(self) -> None:
        self.finish("first_access")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        key = self.query_one("#key", KeyField)
        secret, key.value = key.value, ""
        document = self.typed_document()
        if document is None:
            return
        if not secret:
            self.refuse(Refusal("key_empty", _("Escriba su clave.")))
            return
        kind, number = document

        def log_in():
            identity = self.service.identify(number, kind)
            return identity, self.log_in(identity, secret)

        self.call_core(log_in, self._logged_in)

    def _logged_in(self, result) -> None:
        identity, login = result
        self.context.identity = identity
        self.logged_in(login)
