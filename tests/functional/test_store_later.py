"""The kiosk shows the welcome screen before the store is open: «Comenzar»
waits for it (and the steps' stylesheet is read after it), and a store that
cannot be opened is a clear message."""

from __future__ import annotations

import random
import threading

from textual.css.stylesheet import Stylesheet
from textual.widgets import Button, Static

from kiosk.app import KioskApp
from kiosk.screens.base import STEPS_CSS
from kiosk.screens.document import DocumentScreen
from tests.helpers import click, settle


async def test_start_waits_for_the_store(service, profile, monkeypatch):
    reparsed: list[object] = []  # every stylesheet parsed again from scratch (about 15 ms each)
    original_reparse = Stylesheet.reparse

    def counted(stylesheet) -> None:
        reparsed.append(stylesheet)
        original_reparse(stylesheet)

    monkeypatch.setattr(Stylesheet, "reparse", counted)
    opened = threading.Event()

    def open_service():
        opened.wait(10)
        return service

    app = KioskApp(open_service, profile, idle_timeout=600, rng=random.Random(7))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#start", Button).disabled
        assert "Preparando el kiosco" in str(app.screen.query_one("#welcome-status", Static).render())
        steps_styles = (str(STEPS_CSS), "")
        assert steps_styles not in app.stylesheet.source  # nor do the steps' styles delay the first screen
        opened.set()
        await settle(pilot)
        assert not app.screen.query_one("#start", Button).disabled
        assert not app.screen.query_one("#welcome-status").display
        assert steps_styles in app.stylesheet.source  # read while the welcome screen waits for a member
        await click(pilot, "#start")
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.query_one("#safe-exit").styles.layer == "bar"  # a rule of the steps' own
        assert reparsed == []  # only what was new was parsed, as it came


async def test_a_store_that_fails_is_a_message_not_a_traceback(profile):
    def open_service():
        raise OSError("disk on fire")

    app = KioskApp(open_service, profile, idle_timeout=600)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#start", Button).disabled
        status = str(app.screen.query_one("#welcome-status", Static).render())
        assert "no está disponible" in status and "disk" not in status
