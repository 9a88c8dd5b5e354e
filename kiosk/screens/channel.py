"""Channel choice: where to send the temporary key, contacts shown masked."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import RadioButton, RadioSet, Static

from kiosk.core.outbox import EMAIL, SMS
from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button

if TYPE_CHECKING:
    from kiosk.core.service import KioskService


class ChannelChoiceScreen(StepScreen):
    def load(self, service: KioskService) -> None:
        self.contacts = service.contacts(self.context.identity)

    def compose_step(self) -> ComposeResult:
        contacts = self.contacts
        yield Static(self.text("text"), classes="lead")
        options = []
        if contacts.mobile:
            options.append((SMS, _("Confirmar por SMS"), contacts.mobile))
        if contacts.email:
            options.append((EMAIL, _("Confirmar por correo electrónico"), contacts.email))
        if options:
            with RadioSet(id="channels"):
                for index, (channel, label, masked) in enumerate(options):
                    yield RadioButton(f"{label}: {masked}", value=index == 0, name=channel)
        else:
            yield Static(
                _("No tiene un celular ni un correo registrado. Acérquese a una oficina para actualizarlos."),
                classes="warning",
            )
        with Horizontal(classes="actions"):
            yield Button(_("Regresar"), id="back")
            yield Button(_("Continuar"), id="continue", variant="primary", disabled=not options)


    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.finish("back")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        chosen = self.query_one("#channels", RadioSet).pressed_button
        if chosen is None:
            self.show_message(_("Seleccione por dónde quiere recibir el código."))
            return
        channel = chosen.name
        self.call_core(
            lambda: self.service.send_temporary_key(
                self.context.identity,
                channel,
                digits=self.step.param("code_digits", 6),
                lifetime=timedelta(minutes=self.step.param("code_minutes", 10)),
            ),
            lambda _result: self._sent(channel),
        )

    def _sent(self, channel: str) -> None:
        self.context.channel = channel
        self.context.temporary_key = True
        self.finish()
