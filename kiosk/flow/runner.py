"""The flow runner: shows a profile's steps one screen at a time.

A screen reports an outcome ("done", "forgot", "back"…, declared for its step
type in kiosk.flow.contracts); the runner looks up where the profile says that
outcome leads and shows that step's screen, or ends the visit.  It is the only
router: no screen names the next step, its own, or the welcome screen.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

from kiosk.core.visits import EXIT, ROUTED, VisitLog
from kiosk.flow.profile import HERE, WELCOME, Profile, Step

if TYPE_CHECKING:
    from kiosk.core.service import Identity, PendingChange, Proof
    from kiosk.core.visits import VisitRecorder


class Host(Protocol):
    """What the runner needs from the application showing it."""

    def show_step(self, screen: Any) -> None: ...

    def return_to_welcome(self) -> None: ...


@dataclass
class FlowContext:
    """What one visit has learnt so far; dropped whole when the visit ends."""

    identity: Identity | None = None
    proof: Proof | None = None
    # A checked, hashed key change waiting for its code, or for the step that
    # saves it with the rest (Progressa's «Permitir»).
    pending: PendingChange | None = None
    security_choice: tuple[str, str] | None = None  # image and phrase chosen, not saved yet
    channel: str | None = None
    shown_key: str | None = None  # a system-generated key on its way to the one screen that shows it
    # The visit gave the member a temporary key (sent, shown or chosen) they
    # have not logged in with yet: that login will most likely ask to change it.
    temporary_key: bool = False
    banner: str | None = None  # a message for the next screen (shown once)
    # Names this visit to the core (a «No soy un robot» token is bound to it); new every visit.
    visit_id: str = field(default_factory=lambda: secrets.token_hex(16))


class FlowRunner:
    def __init__(
        self, host: Host, profile: Profile, screens: dict[str, Callable[..., Any]],
        recorder: VisitRecorder | None = None,
    ) -> None:
        self.host = host
        self.profile = profile
        self.screens = screens
        self.context = FlowContext()
        self.current: Step | None = None
        self.visits = VisitLog(recorder, profile.slug)  # supervision's events (kiosk.core.visits)

    def start(self) -> None:
        self.context = FlowContext()
        self.visits.started()
        self.go(self.profile.start)

    def advance(self, step: Step, outcome: str = "done", banner: str | None = None) -> bool:
        """Go where ``outcome`` of ``step`` leads, with ``banner`` for the
        screen that shows next.  False when nothing moved: a stale screen, or
        an outcome that keeps the member where they are."""
        if step is not self.current:
            return False  # a stale screen (double press, late worker) must not move the flow
        target = self.profile.target(step, outcome)
        if target == HERE:
            return False
        if banner:
            self.context.banner = banner
        self.visits.left(step, outcome)
        self.go(target)
        return True

    def leave(self) -> None:
        """The member ends the visit («Salida segura»)."""
        self.host.return_to_welcome()

    def go(self, step_id: str) -> None:
        if step_id == WELCOME:
            self.visits.ended(ROUTED)
            self.host.return_to_welcome()
            return
        step = self.profile.step(step_id)
        self.current = step
        self.visits.shown(step)
        self.host.show_step(self.screens[step.type](self, step))

    def end(self, how: str = EXIT) -> None:
        """Forget everything about the visit (idle timeout, Salida segura)."""
        self.visits.ended(how)
        self.context = FlowContext()
        self.current = None
