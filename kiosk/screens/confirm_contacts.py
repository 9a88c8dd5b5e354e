"""«Confirme si los datos… son correctos»: the masked e-mail and mobile on file.
If they are wrong, self-service ends with where to update them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button

if TYPE_CHECKING:
    from kiosk.core.service import KioskService


class ConfirmContactsScreen(StepScreen):
    def load(self, service: KioskService) -> None:
        self.contacts = service.contacts(self.context.identity)

    def compose_step(self) -> ComposeResult:
        contacts = self.contacts
        yield Static(self.text("text"), classes="lead")
        shown = [
            f"{_('Correo electrónico')}: {contacts.email or _('(sin registrar)')}",
            f"{_('Celular')}: {contacts.mobile or _('(sin registrar)')}",
        ]
        yield Static("\n".join(shown), id="contacts", classes="panel")
        with Horizontal(classes="actions"):
            yield Button(self.text("wrong_button"), id="wrong")
            yield Button(self.text("button"), id="continue", variant="primary")

    @on(Button.Pressed, "#wrong")
    def _wrong(self) -> None:
        self.finish("wrong")

    @on(Button.Pressed, "#continue")
    def _right(self) -> None:
        self.finish()
