"""Changing a key while signed in: the current key, the new one twice;
optionally «No soy un robot» and an SMS code before it takes effect."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from kiosk.core.errors import Refusal
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.screens.recovery_form import key_field
from kiosk.screens.vetting_ahead import full_key, typed_identity, vet_ahead_in_background
from kiosk.widgets import Button, DocumentInput, KeyField, RobotCheck
from kiosk.widgets.touch import touch_pads


class KeyChangeScreen(StepScreen):
    PREPARED_AHEAD = True

    @property
    def key_length(self) -> int:
        return self.step.param("key_length") or self.runner.profile.setting("key_length")

    def compose_step(self) -> ComposeResult:
        if self.step.param("hint"):
            yield Static(self.text("hint"), classes="note")
        keys = ["current"] if self.step.param("current_label") else []
        with Horizontal(classes="touch-row"):
            with Vertical(classes="form-column"):
                if self.step.param("ask_document"):
                    # Not signed in (a first access) or asked again, as the institution's form does.
                    yield DocumentInput(
                        self.runner.profile.setting("document_types"),
                        number_label=self.text("document_label") or None,
                        id="who",
                    )
                if keys:
                    yield key_field("current", self.text("current_label"), self.key_length)
                yield key_field("key", _("Clave nueva"), self.key_length)
                yield key_field("confirmation", _("Confirmar Clave"), self.key_length)
            yield from touch_pads(
                digits=["document"] if self.step.param("ask_document") else [],
                keys=[*keys, "key", "confirmation"],
                captcha=["captcha-answer"] if self.step.param("challenge") else [],
                shuffler=self.host.shuffler,
                key_length=self.key_length,
            )
        if self.step.param("challenge"):
            yield RobotCheck(self.host.rng, self.service.challenges, id="robot")
        with Horizontal(classes="actions"):
            yield Button(self.text("button") or _("Continuar"), id="continue", variant="primary")

    def fill_in(self) -> None:
        identity = self.context.identity
        if self.step.param("ask_document") and identity is not None:
            self.query_one("#document", Input).value = identity.document_number

    @on(Input.Changed, "#key, #current")
    def _vet_ahead(self, event: Input.Changed) -> None:
        """A complete new key (or, with it, a complete current key): its bcrypt
        work started now, for the press to find done."""
        key = self.query_one("#key", KeyField).value
        if not full_key(key, self.key_length):
            return
        if self.step.param("ask_document"):
            if event.input.id == "key":  # the current key signs in at the press: not vetted ahead
                self._vet_ahead_by_document(key)
            return
        proof = self.context.proof
        if proof is None or (event.input.id == "current" and not full_key(event.value, self.key_length)):
            return
        typed_current = [field.value for field in self.query("#current").results(KeyField)]
        current = typed_current[0] if typed_current and full_key(typed_current[0], self.key_length) else None
        kind, differ_from = self.step.param("kind", "login"), self.step.param("differ_from")
        history = self.runner.profile.setting("key_history", 3)
        vet_ahead_in_background(self, lambda: self.service.vet_ahead(
            proof, kind, key, self.key_length, history=history, current=current, differ_from=differ_from
        ))

    def _vet_ahead_by_document(self, key: str) -> None:
        """The press signs the member in with the current key, then changes the
        login key (``_change_with_document``): vetted ahead by the document typed
        (the same work for one nobody holds, whose press the login refuses)."""
        identity = typed_identity(self.query_one(DocumentInput))
        if identity is None:
            return  # told at the press, as without vetting ahead
        history, length = self.runner.profile.setting("key_history", 3), self.key_length
        vet_ahead_in_background(self, lambda: self.service.vet_ahead(identity, "login", key, length, history=history))

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        fields = list(self.query("#current, #key, #confirmation").results(KeyField))
        typed = {field.id: field.value for field in fields}
        current, key, confirmation = typed.get("current"), typed["key"], typed["confirmation"]
        robots = self.query(RobotCheck)
        visit = self.context.visit_id
        captcha = None
        if robots:
            try:
                captcha = robots.first().token(visit)  # the core checks it (prepare_key_change)
            except Refusal as refusal:
                robots.first().renew()
                self.refuse(refusal)
                return
        for field in fields:
            field.value = ""
        kind = self.step.param("kind", "login")
        if self.step.param("ask_document"):
            self._change_with_document(current, key, confirmation)
            return
        checks = dict(
            current=current,
            differ_from=self.step.param("differ_from"),
            history=self.runner.profile.setting("key_history", 3),
        )
        renew = (lambda _refusal: robots.first().renew()) if robots else None
        if self.step.param("save_with_next"):
            # Checked and hashed only: the next step's code saves it with its own change.
            self.call_core(
                lambda: self.service.hold_new_key(self.context.proof, (kind,), key, confirmation, self.key_length, **checks),
                self._prepared,
                on_refusal=renew,
            )
        elif self.step.param("confirm_by_code"):
            earlier = self.context.pending  # a change an earlier step held back for this code
            self.call_core(
                lambda: self.service.prepare_key_change(
                    self.context.proof, (kind,), key, confirmation, self.key_length, purpose=self.step.param("purpose"),
                    captcha=captcha, visit=visit, earlier=earlier, **checks
                ),
                self._prepared,
                on_refusal=renew,
            )
        else:
            self.call_core(
                lambda: self.service.change_key(
                    self.context.proof, key, confirmation, self.key_length, kind=kind, **checks
                ),
                self._changed,
                on_refusal=renew,
            )

    def _change_with_document(self, current: str, key: str, confirmation: str) -> None:
        """Who and the current key in one form: the current key signs the member in."""
        document = self.typed_document()
        if document is None:
            return
        kind, number = document
        profile = self.runner.profile

        def change():
            identity = self.service.identify(number, kind)
            login = self.log_in(identity, current)
            return self.service.change_key(
                login.proof, key, confirmation, self.key_length, history=profile.setting("key_history", 3)
            )

        self.call_core(change, self._changed)

    def _prepared(self, pending) -> None:
        self.context.pending = pending
        self.finish()

    def _changed(self, proof) -> None:
        self.context.proof = proof
        if self.step.param("banner"):
            self.context.banner = self.text("banner")
        self.finish()
