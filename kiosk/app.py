"""The Textual application: the welcome screen, the flow runner, the idle
timeout and the operator's exit.  Members cannot quit, open a command palette
or select text."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from kiosk.config import PROJECT_DIR
from kiosk.flow.profile import Profile
from kiosk.flow.runner import FlowRunner
from kiosk.idle import IdleWatch
from kiosk.screens.operator import OperatorExitScreen
from kiosk.screens.registry import STEP_SCREENS
from kiosk.screens.welcome import WelcomeScreen
from kiosk.store_later import StoreLater
from kiosk.widgets import KeypadShuffler

if TYPE_CHECKING:
    from kiosk.core.service import KioskService


class KioskApp(StoreLater, IdleWatch, App, inherit_bindings=False):
    CSS_PATH = PROJECT_DIR / "kiosk.tcss"
    TITLE = "kiosk"
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    BINDINGS = [
        # The operator's exit; documented in the README, never shown to members.
        Binding("f10", "operator_exit", show=False, priority=True),
    ]

    def __init__(
        self,
        service: KioskService | Callable[[], KioskService],
        profile: Profile,
        idle_timeout: float = 60.0,
        operator_pin: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        # A ready service, or a factory run after the welcome screen is shown (kiosk.store_later).
        self.take_service(service)
        self.profile = profile
        self.idle_timeout = idle_timeout
        self.operator_pin = operator_pin
        # Keypad layouts and image challenges; tests pass a seeded generator.
        self.rng = rng or random.SystemRandom()
        self.shuffler = KeypadShuffler(self.rng)
        self.runner = FlowRunner(self, profile, STEP_SCREENS)

    def get_default_screen(self) -> Screen:
        return WelcomeScreen()

    def on_mount(self) -> None:
        self.watch_idle()
        # After the first frame: the welcome screen first, the store after.
        self.call_after_refresh(self.open_store_later)

    # -- the flow runner's host -------------------------------------------

    def show_step(self, screen: Screen) -> None:
        if len(self.screen_stack) == 1:
            self.push_screen(screen)
        else:
            self.switch_screen(screen)

    def return_to_welcome(self) -> None:
        """End the visit: every screen above the welcome one goes, and with
        them every field the member typed into."""
        self.runner.end()
        while len(self.screen_stack) > 1:
            self.pop_screen()

    # -- idle timeout -----------------------------------------------------

    def in_use(self) -> bool:
        return len(self.screen_stack) > 1

    def end_idle_session(self) -> None:
        self.return_to_welcome()

    # -- operator ---------------------------------------------------------

    def action_operator_exit(self) -> None:
        if isinstance(self.screen, OperatorExitScreen):
            return

        def closed(confirmed: bool | None) -> None:
            if confirmed:
                self.exit()

        self.push_screen(OperatorExitScreen(self.operator_pin), closed)
