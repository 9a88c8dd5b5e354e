"""The key step: the member's security image and phrase (their own, or a
stable decoy for an unknown document), then the key on the scrambled keypad.
Before any was chosen (a first access, and a decoy at the members' rate for
it) the panel says so instead: no image, no phrase, and no warning to
compare them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from kiosk.i18n import _
from kiosk.screens.base import LoginStepScreen
from kiosk.widgets import Button, ScrambledKeypad, picture

if TYPE_CHECKING:
    from kiosk.core.service import KioskService, SecurityDisplay


def first_access_panel() -> Content:
    """What the panel says before an image and phrase were chosen."""
    return Content.assemble(
        (_("Primer ingreso"), "bold"),
        "\n\n",
        _(
            "Aún no hay una imagen ni una frase de seguridad para este usuario. Ingrese la clave "
            "que recibió; después de ingresar elegirá su imagen y su frase."
        ),
        "\n\n",
        (
            _("Si usted ya las había elegido, no ingrese su clave y acérquese a una oficina."),
            "$warning bold",
        ),
    )


class KeyLoginScreen(LoginStepScreen):
    PREPARED_AHEAD = True
    shown: SecurityDisplay | None = None
    loaded = False

    def load(self, service: KioskService) -> None:
        if self.step.param("show_security_image"):
            self.shown = service.security_display(self.context.identity)
            self.loaded = True

    def compose_step(self) -> ComposeResult:
        profile = self.runner.profile
        with Horizontal(classes="split"):
            if self.step.param("show_security_image"):
                # One widget for the whole panel: each widget more is time before
                # the screen shows.  Filled in as it is shown: composed ahead, it
                # knows nothing of the member yet.
                yield Static(id="security", classes="panel")
            with Vertical(classes="keypad-column"):
                yield Static(self.text("hint"), classes="hint")
                yield ScrambledKeypad(
                    self.host.shuffler, max_length=profile.setting("key_length"), id="keypad"
                )
        with Horizontal(classes="actions"):
            yield Button(_("Regresar"), id="back")
            yield Button(_("Olvidé mi clave"), id="forgot", classes="link")
            yield Button(_("Continuar"), id="continue", variant="primary")

    def fill_in(self) -> None:
        if not self.loaded:
            return
        if (shown := self.shown) is None:
            self.query_one("#security", Static).update(first_access_panel())
            return
        self.query_one("#security", Static).update(
            Content.assemble(
                (_("Imagen y frase de seguridad"), "bold"),
                "\n\n",
                Content.from_rich_text(picture(shown.image)).stylize("bold"),
                "\n\n",
                (f"«{shown.phrase}»", "italic"),  # the member's own words, never read as markup
                "\n\n",
                (
                    _(
                        "Si su imagen o frase de seguridad no son lo que usted definió, "
                        "por su seguridad no ingrese su clave de acceso"
                    ),
                    "$warning bold",
                ),
            )
        )

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.finish("back")

    @on(Button.Pressed, "#forgot")
    def _forgot(self) -> None:
        self.finish("forgot")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        keypad = self.query_one("#keypad", ScrambledKeypad)
        secret = keypad.value
        keypad.clear()
        if not secret:
            self.show_message(_("Ingrese su clave con el teclado virtual."))
            return
        self.call_core(
            lambda: self.log_in(self.context.identity, secret),
            self.logged_in,
            on_refusal=lambda _refusal: keypad.start_over(),
        )
