"""Recovery form: document, a temporary key the member chooses (and its
confirmation), and «No soy un robot».  The key waits for the SMS code."""

from __future__ import annotations

from datetime import timedelta

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from kiosk.core.errors import Refusal
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.screens.vetting_ahead import full_key, typed_identity, vet_ahead_in_background
from kiosk.widgets import Button, DocumentInput, KeyField, PadKeyField, RobotCheck
from kiosk.widgets.touch import touch_pads


def key_field(field_id: str, label: str, length: int) -> KeyField:
    """A key's field: typed on the scrambled keypad only."""
    field = PadKeyField(id=field_id, max_length=length)
    field.border_title = label
    return field


class RecoveryFormScreen(StepScreen):
    PREPARED_AHEAD = True

    def compose_step(self) -> ComposeResult:
        length = self.runner.profile.setting("key_length")
        yield Static(self.text("note"), classes="note")
        with Horizontal(classes="touch-row"):
            with Vertical(classes="form-column"):
                yield DocumentInput(self.runner.profile.setting("document_types"), id="who")
                yield key_field("key", _("Clave Nueva"), length)
                yield key_field("confirmation", _("Confirmación Clave"), length)
            yield from touch_pads(
                digits=["document"], keys=["key", "confirmation"], captcha=["captcha-answer"],
                shuffler=self.host.shuffler, key_length=length,
            )
        yield RobotCheck(self.host.rng, self.service.challenges, id="robot")
        with Horizontal(classes="actions"):
            yield Button(_("Regresar"), id="back")
            yield Button(_("Continuar"), id="continue", variant="primary")

    @on(Input.Changed, "#key")
    def _vet_ahead(self, event: Input.Changed) -> None:
        """A complete new key, with a valid document: its bcrypt work started now
        (the same for an unknown document), for the press to find done."""
        length = self.runner.profile.setting("key_length")
        if not full_key(event.value, length):
            return
        identity = typed_identity(self.query_one(DocumentInput))
        if identity is None:
            return  # told at the press, as without vetting ahead
        kind, key = tuple(self.step.param("kinds", ["login"]))[0], event.value
        vet_ahead_in_background(self, lambda: self.service.vet_ahead(identity, kind, key, length))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.finish("back")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        robot = self.query_one("#robot", RobotCheck)
        key, confirmation = (self.query_one(f"#{name}", KeyField) for name in ("key", "confirmation"))
        typed_key, typed_confirmation = key.value, confirmation.value
        document = self.typed_document()
        if document is None:
            return
        kind, number = document
        visit = self.context.visit_id
        try:
            captcha = robot.token(visit)  # the core asks for it: a screen alone proves nothing
        except Refusal as refusal:
            robot.renew()
            self.refuse(refusal)
            return
        key.value = confirmation.value = ""
        profile = self.runner.profile
        hours = self.step.param("temporary_hours", 24)

        def prepare():
            identity = self.service.identify(number, kind)
            pending = self.service.prepare_key_change(
                identity,
                tuple(self.step.param("kinds", ["login"])),
                typed_key,
                typed_confirmation,
                profile.setting("key_length"),
                purpose=self.step.param("purpose"),
                temporary_for=timedelta(hours=hours),
                captcha=captcha,
                visit=visit,
            )
            return identity, pending

        self.call_core(prepare, self._prepared, on_refusal=lambda _refusal: robot.renew())

    def _prepared(self, result) -> None:
        self.context.identity, self.context.pending = result
        self.finish()
