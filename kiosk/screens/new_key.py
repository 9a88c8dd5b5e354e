"""The new key, typed twice on the scrambled keypad (reshuffled in between).
Saved at once, or (``save_later``) only checked and hashed for a later step
of the visit to save with the rest."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.core.errors import Refusal
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.screens.vetting_ahead import vet_ahead_in_background
from kiosk.widgets import Button, ScrambledKeypad


class NewKeyScreen(StepScreen):
    PREPARED_AHEAD = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._first: str | None = None  # the new key, held only until it is confirmed

    @property
    def key_length(self) -> int:
        return self.step.param("key_length") or self.runner.profile.setting("key_length")

    def compose_step(self) -> ComposeResult:
        yield Static(self.text("hint"), classes="hint")
        yield Static(_("Escriba su nueva clave"), id="phase", classes="field-label")
        yield ScrambledKeypad(self.host.shuffler, max_length=self.key_length, id="keypad")
        with Horizontal(classes="actions"):
            yield Button(_("Continuar"), id="continue", variant="primary")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        keypad = self.query_one("#keypad", ScrambledKeypad)
        typed = keypad.value
        keypad.clear()
        if self._first is None:
            self.call_core(
                lambda: self.service.check_new_key(self.context.proof, typed, self.key_length),
                lambda _result: self._ask_confirmation(typed),
                on_refusal=self._start_over,
            )
            return
        first, self._first = self._first, None
        history = self.runner.profile.setting("key_history", 3)
        if self.step.param("save_later"):
            # Checked and hashed only: a later step of the visit saves it, or nothing is saved.
            self.call_core(
                lambda: self.service.hold_new_key(self.context.proof, ("login",), first, typed, self.key_length, history=history),
                self._prepared,
                on_refusal=self._start_over,
            )
            return
        self.call_core(
            lambda: self.service.change_key(
                self.context.proof,
                first,
                typed,
                self.key_length,
                history=history,
            ),
            self._changed,
            on_refusal=self._start_over,
        )

    def _ask_confirmation(self, key: str) -> None:
        self._first = key
        # Its bcrypt work started while the member types it again (checked above, so complete).
        proof, history = self.context.proof, self.runner.profile.setting("key_history", 3)
        vet_ahead_in_background(
            self, lambda: self.service.vet_ahead(proof, "login", key, self.key_length, history=history)
        )
        self.query_one("#phase", Static).update(_("Confirme su nueva clave"))
        self.query_one("#keypad", ScrambledKeypad).start_over()

    def _start_over(self, _refusal: Refusal) -> None:
        self.query_one("#phase", Static).update(_("Escriba su nueva clave"))
        self.query_one("#keypad", ScrambledKeypad).start_over()

    def _prepared(self, pending) -> None:
        self.context.pending = pending
        self.finish()

    def _changed(self, proof) -> None:
        self.context.proof = proof
        self.finish()
