"""The code that confirms a pending key change, or (with nothing pending) a
contact for the step's ``purpose``.  Sent by the step's channel (fixed, or the
member's choice) when this screen opens, and again (throttled) on «Reenviar código»."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.core.errors import Refusal
from kiosk.core.outbox import EMAIL
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button, KeyField
from kiosk.widgets.touch import touch_pads

if TYPE_CHECKING:
    from kiosk.core.service import KioskService


class CodeEntryScreen(StepScreen):
    def load(self, service: KioskService) -> None:
        self.contacts = service.contacts(self.context.identity)
        if self._contact_on_file() is None:
            # No code can reach this member: no field for one.  The profile
            # routes this to its own notice (an office), for a member and for a
            # decoy alike: decoys lack a contact at the members' rate.
            self.outcome_before_shown = "no_contact"

    def _contact_on_file(self) -> str | None:
        """The masked contact the code goes to (the step's channel)."""
        return self.contacts.email if self.sending_channel() == EMAIL else self.contacts.mobile

    def compose_step(self) -> ComposeResult:
        contacts = self.contacts
        # The channel's contact is on file (else the step ends as "no_contact"
        # unseen); the other one may not be, and reads as such.
        missing = _("(sin registrar)")
        yield Static(
            self.text("text", mobile=contacts.mobile or missing, email=contacts.email or missing), classes="lead"
        )
        code = KeyField(id="code", max_length=self.step.param("code_digits", 6), password=False)
        code.border_title = _("Código")
        with Horizontal(classes="touch-row"):
            yield code
            yield from touch_pads(digits=["code"])
        with Horizontal(classes="actions"):
            yield Button(_("Reenviar código"), id="resend", classes="link")
            yield Button(_("Continuar"), id="continue", variant="primary")

    def on_mount(self) -> None:
        self._send()

    @property
    def purpose(self) -> str:
        pending = self.context.pending
        # A pending change carries the purpose its own step named in the profile.
        return pending.purpose if pending else self.step.param("purpose")

    def _send(self) -> None:
        lifetime = timedelta(minutes=self.step.param("code_minutes", 5))
        self.call_core(
            lambda: self.service.send_confirmation_code(
                self.context.identity,
                self.purpose,
                digits=self.step.param("code_digits", 6),
                lifetime=lifetime,
                channel=self.sending_channel(),
            ),
            # The member reads the code on the phone: not idle while it lives.
            lambda _result: self.host.keep_in_use_for(lifetime.total_seconds()),
        )

    @on(Button.Pressed, "#resend")
    def _resend(self) -> None:
        self._send()

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        field = self.query_one("#code", KeyField)
        code, field.value = field.value.strip(), ""
        if not code:
            self.refuse(Refusal("code_empty", _("Escriba el código que recibió.")))
            return
        self.call_core(lambda: self._check(code), self._confirmed, on_refusal=self._refused)

    def _check(self, code: str):
        pending = self.context.pending
        if pending is None:  # the code proves a contact; nothing waits for it
            return self.service.verify_code(self.context.identity, self.purpose, code)
        return self.service.confirm_change(pending, code)

    def _refused(self, refusal) -> None:
        # Where the procedure says so, an expired code starts it again from the beginning.
        if refusal.reason == "code_expired":
            self.finish("expired", banner=refusal.message)

    def _confirmed(self, proof) -> None:
        self.context.proof = proof
        if self.context.pending is not None and self.context.pending.temporary_for is not None:
            self.context.temporary_key = True  # the key the member chose is temporary (Coasmedas)
        self.context.pending = None
        self.finish()
