"""The kiosk's look: high contrast for members reading a branch screen at arm's
length, many of them older: white on black, saturated accents, hints nearly as
bright as the text."""

from __future__ import annotations

from textual.app import App
from textual.theme import Theme

from kiosk.textual_adapter import map_ansi_colours

KIOSK_THEME = Theme(
    name="kiosk",
    primary="#0a62d0",  # white text on it is above 5:1
    secondary="#004578",
    accent="#ffb000",
    warning="#ffc233",
    error="#d7263d",
    success="#1a7f37",  # white text on it stays readable
    foreground="#ffffff",
    background="#000000",
    surface="#2a2a2a",  # buttons and fields stand out from the black screen
    panel="#1c1c1c",
    boost="#333333",
    text_alpha=1.0,
    variables={"text-muted": "#d4d4d4", "input-cursor-background": "#ffb000"},
)


def use_kiosk_theme(app: App) -> None:
    """Make the kiosk's theme the one ``app`` starts with (call it in
    ``__init__``).  Setting ``app.theme`` would also restyle the app as soon as
    it runs, reading and parsing every stylesheet a first time that Textual's
    own start then throws away and does again (about 10 ms before the first
    screen): set before the app runs, the theme's colours and classes are all
    the start needs."""
    app.register_theme(KIOSK_THEME)
    app.set_reactive(App.theme, KIOSK_THEME.name)
    app.stylesheet.set_variables(app.get_css_variables())
    # The rest of what Textual's theme watcher does (Textual pinned): the
    # theme's classes, and ANSI colours mapped as the theme's own (the app was
    # made with Textual's default theme, or TEXTUAL_THEME's).
    app.update_classes({f"-theme-{KIOSK_THEME.name}": True, "-dark-mode": KIOSK_THEME.dark,
                        "-light-mode": not KIOSK_THEME.dark}, update=False)
    map_ansi_colours(app)
