"""The kiosk shows its welcome screen first and opens the store after.

Importing the store layer (SQLModel, SQLAlchemy, Alembic, bcrypt, Fernet) and
bringing the database up to date is most of what starting costs, and the
welcome screen needs none of it.  ``StoreLater`` (a mixin for ``KioskApp``)
takes either a ready ``KioskService`` (the tests) or a factory that builds one
(``kiosk run``); a factory runs in a thread worker once the app is mounted,
then the step screens are imported, and the welcome screen's «Comenzar» waits
for all of it.  A store that cannot be opened leaves a clear message on the
welcome screen and the details in the log, never a traceback.

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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.core.service import KioskService

log = logging.getLogger(__name__)


class StoreLater:
    service: KioskService | None
    store_failed: bool = False

    def take_service(self, service: KioskService | Callable[[], KioskService]) -> None:
        """A ready service, or a factory to build it off the event loop (``open_store_later``)."""
        if callable(service):
            self.service, self._service_factory = None, service
        else:
            self.service, self._service_factory = service, None

    @property
    def store_ready(self) -> bool:
        return self.service is not None

    def open_store_later(self) -> None:
        factory = self._service_factory
        if factory is None:
            return
        from kiosk.screens.registry import STEP_SCREENS

        def job() -> None:
            try:
                service = factory()
                STEP_SCREENS.load_all()  # while the member reads the welcome screen
            except Exception:  # noqa: BLE001 - shown as a message, logged in full
                log.exception("the store could not be opened")
                service = None
            self.call_from_thread(self._store_opened, service)  # type: ignore[attr-defined]

        self.run_worker(job, thread=True, group="store", name="open store")  # type: ignore[attr-defined]

    def _store_opened(self, service: Any) -> None:
        gc.freeze()
        self.service = service
        self.store_failed = service is None
        for screen in self.screen_stack:  # type: ignore[attr-defined]
            show = getattr(screen, "show_store_state", None)
            if show is not None:
                show()
