"""The teller console (``kiosk teller``): a teller signs in with a password and
an authenticator code, then serves members in person.  Idle for too long, the
teller is signed out."""

from __future__ import annotations

from textual.app import App
from textual.screen import Screen

from kiosk.config import PROJECT_DIR
from kiosk.core.teller import TellerDesk, TellerSession
from kiosk.i18n import _
from kiosk.idle import IdleWatch
from kiosk.screens.base import STEPS_CSS
from kiosk.theme import use_kiosk_theme
from kiosk.screens.teller import TELLER_CSS, SearchScreen, SignInScreen


APPLY_DUE_EVERY = 60.0  # seconds


class TellerApp(IdleWatch, App):
    # The kiosk's look, the fields and lists the steps use, and the console's own.
    CSS_PATH = [PROJECT_DIR / "kiosk.tcss", STEPS_CSS, TELLER_CSS]
    TITLE = "kiosk · asesor"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, desk: TellerDesk, idle_timeout: float = 300.0) -> None:
        super().__init__()
        self.desk = desk
        use_kiosk_theme(self)
        self.idle_timeout = idle_timeout
        self.teller: TellerSession | None = None

    def get_default_screen(self) -> Screen:
        return SignInScreen()

    def on_mount(self) -> None:
        self.watch_idle()
        # Contact changes whose hold passed unopposed take effect even when
        # nobody opens the member (``kiosk teller apply-due`` does it without a console).
        self.set_interval(APPLY_DUE_EVERY, self._apply_due_changes)

    def _apply_due_changes(self) -> None:
        self.run_worker(self.desk.apply_due_contact_changes, thread=True, group="apply-due", exclusive=True)

    def signed_in(self, teller: TellerSession) -> None:
        self.teller = teller
        self._back_to_sign_in()
        self.push_screen(SearchScreen())

    def sign_out(self, message: str = "", reason: str = "") -> None:
        """Forget the teller and every screen they saw; the sign-in form is all that is left."""
        if self.teller is not None:
            self.desk.sign_out(self.teller, reason)
            self.teller = None
        self._back_to_sign_in()
        self.screen_stack[0].start_over(message)

    def _back_to_sign_in(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    # -- idle timeout -----------------------------------------------------

    def in_use(self) -> bool:
        return self.teller is not None

    def end_idle_session(self) -> None:
        self.sign_out(_("Sesión cerrada por inactividad."), reason="inactividad")

    async def action_quit(self) -> None:
        self.sign_out(reason="salida")
        self.exit()
