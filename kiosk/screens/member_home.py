"""The member's home after a successful login: greeting, products, «Salir»."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import DataTable, Static

from kiosk.i18n import _
from kiosk.screens.base import StepScreen
from kiosk.widgets import Button

if TYPE_CHECKING:
    from kiosk.core.service import KioskService


class MemberHomeScreen(StepScreen):
    PREPARED_AHEAD = True
    # «Salir» is the only thing to press here: Enter presses it.
    FIRST_FIELD = "#leave"

    def load(self, service: KioskService) -> None:
        self.summary = service.summary(self.context.proof)

    def compose_step(self) -> ComposeResult:
        yield Static(id="greeting", classes="lead")
        table = DataTable(id="products", cursor_type="none")
        table.can_focus = False  # only read: the focus stays on «Salir»
        table.add_columns(_("Producto"), _("Número"))
        yield table
        with Horizontal(classes="actions"):
            yield Button(_("Salir"), id="leave", variant="primary")

    def fill_in(self) -> None:
        summary = self.summary
        # The member's name as written, never read as markup.
        self.query_one("#greeting", Static).update(Content(_("Bienvenido(a), {name}").format(name=summary.first_names)))
        self.query_one("#products", DataTable).add_rows((_(kind), number) for kind, number in summary.products)

    @on(Button.Pressed, "#leave")
    def _leave(self) -> None:
        self.finish()
