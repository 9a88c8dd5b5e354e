"""The Textual application: the welcome screen, the flow runner, the idle
timeout and the operator's exit; in demo mode, the operator's start screen and
the member's phone.  Members cannot quit, open a command palette or select
text."""

from __future__ import annotations

import gc
import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from kiosk.config import PROJECT_DIR
from kiosk.core.visits import EXIT, IDLE
from kiosk.flow.profile import HERE, WELCOME, Profile, ProfileError, Step
from kiosk.flow.runner import FlowRunner
from kiosk.i18n import current_language, set_language
from kiosk.idle import IdleWatch
from kiosk.theme import KIOSK_THEME, use_kiosk_theme
from kiosk.host import DemoConsole
from kiosk.screens.registry import STEP_SCREENS
from kiosk.screens.welcome import WelcomeScreen
from kiosk.store_later import StoreLater
from kiosk.textual_adapter import compose_off_screen
from kiosk.widgets import KeypadShuffler

if TYPE_CHECKING:
    from kiosk.core.service import KioskService
    from kiosk.core.visits import VisitRecorder
    from kiosk.screens.home import HomeScreen
    from kiosk.screens.base import StepScreen

log = logging.getLogger(__name__)

# A full garbage collection (generation 2) holds the event loop 10-150 ms.
# While the kiosk runs none starts on its own (the third threshold is out of
# reach); one runs as each visit ends, on the welcome screen.
NO_AUTOMATIC_FULL_COLLECTION = 1_000_000_000


