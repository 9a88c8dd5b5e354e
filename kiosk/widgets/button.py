"""Textual's Button, created with the classes Textual's own watchers would
give it (its variant, and ``-style-default`` or ``-style-flat``): added one by
one as it is created and mounted, each restyles the button again before its
screen can show (Textual pinned).  The kiosk's screens use this one."""

from __future__ import annotations

from textual.widgets import Button as TextualButton
from textual.widgets.button import ButtonVariant


class Button(TextualButton):
    def __init__(
        self, label=None, variant: ButtonVariant = "default", *, classes: str | None = None, flat: bool = False,
        **kwargs,
    ) -> None:
        born_with = ["-style-flat" if flat else "-style-default"]
        if variant != "default":  # Textual adds no class for the default variant
            born_with.append(f"-{variant}")
        super().__init__(label, variant, classes=" ".join([*born_with, classes or ""]).strip(), flat=flat, **kwargs)
