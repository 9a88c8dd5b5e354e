"""What every step screen shares: the institution bar with «Salida segura»,
the step title, a message line, and calls into the core off the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from kiosk.core.errors import Refusal
from kiosk.core.members import validate_document
from kiosk.core.outbox import SMS
from kiosk.flow.contracts import CHOSEN, login_outcome
from kiosk.i18n import _
from kiosk.host import KioskHost, kiosk_host
from kiosk.screens import focus
from kiosk.store.problems import is_outage, outage_cause
from kiosk.widgets import Button, DocumentInput
from kiosk.widgets.phone import phone_panel

if TYPE_CHECKING:
    from kiosk.core.service import Identity, KioskService, Login
    from kiosk.flow.profile import Step
    from kiosk.flow.runner import FlowContext, FlowRunner

log = logging.getLogger(__name__)

# What only the step screens use: kiosk.tcss holds the look of the welcome screen and all.
STEPS_CSS = Path(__file__).with_name("steps.tcss")


def brand_bar(host: KioskHost) -> ComposeResult:
    """The institution's name across the top and «Salida segura» at its right
    end: placed by steps.tcss, without a row container (one container less to
    show on every step)."""
    profile = host.profile
    yield Static(f"{profile.name} · {_(profile.portal)}", id="brand-name")
    yield Button(_("Salida segura"), id="safe-exit", compact=True)


def failure_message(error: BaseException | None = None) -> str:
    """What a member reads when the kiosk could not do what was asked: no detail, no traceback."""
    if isinstance(error, Refusal):  # e.g. a send refused as a step was entered
        return error.message
    if error is not None and is_outage(error):
        return _("El kiosco no está disponible en este momento. Intente de nuevo en unos minutos.")
    return _("No pudimos completar la operación. Intente de nuevo o acérquese a un asesor.")


def log_failure(error: BaseException, doing: str) -> None:
    """The cause of a failed call, for the operator: a database outage as the
    driver's one line (the pool reconnects by itself once the server is back),
    anything else in full."""
    if is_outage(error):
        log.error("the database could not be reached while %s: %s", doing, outage_cause(error))
    else:
        log.error("%s failed", doing, exc_info=error)


class CoreCallScreen(Screen):
    """A screen that calls the core off the event loop and shows its refusals
    in its ``#message`` line."""

    # What is marked busy (and shielded from input) while the core works.
    BUSY = "#card"

    def show_message(self, text: str, kind: str = "error") -> None:
        message = self.query_one("#message", Static)
        message.update(text)
        message.set_classes(f"-{kind}" if text else "")

    def note_refusal(self, reason: str) -> None:
        """A refusal the core gave this screen (a step screen records it for supervision)."""

    def call_core(
        self,
        work: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_refusal: Callable[[Refusal], None] | None = None,
    ) -> None:
        """Run ``work`` (which may hash for a quarter second) in a thread, with
        the card marked busy, then hand its result back on the event loop."""
        card = self.query_one(self.BUSY)
        # The busy overlay takes focus away; give it back where the member was.
        focused = self.focused
        card.loading = True
        self.show_message("")

        async def job() -> None:
            # The work in a thread; the rest on the event loop, inside the
            # worker, so the worker has ended before a screen it leads to
            # replaces this one (which would cancel it).
            try:
                result = await asyncio.to_thread(work)
            except Refusal as refusal:
                self.note_refusal(refusal.reason)
                done(refused=refusal)
            except Exception as error:  # never a traceback on a member's screen
                log_failure(error, f"a core call on {self!r}")
                done(failed=error)
            else:
                done(result=result)

        def done(result: Any = None, refused: Refusal | None = None, failed: Exception | None = None) -> None:
            if not self.is_attached or not card.is_attached:
                return  # the screen went (or is going: its widgets removed first) meanwhile
            card.loading = False
            self.focus_after_busy(focused)
            if failed is not None:
                self.show_message(failure_message(failed))
            elif refused is not None:
                self.show_message(refused.message)
                if on_refusal:
                    on_refusal(refused)
                self.point_to_error(refused.reason)
            else:
                on_success(result)

        self.run_worker(job(), exclusive=True, group="core")

    def focus_after_busy(self, focused: Widget | None) -> None:
        """Where the focus goes back to once the core answered: where it was."""
        if focused is not None and focused.is_attached:
            focused.focus()

    def point_to_error(self, reason: str) -> None:
        """After a refusal: where the focus goes (here, where it was)."""


