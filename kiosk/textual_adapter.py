"""Every use of Textual's private API, in this one module (Textual pinned in
pyproject.toml): a Textual upgrade that renames one breaks here, and
``tests/functional/test_import_layers.py`` keeps any other module from using one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
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


@cache
def steady_select_class() -> type:
    """A ``Select`` whose first value never stops the app: Textual's sets its
    value as it mounts, which writes the label of its current-value child,
    and on a busy screen that child may not have composed its label yet
    (Textual 8.2.8: ``NoMatches`` in ``SelectCurrent.update``).  Here the
    child writes the label once it has one.  Made on first use: most screens
    have no ``Select``, and start-up does not pay for importing it."""
    from textual.css.query import NoMatches
    from textual.widgets import Select
    from textual.widgets._select import SelectCurrent, SelectOverlay

    class SteadyCurrent(SelectCurrent):
        def update(self, label) -> None:
            try:
                super().update(label)
            except NoMatches:  # not composed yet: written as soon as it is
                self.call_later(self.update, label)

    class SteadySelect(Select):
        def compose(self):
            yield SteadyCurrent(self.prompt)
            yield SelectOverlay(type_to_search=self._type_to_search).data_bind(compact=Select.compact)

    return SteadySelect
