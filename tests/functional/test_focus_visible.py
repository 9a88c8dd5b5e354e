"""Focus is visible on everything that takes it, measured against the theme.

Criterion (WCAG 2.2 SC 2.4.13, «Focus Appearance», its change-of-contrast
part): the cells a focus mark changes differ 3:1 or more (WCAG contrast
ratio, relative luminance) between the focused and the unfocused look of
the same widget.  Each widget is measured as the kiosk styles it (kiosk.tcss,
steps.tcss, the kiosk theme): the colour of the part focus changes, read
from its computed style or, for a key grid, from the cells it draws.
A focused image tile also keeps its picture in its own colour on its own
background.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widget import Widget
from textual.widgets import Input, RadioButton, RadioSet, Select

from kiosk.screens.base import STEPS_CSS
from kiosk.theme import use_kiosk_theme
from kiosk.widgets import Button, KeyField, PadKeyField, ScrambledKeypad, SecurityImagePicker
from kiosk.widgets.image_picker import PICTURES
from kiosk.widgets.key_grid import KeyGrid
from kiosk.widgets.keyboard import OnScreenKeyboard
from kiosk.widgets.keypad_layout import KeypadShuffler
from kiosk.widgets.numpad import NumericPad
from tests.helpers import click

REQUIRED = 3.0


def luminance(colour: Color) -> float:
    """WCAG 2 relative luminance (written out here, apart from kiosk.contrast)."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)


def ratio(one: Color, other: Color) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def cell_background(grid: KeyGrid, x: int, y: int) -> Color:
    segment = list(grid.render_line(y).crop(x, x + 1))[0]
    return Color.from_rich_color(segment.style.bgcolor)


def looks(widget: Widget) -> dict[str, Color]:
    """The colours of the parts a focus mark may change."""
    styles = widget.styles
    parts = {"background": styles.background}  # areas, not the glyphs' colour
    for edge in ("top", "bottom", "left"):
        kind, colour = getattr(styles, f"border_{edge}")
        if kind:
            parts[f"border-{edge}"] = colour
        kind, colour = getattr(styles, f"outline_{edge}")
        if kind:
            parts[f"outline-{edge}"] = colour
    if isinstance(widget, Select):
        kind, colour = widget.styles.border_top
        parts["border-top"] = colour if kind else widget.styles.background
    if isinstance(widget, KeyGrid):  # the cursor key's corner cell, and the middle of its left side
        key_height = widget._key_size()[1]
        parts |= {"key-corner": cell_background(widget, 0, 0), "key-side": cell_background(widget, 0, key_height // 2)}
    return parts


def on_black(colour: Color | None) -> Color:
    """A colour as it shows on the kiosk's black screen (a part it lacks: black)."""
    return Color(0, 0, 0) if colour is None else Color(0, 0, 0).blend(colour, colour.a)


def focus_change(before: dict[str, Color], after: dict[str, Color]) -> float:
    """The largest contrast between a part's unfocused and focused colour."""
    return max(ratio(on_black(before.get(part)), on_black(after[part])) for part in after)


class FocusBench(App):
    """One of every focusable the step screens use, styled as the kiosk is."""

    CSS_PATH = [str(Path(__file__).resolve().parents[2] / "kiosk.tcss"), str(STEPS_CSS)]

    def __init__(self) -> None:
        super().__init__()
        use_kiosk_theme(self)

    def compose(self) -> ComposeResult:
        yield Button("Olvidé mi clave", id="link", classes="link")
        yield Button("¿Olvidó su usuario?", id="link2", classes="link")
        yield Button("Continuar", id="primary", variant="primary")
        yield Button("Regresar", id="plain")
        yield Button("Salida segura", id="compact", compact=True)
        yield Input(id="input")
        yield KeyField(id="secret")
        yield PadKeyField(id="padkey")
        yield Select([("Cédula", "CC"), ("Pasaporte", "PA")], value="CC", allow_blank=False, id="select")
        with RadioSet(id="radios"):
            yield RadioButton("Sí")
            yield RadioButton("No")
        yield NumericPad(["input"], id="numpad")
        yield ScrambledKeypad(KeypadShuffler(random.Random(3)), 6, id="keypad")
        yield OnScreenKeyboard(["input"], id="keyboard")
        yield SecurityImagePicker(id="picker")


async def test_every_focusable_changes_three_to_one_when_focused():
    app = FocusBench()
    async with app.run_test(size=(160, 120)) as pilot:
        await pilot.pause()
        chain = list(app.screen.focus_chain)
        kinds = {type(widget).__name__ for widget in chain}
        assert {"Button", "Input", "KeyField", "PadKeyField", "Select", "RadioSet", "NumericPad",
                "ScrambledKeypad", "OnScreenKeyboard", "SecurityImagePicker"} <= kinds
        measured = {}
        for widget in chain:
            app.set_focus(None)
            await pilot.pause()
            before = looks(widget)
            widget.focus()
            await pilot.pause()
            assert widget.has_focus or widget.has_focus_within
            measured[widget.id or type(widget).__name__] = round(focus_change(before, looks(widget)), 2)
        print(measured)
        weak = {name: value for name, value in measured.items() if value < REQUIRED}
        assert not weak, f"focus changes less than {REQUIRED}:1: {weak}"


async def test_focused_link_button_reads_well():
    app = FocusBench()
    async with app.run_test(size=(160, 120)) as pilot:
        link = app.query_one("#link", Button)
        link.focus()
        await pilot.pause()
        assert ratio(link.styles.color, link.styles.background) >= 4.5


@pytest.mark.parametrize("image", list(PICTURES))
async def test_a_focused_image_tile_keeps_its_picture(image):
    app = FocusBench()
    async with app.run_test(size=(160, 120)) as pilot:
        picker = app.query_one(SecurityImagePicker)
        picker.focus()
        picker.cursor = picker.image_index(image)
        await pilot.pause()
        glyph, colour, _name = PICTURES[image]
        key_width, key_height = picker._key_size()
        row, column = divmod(picker.cursor, picker.columns)
        line = picker.render_line(row * key_height + key_height // 2)
        drawn = [segment for segment in line if glyph in segment.text]
        assert drawn, f"the focused tile of {image} does not draw {glyph}"
        style: Style = drawn[0].style
        assert Color.from_rich_color(style.color) == Color.parse(colour)
        # On the tile's own colour, not the focus colour, so it reads.
        assert ratio(Color.from_rich_color(style.color), Color.from_rich_color(style.bgcolor)) >= REQUIRED
        assert cell_background(picker, column * (key_width + picker.key_gap), row * key_height) == Color.parse(
            app.theme_variables["accent"]
        )


async def test_safe_exit_and_a_real_screen_use_the_same_focus_look(make_app):
    """On a step screen as shipped: the document field, the link button and
    «Salida segura» each change 3:1 or more when focused."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await click(pilot, "#start")
        for selector in ("#document", "#forgot-user", "#continue", "#safe-exit", "#numpad"):
            widget = app.screen.query_one(selector)
            app.screen.set_focus(None)
            await pilot.pause()
            before = looks(widget)
            widget.focus()
            await pilot.pause()
            assert focus_change(before, looks(widget)) >= REQUIRED, selector
