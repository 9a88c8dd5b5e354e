"""The data-treatment policy: nothing goes on until the member presses «Permitir»."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button


class ConsentScreen(StepScreen):
    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        yield Static(self.text("text"), classes="lead")
        yield Static(self.text("policy"), id="policy", classes="panel")
        with Horizontal(classes="actions"):
            yield Button(_("No permitir"), id="refuse")
            yield Button(_("Permitir"), id="allow", variant="primary")

    @on(Button.Pressed, "#allow")
    def _allow(self) -> None:
        version = self.runner.profile.setting("consent_version")
        self.call_core(
            lambda: self.service.grant_consent(self.context.proof, version),
            lambda _result: self.finish(),
        )

    @on(Button.Pressed, "#refuse")
    def _refuse(self) -> None:
        self.finish("refused")
