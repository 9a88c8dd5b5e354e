"""The kiosk's resting screen, shown between visits."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from kiosk.i18n import _, current_language, set_language
from kiosk.screens.home import HomeScreen
from kiosk.store_later import show_store_status
from kiosk.widgets import Button
from kiosk.widgets.phone import phone_panel


class WelcomeScreen(HomeScreen):
    def compose(self) -> ComposeResult:
        self.composed_in = current_language()
        profile = self.host.profile
        yield from phone_panel(self.host)
        with Vertical(id="welcome"):
            yield Static(profile.name, id="welcome-name")
            yield Static(_(profile.portal), id="welcome-portal")
            yield Static(
                _("Recupere aquí su clave olvidada o bloqueada, o ingrese a su cuenta."),
                classes="lead",
            )
            yield Button(_("Comenzar"), id="start", variant="primary", disabled=not self.host.store_ready)
            yield Static(id="welcome-status")
            with Horizontal(classes="actions"):
                other = "en" if current_language() == "es" else "es"
                yield Button("English" if other == "en" else "Español", id="language", name=other)

    def on_mount(self) -> None:
        self.show_store_state()

    def on_screen_resume(self) -> None:
        # Between visits the first step is composed ahead (KioskApp.prepare_first_step).
        self.set_timer(self.host.PREPARE_AHEAD_AFTER, self.host.prepare_first_step)

    def show_store_state(self) -> None:
        """«Comenzar» waits for the store, opened after this screen is shown (kiosk.store_later)."""
        show_store_status(self, "#start", meanwhile="#language")
        if self.host.store_ready:
            self.set_timer(self.host.PREPARE_AHEAD_AFTER, self.host.prepare_first_step)

    @on(Button.Pressed, "#start")
    def _start(self) -> None:
        if self.host.store_ready:
            self.host.start_visit()

    @on(Button.Pressed, "#language")
    async def _language(self, event: Button.Pressed) -> None:
        set_language(event.button.name)
        self.host.drop_prepared()  # composed in the other language
        await self.speak_current_language()

    async def speak_current_language(self) -> None:
        if self.composed_in != current_language():
            await self.recompose()
            self.show_store_state()
