"""Textual's Button, created with the classes Textual's own watchers would
give it as it is created and mounted (its variant, ``-style-default``): added
one by one then, each restyles the button again before its screen can show
(Textual pinned).  The kiosk's screens use this one; none is ``flat``, whose
classes Textual removes and adds again whatever they start as."""

from __future__ import annotations

from textual.widgets import Button as TextualButton
from textual.widgets.button import ButtonVariant


class Button(TextualButton):
    def __init__(self, label=None, variant: ButtonVariant = "default", *, classes: str | None = None,
                 **kwargs) -> None:
        born_with = [] if kwargs.get("flat") else ["-style-default"]
        if variant != "default":  # Textual adds no class for the default variant
            born_with.append(f"-{variant}")
        super().__init__(label, variant, classes=" ".join([*born_with, classes or ""]).strip(), **kwargs)
