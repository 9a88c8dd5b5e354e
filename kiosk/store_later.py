"""The kiosk shows its welcome screen first and opens the store after.

Importing the store layer (SQLModel, SQLAlchemy, Alembic, bcrypt, Fernet) and
bringing the database up to date is most of what starting costs, and the
welcome screen needs none of it.  ``StoreLater`` (a mixin for ``KioskApp``)
takes an opener (``kiosk run``: one that builds the service; the demo console:
one that opens the shared store), or none when the store is ready (the
tests); an opener runs in a thread worker once the app is mounted,
then the step screens are imported, and the welcome screen's «Comenzar» waits
for all of it.  A store that cannot be opened leaves a clear message on the
welcome screen and the details in the log, never a traceback (a database
server that does not answer is tried again until it does); one the kiosk
must not use as it is (a lost pepper, a damaged file: kiosk.store.guard) stops
the kiosk with one line for the operator.

Once everything is loaded, the objects that live as long as the kiosk
(modules, classes, styles, the store's metadata: hundreds of thousands) are
frozen out of the garbage collector's sight, so that its full collections,
which otherwise walk all of them, no longer stall the screen for a tenth of a
second or more in the middle of a visit.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class StoreLater:
    store_ready: bool = False
    store_failed: bool = False
    # Why the kiosk stopped as it opened the store (a kiosk.store.problems.StoreProblem), if it did.
    store_problem: Exception | None = None
    # How often a kiosk whose database server did not answer tries it again.
    STORE_RETRY_SECONDS: float = 15.0

    def take_store(self, opener: Callable[[], Any] | None) -> None:
        """``opener`` opens the store off the event loop (``open_store_later``)
        and returns what ``store_opened`` is handed; None: the store is ready."""
        self._store_opener = opener
        self.store_ready = opener is None

    def store_opened(self, opened: Any) -> None:
        """The app's use of what the opener returned (on the event loop)."""

    def open_store_later(self) -> None:
        opener = self._store_opener
        if opener is None:
            return
        from kiosk.screens.registry import STEP_SCREENS

        from kiosk.store.problems import StoreProblem, StoreUnreachable

        def job() -> None:
            try:
                opened = opener()
                STEP_SCREENS.load_all()  # while the member reads the welcome screen
            except StoreUnreachable as problem:  # may come back: «no disponible» until it does
                log.error("the store could not be opened: %s", problem)
                self.call_from_thread(self._store_opened, None, False)  # type: ignore[attr-defined]
                self.call_from_thread(self._open_again_later)  # type: ignore[attr-defined]
            except StoreProblem as problem:  # the kiosk must not run on this store: it stops, saying why
                self.call_from_thread(self._store_refused, problem)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - shown as a message, logged in full
                log.exception("the store could not be opened")
                self.call_from_thread(self._store_opened, None, False)  # type: ignore[attr-defined]
            else:
                self.call_from_thread(self._store_opened, opened, True)  # type: ignore[attr-defined]

        self.run_worker(job, thread=True, group="store", name="open store")  # type: ignore[attr-defined]

    def _open_again_later(self) -> None:
        self.set_timer(self.STORE_RETRY_SECONDS, self.open_store_later)  # type: ignore[attr-defined]

    def _store_refused(self, problem: Exception) -> None:
        """Stop before serving anyone: ``kiosk run`` prints ``store_problem``'s
        one line and exits non-zero (kiosk.cli)."""
        self.store_problem = problem
        self.exit(return_code=1)  # type: ignore[attr-defined]

    def _store_opened(self, opened: Any, ok: bool) -> None:
        gc.freeze()
        if ok:
            self.store_opened(opened)
        self.store_ready, self.store_failed = ok, not ok
        for screen in self.screen_stack:  # type: ignore[attr-defined]
            show = getattr(screen, "show_store_state", None)
            if show is not None:
                show()


def show_store_status(screen: Any, waiting: str, meanwhile: str) -> None:
    """On a first screen: the buttons ``waiting`` (a selector) are enabled
    and focused once the store is open; until then the focus is on
    ``meanwhile`` and its ``#welcome-status`` tells why (hidden once ready)."""
    from kiosk.i18n import _

    app: StoreLater = screen.app
    for button in screen.query(waiting):
        button.disabled = not app.store_ready
    status = screen.query_one("#welcome-status")
    status.display = not app.store_ready
    if app.store_failed:
        status.update(_("El kiosco no está disponible en este momento. Por favor avise a un asesor."))
    elif not app.store_ready:
        status.update(_("Preparando el kiosco…"))
    screen.query_one(waiting if app.store_ready else meanwhile).focus()