class StepScreen(CoreCallScreen):
    """A screen showing one step of a profile.  Subclasses add ``compose_step``
    and call ``finish(outcome)``; the runner decides what comes next."""

    # Loaded with the first step screen, unless the app loaded it before (KioskApp.store_opened).
    CSS_PATH = STEPS_CSS
    # Not Textual's first focusable: the field the member fills first
    # (``first_field``, kiosk.screens.focus), never «Salida segura».
    AUTO_FOCUS = ""
    # The field filled first where it is neither the document number nor the
    # first on the card (a selector), and a refusal's reason -> the field it
    # is about where kiosk.screens.focus.REFUSAL_FIELDS does not say it.
    FIRST_FIELD: ClassVar[str | None] = None
    REFUSAL_FIELDS: ClassVar[dict[str, str]] = {}
    # Whether the screen may be composed ahead, off screen, while the member
    # is still on the step before it (``KioskApp.prepare_next``).  Only if its
    # ``compose`` reads nothing the visit has learnt (the context): what the
    # visit brings is put on it as it is shown (``fill_in``).
    PREPARED_AHEAD: ClassVar[bool] = False
    # An outcome ``load`` already knows (from what it read): the step reports
    # it without being shown, and the profile's route for it says where to go.
    outcome_before_shown: str | None = None

    def __init__(self, runner: FlowRunner, step: Step) -> None:
        super().__init__(classes=f"step step-{step.type}")
        self.runner = runner
        self.step = step
        self._filled_in = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Textual's own handler, so what it changes is in the first
        # frame.  A step screen is shown once, right after it was composed and
        # styled: restyling every widget again as it is shown would only delay it.
        event.refresh_styles = False
        if not self._filled_in:  # not again when a dialog over it closes
            self._filled_in = True
            banner, self.context.banner = self.context.banner, None
            if banner:
                self.show_message(banner)
            self.fill_in()
            if self.focused is None:
                focus.focus_field(self, focus.first_field(self, self.FIRST_FIELD))
            # Once this screen is up and its first taps are answered.
            self.set_timer(self.host.PREPARE_AHEAD_AFTER, lambda: self.host.prepare_next(self))

    def fill_in(self) -> None:
        """Put on the screen what it shows of the visit (``load``) or of the
        moment, as it is first shown."""

    def likely_outcomes(self) -> tuple[str, ...]:
        """The outcomes likely to carry the member on from here: the steps
        they lead to are composed ahead."""
        return ("done",)

    def on_resize(self, event: events.Resize) -> None:
        # Runs before Textual's own handler.  Textual sends a new screen a
        # Resize for the size its first layout just gave it; laying it (and
        # every screen under it) out again at that same size would only delay
        # the member's next tap.  Only the width class Textual would set is
        # kept right (the terminal may have changed as the screen was made).
        # A terminal resize brings a size the screen does not have yet (unless
        # it was already laid out at it), and goes on to Textual.
        if event.size == self.outer_size:
            event.prevent_default()
            self.host.set_width_class(self, event.size.width, height=event.size.height)

    @property
    def host(self) -> KioskHost:
        return kiosk_host(self)

    @property
    def service(self) -> KioskService:
        return self.host.service

    @property
    def context(self) -> FlowContext:
        return self.runner.context

    def load(self, service: KioskService) -> None:
        """Read from the store what the screen will show.  Called in a thread
        before the screen is shown (``KioskApp.show_step``): no read waits on
        the event loop, which may be a PostgreSQL server away."""

    @property
    def loads(self) -> bool:
        return type(self).load is not StepScreen.load

    def text(self, name: str, **values: Any) -> str:
        """A text parameter of the step, translated, with ``{placeholders}`` filled."""
        text = _(self.step.param(name, ""))
        return text.format(**values) if values else text

    def compose(self) -> ComposeResult:
        yield from brand_bar(self.host)
        yield from phone_panel(self.host)
        with VerticalScroll(id="card"):
            yield Static(self.text("title"), classes="title")
            # Right under the title, so it is never scrolled out of sight.
            yield Static(id="message")
            yield from self.compose_step()

    def compose_step(self) -> ComposeResult:
        yield from ()

    def focus_after_busy(self, focused: Widget | None) -> None:
        # Nothing was focused when the work began (a code sent as the screen
        # opens): the field the member fills first.
        if focused is None or not focused.is_attached:
            focus.focus_field(self, focus.first_field(self, self.FIRST_FIELD))
        else:
            focused.focus()

    def point_to_error(self, reason: str) -> None:
        focus.focus_field(self, focus.field_in_error(self, reason, self.REFUSAL_FIELDS, self.FIRST_FIELD))

    def refuse(self, refusal: Refusal) -> None:
        """A refusal found on the screen itself: said, and the focus on its field."""
        self.show_message(refusal.message)
        self.point_to_error(refusal.reason)

    @on(Input.Submitted)
    def _enter_submits(self, event: Input.Submitted) -> None:
        """Enter in any field of the form presses its button (the primary one)."""
        event.stop()
        for button in self.query("#card .actions Button.-primary").results(Button):
            if button.display and not button.disabled:
                button.press()
                return

    def typed_document(self) -> tuple[str, str] | None:
        """(type, number) from the screen's document fields, or None after
        telling the member what is wrong with them."""
        who = self.query_one(DocumentInput)
        try:
            return who.document_type, validate_document(who.number)
        except Refusal as refusal:
            self.refuse(refusal)
            return None

    def log_in(self, identity: Identity, secret: str) -> Login:
        """The core's login with this institution's rules (runs in a worker)."""
        profile = self.runner.profile
        return self.service.login(
            identity,
            secret,
            max_failed_tries=profile.setting("max_failed_tries", 3),
            require_security_image=profile.setting("security_image", False),
            consent_version=profile.setting("consent_version"),
        )

    def sending_channel(self) -> str:
        """Where this step sends: the channel the member chose earlier in the
        visit (``channel = "choice"``; the profile loader makes sure they did)
        or the step's fixed one."""
        channel = self.step.param("channel") or SMS
        return self.context.channel if channel == CHOSEN else channel

    def finish(self, outcome: str = "done", banner: str | None = None) -> None:
        self.runner.advance(self.step, outcome, banner)

    def note_refusal(self, reason: str) -> None:
        self.runner.visits.refused(reason)

    @on(Button.Pressed, "#safe-exit")
    def _safe_exit(self) -> None:
        self.runner.leave()


class LoginStepScreen(StepScreen):
    """A step where the member logs in: the login's outcome says where it goes."""

    def likely_outcomes(self) -> tuple[str, ...]:
        # With a temporary key from this visit, a member is asked to change
        # it; otherwise a login usually opens their home.  Or, at a kiosk for
        # forgotten keys, the member has forgotten it.
        return ("change_required" if self.context.temporary_key else "ok", "forgot")

    def logged_in(self, login: Login) -> None:
        self.context.proof = login.proof
        self.context.temporary_key = False  # used: once it is changed, the next login opens the home
        self.finish(login_outcome(login.status))
