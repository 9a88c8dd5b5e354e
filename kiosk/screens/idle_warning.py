"""«¿Sigue ahí?»: shown before the idle timeout ends a visit (or a teller's
sign-in), with the seconds left and «Continuar».  Any press or key keeps the
session; at zero the app ends it (``kiosk.idle``), not this screen."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.i18n import _
from kiosk.widgets import Button
from kiosk.widgets.countdown import Countdown


class IdleWarningScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    #idle-dialog { width: 64; max-width: 100%; height: auto; background: $panel; border: heavy $warning; padding: 1 2; }
    #idle-dialog .title { text-style: bold; }
    #idle-dialog Countdown { margin: 1 0; }
    """
    BINDINGS = [Binding("enter,escape,space", "keep", show=False)]

    def __init__(self, seconds: int) -> None:
        super().__init__()
        self.seconds = seconds

    def compose(self) -> ComposeResult:
        with Vertical(id="idle-dialog"):
            yield Static(_("¿Sigue ahí?"), classes="title")
            yield Static(_("Por su seguridad, si no continúa, se borrará lo que escribió y volverá al inicio."))
            yield Countdown(self.seconds, id="idle-countdown")
            with Horizontal(classes="actions"):
                yield Button(_("Continuar"), id="keep", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    @on(Button.Pressed, "#keep")
    def action_keep(self) -> None:
        self.dismiss(None)
