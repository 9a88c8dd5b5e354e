"""What the screens may ask of the app that shows them, declared: the
kiosk's screens see a ``KioskHost`` (``KioskApp``), the teller console's a
``TellerHost`` (``TellerApp``).  Screens use ``self.host``; of ``self.app``
only Textual's own public App API (push and pop screens, the bell, the
theme).  So imports point one way: the apps import the screens and widgets,
which import this module, never an app (``tests/functional/test_import_layers.py``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.screen import Screen

    from kiosk.core.service import KioskService
    from kiosk.core.supervisor import SupervisorDesk
    from kiosk.core.teller import TellerDesk, TellerSession
    from kiosk.flow.profile import Profile
    from kiosk.widgets import KeypadShuffler


@dataclass(frozen=True)
class DemoConsole:
    """Demo mode: the operator picks the institution to show, and the member's
    phone can be shown beside the kiosk.  A branch kiosk runs without it."""

    institutions: list[tuple[str, str, str]]  # slug, name, portal
    # The institution's service, once the store is open.
    open: Callable[[str], tuple[KioskService, Profile]]
    # Opens the shared store after the first screen is shown (kiosk.store_later); None: already open.
    open_store: Callable[[], Any] | None = None


class KioskHost(Protocol):
    """What the kiosk's screens (welcome, steps, demo operator's) need of the kiosk."""

    # How long a screen is up before the steps likely next are composed ahead.
    PREPARE_AHEAD_AFTER: ClassVar[float]
    profile: Profile | None  # the institution shown
    service: KioskService | None  # its service, once the store is open
    demo: DemoConsole | None  # None: a branch kiosk
    rng: random.Random  # image challenges
    shuffler: KeypadShuffler  # keypad layouts

    @property
    def store_ready(self) -> bool: ...

    def start_visit(self) -> None: ...

    def return_to_welcome(self) -> None: ...

    def use_institution(self, slug: str) -> None: ...

    def prepare_next(self, shown: Screen) -> None: ...

    def prepare_first_step(self) -> None: ...

    def drop_prepared(self) -> None: ...

    def set_width_class(self, screen: Screen, width: int, update: bool = True, height: int | None = None) -> None: ...

    def refresh_phone(self) -> None: ...

    def keep_in_use_for(self, seconds: float) -> None:
        """Not idle for ``seconds`` (a code's life: the member reads it on the phone)."""


class TellerHost(Protocol):
    """What the teller console's screens need of the console."""

    desk: TellerDesk
    teller: TellerSession | None  # None: nobody signed in

    def signed_in(self, teller: TellerSession) -> None: ...

    def sign_out(self, message: str = "", reason: str = "") -> None: ...


class SupervisorHost(TellerHost, Protocol):
    """What the supervisor view's screens need: the console's sign-in, and the figures."""

    supervision: SupervisorDesk


def kiosk_host(node: DOMNode) -> KioskHost:
    """The kiosk showing ``node``, as the screens may see it."""
    return cast("KioskHost", node.app)


def teller_host(node: DOMNode) -> TellerHost:
    """The teller console showing ``node``, as its screens may see it."""
    return cast("TellerHost", node.app)


def supervisor_host(node: DOMNode) -> SupervisorHost:
    """The supervisor view showing ``node``, as its screens may see it."""
    return cast("SupervisorHost", node.app)
