"""The kiosk's look: high contrast for members reading a branch screen at arm's
length, many of them older: white on black, saturated accents, hints nearly as
bright as the text."""

from __future__ import annotations

from textual.app import App
from textual.theme import Theme

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
    app.register_theme(KIOSK_THEME)
    app.theme = KIOSK_THEME.name
