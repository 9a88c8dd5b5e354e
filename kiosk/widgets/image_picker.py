"""The security-image picker: a grid of pictures, one chosen."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.message import Message

from kiosk.core.members import SECURITY_IMAGES
from kiosk.i18n import N_, _
from kiosk.widgets.key_grid import KeyGrid

# Each picture: a glyph one cell wide on every terminal, its colour and its name.
PICTURES: dict[str, tuple[str, str, str]] = {
    "sol": ("☀", "#ffd700", N_("Sol")),
    "luna": ("☾", "#c0c8ff", N_("Luna")),
    "estrella": ("★", "#ffb000", N_("Estrella")),
    "corazon": ("♥", "#ff4060", N_("Corazón")),
    "casa": ("⌂", "#ff9060", N_("Casa")),
    "flor": ("✿", "#ff80d0", N_("Flor")),
    "paraguas": ("☂", "#60c0ff", N_("Paraguas")),
    "musica": ("♪", "#80ff80", N_("Música")),
    "pez": ("><>", "#40e0d0", N_("Pez")),
}
assert set(PICTURES) == set(SECURITY_IMAGES)


def picture(image: str) -> Text:
    glyph, colour, name = PICTURES[image]
    return Text.assemble((glyph, f"bold {colour}"), " ", _(name))


class SecurityImagePicker(KeyGrid):
    """The nine pictures as keys; the chosen one stays marked."""

    DEFAULT_CSS = """
    SecurityImagePicker { width: 100%; height: 9; }
    """

    class Selected(Message):
        def __init__(self, picker: SecurityImagePicker, image: str) -> None:
            super().__init__()
            self.picker = picker
            self.image = image

        @property
        def control(self) -> SecurityImagePicker:
            return self.picker

    def __init__(self, **kwargs) -> None:
        super().__init__([picture(image) for image in SECURITY_IMAGES], columns=3, **kwargs)  # as wide as its column

    @property
    def chosen(self) -> str | None:
        return None if self.selected is None else SECURITY_IMAGES[self.selected]

    def image_index(self, image: str) -> int:
        return SECURITY_IMAGES.index(image)

    @on(KeyGrid.Pressed)
    def _choose(self, event: KeyGrid.Pressed) -> None:
        event.stop()
        self.selected = event.index
        self.post_message(self.Selected(self, self.chosen))
