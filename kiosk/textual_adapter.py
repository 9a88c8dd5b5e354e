"""Every use of Textual's private API, in this one module (Textual pinned in
pyproject.toml): a Textual upgrade that renames one breaks here, and
``tests/functional/test_import_layers.py`` keeps any other module from using one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from textual.app import App
from textual.screen import Screen


def compose_off_screen(app: App, screen: Screen) -> None:
    """What pushing a new screen does first: its stylesheet read, then the
    screen registered, which starts it and composes and mounts its widgets;
    without showing it."""
    app._load_screen_css(screen)
    app._register(app, screen)


def map_ansi_colours(app: App) -> None:
    """ANSI colours mapped as the app's theme's own, as Textual's theme watcher does."""
    app._refresh_truecolor_filter(app.ansi_theme)


@contextmanager
def frames_noted(note: Callable[[App, Screen], Any]) -> Iterator[None]:
    """For the bench: ``note(app, screen)`` as Textual writes each frame of a screen."""
    original = App._display

    def display(app: App, screen: Screen, renderable: Any) -> Any:
        note(app, screen)
        return original(app, screen, renderable)

    App._display = display
    try:
        yield
    finally:
        App._display = original