class KioskApp(StoreLater, IdleWatch, App, inherit_bindings=False):
    """The kiosk; its screens see it as a ``KioskHost`` (kiosk.host)."""

    CSS_PATH = PROJECT_DIR / "kiosk.tcss"
    TITLE = "kiosk"
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    # A wide terminal has room for the demo phone beside the kiosk; a narrow one shows it over it.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    # A short terminal (80x24) takes the blank lines out of the step forms so they fit.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    # How long a screen is up before the step likely next is composed ahead
    # (prepare_next): its own first frames and taps come first, and still no
    # member can read it and press on that soon.
    PREPARE_AHEAD_AFTER = 0.1
    # Off: every step screen is composed as it is shown (the bench compares both).
    composes_ahead = True
    BINDINGS = [
        # The operator's exit; documented in the README, never shown to members.
        Binding("f10", "operator_exit", show=False, priority=True),
        # Demo operators only (no effect on a branch kiosk): the phone, and another institution.
        Binding("f2", "toggle_phone", show=False, priority=True),
        Binding("f9", "choose_institution", show=False, priority=True),
    ]

    def __init__(
        self,
        service: KioskService | Callable[[], KioskService] | None,
        profile: Profile | None,
        idle_timeout: float = 60.0,
        operator_pin: str | None = None,
        rng: random.Random | None = None,
        demo: DemoConsole | None = None,
        visits: VisitRecorder | None = None,
    ) -> None:
        super().__init__()
        self.idle_timeout = idle_timeout
        self.operator_pin = operator_pin
        use_kiosk_theme(self)
        # What every visit starts in: a member's «English» lasts their visit only.
        self.home_language = current_language()
        self.demo = demo
        self.visits = visits  # supervision's recorder (kiosk.core.visits); None: no visit is recorded
        # Keypad layouts and image challenges; tests pass a seeded generator.
        self.rng = rng or random.SystemRandom()
        self.shuffler = KeypadShuffler(self.rng)
        # In demo mode the operator's start screen sits under the welcome screen.
        self.home_depth = 2 if demo else 1
        self.phone_member_id: int | None = None
        # Set once the store is open, or by the operator's choice in demo mode.
        self.service: KioskService | None = None
        self.profile: Profile | None = profile
        self.runner: FlowRunner | None = None
        # The step screens composed ahead, off screen (prepare_next), by step id.
        self.prepared: dict[str, StepScreen] = {}
        # ``service``: a ready one (the tests), or a factory that opens the store
        # and builds it after the first screen is shown (kiosk.store_later).
        if demo:
            self.take_store(demo.open_store)
        elif callable(service):
            self.take_store(service)
        else:
            self.take_store(None)
            if profile is not None:  # (an app made only to be looked at has none)
                self._serve(service, profile)

    def _serve(self, service: KioskService, profile: Profile) -> None:
        self.service = service
        self.profile = profile
        self.runner = FlowRunner(self, profile, STEP_SCREENS, recorder=self.visits)

    def get_default_screen(self) -> Screen:
        if self.demo:
            from kiosk.screens.demo import DemoStartScreen

            return self.home(DemoStartScreen())
        return self.home(WelcomeScreen())

    def home(self, screen: HomeScreen) -> HomeScreen:
        """``screen`` with the width class its first resize would give it: set
        then, it would restyle the whole screen before its first frame."""
        self.set_width_class(screen, self.size.width, update=False)
        return screen

    def on_mount(self) -> None:
        self._gc_thresholds = gc.get_threshold()
        gc.set_threshold(*self._gc_thresholds[:2], NO_AUTOMATIC_FULL_COLLECTION)
        self.watch_idle()
        # After the first frame: the first screen first, the store after.
        self.call_after_refresh(self.open_store_later)
        if self.demo:
            self.set_interval(1.0, self.refresh_phone)

    def on_unmount(self) -> None:
        gc.set_threshold(*self._gc_thresholds)

    def store_opened(self, opened: Any) -> None:
        if not self.demo:  # a branch kiosk's factory built its service
            self._serve(opened, self.profile)
        self._load_step_styles()

    def _load_step_styles(self) -> None:
        """Read the steps' stylesheet now, while the welcome screen waits for
        its first member, rather than at the first step (as Textual would)."""
        from kiosk.screens.base import STEPS_CSS

        if not self.stylesheet.has_source(str(STEPS_CSS), ""):
            # Parsed as Textual parses a new widget's default styles: only the
            # new source (the rest is cached), not every stylesheet again from
            # scratch as reparse() would (15 ms of a held event loop).
            self.stylesheet.read(STEPS_CSS)
            self.stylesheet.update(self)

    # -- the flow runner's host -------------------------------------------

    def start_visit(self) -> None:
        """A member pressed «Comenzar»: the institution's first step."""
        self.runner.start()

    def prepare_next(self, shown: StepScreen) -> None:
        """Compose the steps ``shown`` likely leads to, off screen, while the
        member is still on ``shown``: showing one then skips composing and
        mounting its widgets, most of what a screen change takes.  Only screens
        whose compose needs nothing from the visit (``PREPARED_AHEAD``)."""
        runner = self.runner
        if runner is None or shown is not self.screen or shown.step is not runner.current:
            return  # the member has moved on (or a dialog is over it)
        following = []
        for outcome in shown.likely_outcomes():
            try:
                step_id = runner.profile.target(shown.step, outcome)
            except ProfileError:  # this step never goes on that way
                continue
            if step_id not in (WELCOME, HERE):
                following.append(runner.profile.step(step_id))
        self.compose_ahead(*following)

    def prepare_first_step(self) -> None:
        """Compose a visit's first step ahead while the welcome screen waits."""
        runner = self.runner
        if runner is not None and len(self.screen_stack) == self.home_depth:
            self.compose_ahead(runner.profile.step(runner.profile.start))

    def _is_prepared(self, step: Step) -> bool:
        """Whether ``step``'s screen waits composed ahead, for this institution's runner."""
        prepared = self.prepared.get(step.id)
        return prepared is not None and prepared.step is step and prepared.runner is self.runner

    def compose_ahead(self, *steps: Step) -> None:
        """Have the screens of ``steps`` (those that can be) composed off
        screen, and no other."""
        if not self.composes_ahead:
            steps = ()
        if steps:  # (read once, never by a reparse of every stylesheet: _load_step_styles)
            self._load_step_styles()
        wanted = {step.id for step in steps}
        for step_id in [step_id for step_id in self.prepared if step_id not in wanted]:
            self._discard_prepared(step_id)
        for step in steps:
            screen_class = self.runner.screens[step.type]
            if not screen_class.PREPARED_AHEAD or self._is_prepared(step):
                continue
            self._discard_prepared(step.id)  # another institution's step of that id
            screen = self.prepared[step.id] = screen_class(self.runner, step)
            self.set_width_class(screen, self.size.width, update=False)
            compose_off_screen(self, screen)

    def _discard_prepared(self, step_id: str) -> None:
        if (screen := self.prepared.pop(step_id, None)) is not None:
            self._discard(screen)

    def drop_prepared(self) -> None:
        for step_id in list(self.prepared):
            self._discard_prepared(step_id)

    @staticmethod
    def _discard(screen: StepScreen) -> None:
        """Remove a screen that will not be shown: one composed ahead is in the
        app (registered, if not yet running), and would stay there."""
        if screen.is_attached:
            screen.remove()

    def _prepared_for(self, screen: StepScreen) -> StepScreen:
        """The screen composed ahead for ``screen``'s step, or ``screen`` (and
        what was composed ahead for another step goes)."""
        if self._is_prepared(screen.step):
            screen = self.prepared.pop(screen.step.id)
        self.drop_prepared()
        return screen

    def show_step(self, screen: StepScreen) -> None:
        """Show the next step; what it reads from the store is read in a thread first."""
        screen = self._prepared_for(screen)
        if not screen.loads:
            self._show(screen)
            return
        step, service = self.runner.current, self.service
        shown_step = getattr(self.screen, "step", None)

        def load() -> None:
            try:
                screen.load(service)
            except Exception as error:
                from kiosk.core.errors import Refusal
                from kiosk.screens.base import log_failure

                if not isinstance(error, Refusal):  # a refusal is the member's to read, not a failure
                    log_failure(error, f"loading {screen!r}")
                self.call_from_thread(not_shown, error)
            else:
                self.call_from_thread(shown)

        def still_wanted() -> bool:  # not left meanwhile (Salida segura, idle timeout)
            return self.runner is not None and self.runner.current is step

        def shown() -> None:
            if still_wanted() and screen.outcome_before_shown is not None:
                # What it read decided the step (a code with nowhere to go): on, unseen.
                self._discard(screen)
                screen.finish(screen.outcome_before_shown)
            elif still_wanted():
                self._show(screen)
            else:
                self._discard(screen)

        def not_shown(error: Exception) -> None:
            """The member stays on the step they were on, told why."""
            from kiosk.screens.base import CoreCallScreen, failure_message

            self._discard(screen)
            if not still_wanted():
                return
            self.runner.current = shown_step
            if isinstance(self.screen, CoreCallScreen):
                self.screen.show_message(failure_message(error))

        self.run_worker(load, thread=True, exclusive=True, group="load-step")

    def set_width_class(self, screen: Screen, width: int, update: bool = True, height: int | None = None) -> None:
        """Give ``screen`` the width class (-narrow/-wide) and height class
        (-short/-tall) Textual gives a screen ``width`` columns wide (and
        ``height``, or the app's, rows high) as it resizes it."""
        height = self.size.height if height is None else height
        classes: dict[str, bool] = {}
        for breakpoints, size in ((self.HORIZONTAL_BREAKPOINTS, width), (self.VERTICAL_BREAKPOINTS, height)):
            wanted = next(name for least, name in sorted(breakpoints, reverse=True) if size >= least)
            classes.update({name: name == wanted for _least, name in breakpoints})
        screen.update_classes(classes, update=update, animate=False)

    def _show(self, screen: Screen) -> None:
        # The new screen starts with the width class it will get on its first
        # resize: a class set then would restyle the whole screen again.  (One
        # composed ahead was styled already: restyled if the terminal changed.)
        self.set_width_class(screen, self.size.width, update=screen.is_running)
        if len(self.screen_stack) == self.home_depth:
            self.push_screen(screen)
        else:
            self.switch_screen(screen)

    def return_to_welcome(self, how: str = EXIT) -> None:
        """End the visit: every screen above the welcome one goes, and with
        them every field the member typed into."""
        self.runner.end(how)
        self.drop_prepared()
        while len(self.screen_stack) > self.home_depth:
            self.pop_screen()
        self.reset_for_next_member()
        self.call_after_refresh(gc.collect)  # the visit's garbage, between members

    def reset_for_next_member(self) -> None:
        """The kiosk's own language and theme again; the welcome screen
        recomposes itself in that language (``WelcomeScreen.speak_current_language``)."""
        if current_language() != self.home_language:
            set_language(self.home_language)
            self.drop_prepared()
            home = self.screen_stack[-1]
            if isinstance(home, WelcomeScreen):
                self.call_later(home.speak_current_language)
        if self.theme != KIOSK_THEME.name:
            self.theme = KIOSK_THEME.name

    # -- idle timeout -----------------------------------------------------

    def in_use(self) -> bool:
        # A member who only chose «English» left something for the timeout to undo too.
        return len(self.screen_stack) > self.home_depth or current_language() != self.home_language

    def end_idle_session(self) -> None:
        if self.runner is not None:
            self.return_to_welcome(IDLE)
        else:  # no institution shown yet (the demo's start screen)
            self.reset_for_next_member()

    # -- operator ---------------------------------------------------------

    def action_operator_exit(self) -> None:
        from kiosk.screens.operator import OperatorExitScreen  # not needed before the operator's first F10

        if isinstance(self.screen, OperatorExitScreen):
            return

        def closed(confirmed: bool | None) -> None:
            if confirmed:
                self.exit()

        self.push_screen(OperatorExitScreen(self.operator_pin), closed)

    # -- demo operator ----------------------------------------------------

    def use_institution(self, slug: str) -> None:
        """Show ``slug``'s kiosk, from its welcome screen."""
        self._serve(*self.demo.open(slug))
        self.phone_member_id = None
        self.push_screen(self.home(WelcomeScreen()))

    def action_choose_institution(self) -> None:
        """Back to the operator's start screen; asked first when a member is mid-visit."""
        if not self.demo or len(self.screen_stack) == 1:
            return
        if not self.in_visit():
            self._leave_institution()
            return
        from kiosk.screens.operator import LeaveVisitScreen

        if not isinstance(self.screen, LeaveVisitScreen):
            self.push_screen(LeaveVisitScreen(), lambda leave: leave and self._leave_institution())

    def in_visit(self) -> bool:
        return self.runner is not None and self.runner.current is not None

    def _leave_institution(self) -> None:
        if self.runner is not None:
            self.runner.end()
        self.drop_prepared()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.reset_for_next_member()
        self.call_after_refresh(gc.collect)

    def action_toggle_phone(self) -> None:
        if self.demo:
            self.toggle_class("-phone")
            for screen in self.prepared.values():  # off screen, where Textual's restyle of the app does not reach
                screen.update_node_styles(animate=False)
            # The panel reads the messages as it comes into view (PhonePanel.on_show).

    def refresh_phone(self) -> None:
        """Show the messages of the visit's member (or of the last one) on the
        phone.  Read in a thread: the store may be a PostgreSQL server away."""
        if not self.has_class("-phone") or self.runner is None:
            return
        identity = self.runner.context.identity
        if identity is not None and identity.member_id is not None:
            self.phone_member_id = identity.member_id
        from kiosk.widgets.phone import SHOWN, PhonePanel  # demo mode only

        service, member_id = self.service, self.phone_member_id

        def show(messages: list) -> None:
            for panel in self.screen.query(PhonePanel):
                panel.show_messages(messages)

        def read() -> None:
            messages = service.messages_for(member_id, limit=SHOWN) if member_id else []
            self.call_from_thread(show, messages)

        self.run_worker(read, thread=True, exclusive=True, group="phone")
