"""The supervisor view (``kiosk supervisor``): a supervisor or operator signs
in exactly as at the teller console (password, then authenticator code), and
sees the figures of their institution (an operator: of every institution).
A plain teller is signed out again with a message."""

from __future__ import annotations

from kiosk.core.supervisor import SupervisorDesk, may_supervise, not_a_supervisor
from kiosk.core.teller import TellerDesk, TellerSession
from kiosk.screens.supervisor import SUPERVISOR_CSS, SupervisorScreen
from kiosk.teller_app import TellerApp


class SupervisorApp(TellerApp):
    CSS_PATH = [*TellerApp.CSS_PATH, SUPERVISOR_CSS]
    TITLE = "kiosk · supervisión"

    def __init__(self, desk: TellerDesk, supervision: SupervisorDesk, idle_timeout: float = 300.0) -> None:
        super().__init__(desk, idle_timeout)
        self.supervision = supervision

    def on_mount(self) -> None:
        self.watch_idle()  # (the teller console's due contact changes are its own work)

    def signed_in(self, teller: TellerSession) -> None:
        self.teller = teller
        if not may_supervise(teller):
            self.sign_out(not_a_supervisor().message, reason="sin acceso a supervisión")
            return
        self._back_to_sign_in()
        self.push_screen(SupervisorScreen())
