"""The member's home after a successful login: greeting, products, «Salir»."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button

if TYPE_CHECKING:
    from kiosk.core.service import KioskService


class MemberHomeScreen(StepScreen):
    def load(self, service: KioskService) -> None:
        self.summary = service.summary(self.context.proof)

    def compose_step(self) -> ComposeResult:
        summary = self.summary
        yield Static(_("Bienvenido(a), {name}").format(name=summary.first_names), id="greeting", classes="lead")
        table = DataTable(id="products", cursor_type="none")
        table.add_columns(_("Producto"), _("Número"))
        for kind, number in summary.products:
            table.add_row(_(kind), number)
        yield table
        with Horizontal(classes="actions"):
            yield Button(_("Salir"), id="leave", variant="primary")

    @on(Button.Pressed, "#leave")
    def _leave(self) -> None:
        self.finish()
