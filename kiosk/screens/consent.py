"""The data-treatment policy: nothing goes on until the member presses
«Permitir», which saves what the visit held back with the consent;
«No permitir» saves nothing."""

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
        context = self.context
        # What the visit held back (a new key, an image and phrase) is saved
        # with the consent, in one transaction.
        self.call_core(
            lambda: self.service.complete_setup(context.proof, context.pending, context.security_choice, version),
            self._saved,
        )

    def _saved(self, proof) -> None:
        self.context.proof = proof
        self.context.pending = self.context.security_choice = None
        self.finish()

    @on(Button.Pressed, "#refuse")
    def _refuse(self) -> None:
        # Nothing was saved, and what the visit held back is dropped.
        self.context.pending = self.context.security_choice = None
        self.finish("refused")
