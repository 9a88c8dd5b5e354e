"""The security-image picker: a grid of pictures, one chosen."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button

from kiosk.core.members import SECURITY_IMAGES
from kiosk.i18n import N_, _

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


class SecurityImagePicker(Widget):
    DEFAULT_CSS = """
    SecurityImagePicker { height: auto; }
    SecurityImagePicker .picker-grid { grid-size: 3 3; grid-gutter: 0 1; grid-rows: 3; height: 9; }
    SecurityImagePicker .picker-grid Button { width: 100%; }
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
        super().__init__(**kwargs)
        self.selected: str | None = None

    def compose(self) -> ComposeResult:
        with Grid(classes="picker-grid"):
            for image in SECURITY_IMAGES:
                yield Button(picture(image), id=f"image-{image}", classes="picker-image")

    @on(Button.Pressed, ".picker-image")
    def _choose(self, event: Button.Pressed) -> None:
        event.stop()
        self.selected = event.button.id.removeprefix("image-")
        for button in self.query(".picker-image").results(Button):
            button.set_class(button is event.button, "-selected")
        self.post_message(self.Selected(self, self.selected))
