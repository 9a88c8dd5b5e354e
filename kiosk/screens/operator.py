"""The operator's way out.  Members never get it: with an operator PIN set
(every real branch kiosk) it asks for the PIN; without one (a demo) it asks to
confirm."""

from __future__ import annotations

import hmac

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kiosk.i18n import _
from kiosk.widgets import Button, KeyField


class OperatorExitScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, pin: str | None) -> None:
        super().__init__()
        self._pin = pin

    def compose(self) -> ComposeResult:
        with Vertical(id="operator-dialog", classes="panel"):
            yield Static(_("Salida del operador"), classes="title")
            if self._pin:
                yield KeyField(id="pin", placeholder=_("PIN del operador"))
            else:
                yield Static(_("¿Cerrar el kiosco?"), classes="lead")
            yield Static("", id="operator-message")
            with Horizontal(classes="actions"):
                yield Button(_("Cancelar"), id="cancel")
                yield Button(_("Cerrar el kiosco"), id="quit", variant="error")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#quit")
    @on(Input.Submitted, "#pin")
    def _quit(self) -> None:
        if self._pin:
            typed = self.query_one("#pin", KeyField).value
            if not hmac.compare_digest(typed.encode(), self._pin.encode()):
                self.query_one("#pin", KeyField).value = ""
                self.query_one("#operator-message", Static).update(_("PIN incorrecto."))
                return
        self.dismiss(True)


class LeaveVisitScreen(ModalScreen[bool]):
    """The demo operator's F9 during a member's visit: leaving ends the visit."""

    BINDINGS = [Binding("escape", "stay", show=False)]

    def compose(self) -> ComposeResult:
        with Vertical(id="operator-dialog", classes="panel"):
            yield Static(_("Cambiar de institución"), classes="title")
            yield Static(_("Hay una visita en curso. ¿Terminarla y volver a elegir la institución?"), classes="lead")
            with Horizontal(classes="actions"):
                yield Button(_("Seguir en la visita"), id="stay")
                yield Button(_("Terminar la visita"), id="leave", variant="error")

    @on(Button.Pressed, "#stay")
    def action_stay(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#leave")
    def _leave(self) -> None:
        self.dismiss(True)
