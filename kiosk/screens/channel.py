"""Channel choice: where the member wants what a later step sends (that
step's ``channel = "choice"``), contacts shown masked.  It only chooses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import RadioButton, RadioSet, Static

from kiosk.core.outbox import EMAIL, SMS
from kiosk.i18n import N_, _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button

if TYPE_CHECKING:
    from kiosk.core.service import KioskService


class ChannelChoiceScreen(StepScreen):
    PREPARED_AHEAD = True
    # Each channel's option, shown with the member's masked contact when they have one.
    OPTIONS = ((SMS, N_("Confirmar por SMS")), (EMAIL, N_("Confirmar por correo electrónico")))

    def load(self, service: KioskService) -> None:
        self.contacts = service.contacts(self.context.identity)

    def compose_step(self) -> ComposeResult:
        yield Static(self.text("text"), classes="lead")
        # Both options, and the notice for a member with neither: which show is
        # the member's (fill_in), composed ahead without knowing them.
        with RadioSet(id="channels"):
            for channel, _label in self.OPTIONS:
                yield RadioButton(name=channel)
        yield Static(
            _(
                "No podemos enviarle el código por este medio. Acérquese a una oficina con su "
                "documento de identidad para actualizar sus datos."
            ),
            id="no-contacts",
            classes="warning",
        )
        with Horizontal(classes="actions"):
            yield Button(_("Regresar"), id="back")
            yield Button(_("Continuar"), id="continue", variant="primary")

    def fill_in(self) -> None:
        masked = {SMS: self.contacts.mobile, EMAIL: self.contacts.email}
        labels = dict(self.OPTIONS)
        offered = False
        for button in self.query(RadioButton):
            contact = masked[button.name]
            if not contact:  # not offered: gone (and out of the first frame while it goes)
                button.display = False
                button.remove()
                continue
            button.label = f"{_(labels[button.name])}: {contact}"
            button.value = not offered  # the first the member has is chosen
            offered = True
        self.query_one("#channels").display = offered
        self.query_one("#no-contacts").display = not offered
        self.query_one("#continue", Button).disabled = not offered

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.finish("back")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        chosen = self.query_one("#channels", RadioSet).pressed_button
        if chosen is None:
            self.show_message(_("Seleccione por dónde quiere recibir el código."))
            return
        self.context.channel = chosen.name
        self.finish()
