"""A grid of large keys drawn by one widget.

The keypad and the security-image picker used to be a Grid of Buttons: a dozen
widgets each, to compose, style, lay out and composite on every screen change,
which made those screens the slowest to appear.  Here the whole grid is one
widget that draws its keys line by line and maps a click to the key under it.

It is worked by mouse or touch, or by the arrow keys (which wrap) and Enter or
Space on the highlighted key.  The keys fill the size the stylesheet gives the
widget: ``key_width`` x ``key_height`` cells each, unless CSS sets a size.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.color import Color
from textual.geometry import Offset, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from kiosk.contrast import focus_colour

# How long a pressed key stays lit: the feedback a touch screen gives nothing else for.
PRESS_FLASH = 0.15

# A key's colours as it is shown: the theme variable of its background, and of
# its text (None: white or black, whichever reads on that background, as
# Textual's "auto" colour does).  Read from the theme in Python: as component
# classes, they were styled again on every style pass of the widget (about a
# millisecond each, twice as a screen with a keypad is shown).
KEY_COLOURS: dict[str, tuple[str, str | None]] = {
    "key": ("surface", None),
    "hover": ("surface-darken-1", None),
    # The key Enter presses, while the grid has focus: framed in this colour
    # (its own colours, a picture's among them, stay as they are).
    "cursor": ("accent", None),
    "pressed": ("primary", None),
    "selected": ("success", None),
}


class KeyGrid(Widget, can_focus=True):
    DEFAULT_CSS = """
    KeyGrid { width: auto; height: auto; }
    """
    BINDINGS = [
        Binding("up", "move(-1, 0)", show=False),
        Binding("down", "move(1, 0)", show=False),
        Binding("left", "move(0, -1)", show=False),
        Binding("right", "move(0, 1)", show=False),
        Binding("enter,space", "press", show=False),
    ]

    class Pressed(Message):
        """A key was pressed (clicked, tapped, or Enter on the highlighted key)."""

        def __init__(self, grid: KeyGrid, index: int) -> None:
            super().__init__()
            self.grid = grid
            self.index = index

        @property
        def control(self) -> KeyGrid:
            return self.grid

    cursor: reactive[int] = reactive(0)  # the key Enter presses
    hover: reactive[int | None] = reactive(None)
    pressed: reactive[int | None] = reactive(None)  # lit for PRESS_FLASH after a press
    selected: reactive[int | None] = reactive(None)  # a choice that stays marked (the picker's)

    def __init__(
        self,
        labels: Sequence[str | Text],
        columns: int,
        key_width: int = 10,
        key_height: int = 3,
        key_gap: int = 1,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._labels = list(labels)
        self._labels_version = 0  # what the drawn lines were drawn from
        self.columns = columns
        self.key_width = key_width
        self.key_height = key_height
        self.key_gap = key_gap
        self._drawn: tuple[tuple, list[Strip]] | None = None
        self._flash_timer = None

    # -- keys ----------------------------------------------------------------

    @property
    def labels(self) -> list[str | Text]:
        return list(self._labels)

    @labels.setter
    def labels(self, labels: Sequence[str | Text]) -> None:
        if len(labels) != len(self._labels):
            raise ValueError("a key grid keeps its number of keys")
        self._labels = list(labels)
        self._labels_version += 1
        self.refresh()

    @property
    def rows(self) -> int:
        return -(-len(self._labels) // self.columns)

    def _key_size(self) -> tuple[int, int]:
        width, height = self.size
        key_width = max(1, (width - self.key_gap * (self.columns - 1)) // self.columns)
        return key_width, max(1, height // self.rows)

    def key_at(self, offset: Offset) -> int | None:
        """The key under ``offset`` (from the top left of the keys, inside any frame), or None (a gap)."""
        key_width, key_height = self._key_size()
        column, x = divmod(offset.x, key_width + self.key_gap)
        row = offset.y // key_height
        index = row * self.columns + column
        if x >= key_width or column >= self.columns or not 0 <= index < len(self._labels) or offset.y < 0:
            return None
        return index

    def key_offset(self, index: int) -> Offset:
        """The middle of key ``index``, from the widget's top left corner,
        its frame included (where a tap lands)."""
        key_width, key_height = self._key_size()
        row, column = divmod(index, self.columns)
        top, _right, _bottom, left = self.styles.gutter
        return Offset(left + column * (key_width + self.key_gap) + key_width // 2,
                      top + row * key_height + key_height // 2)

    def press(self, index: int) -> None:
        self.cursor = index
        self.pressed = index
        if self._flash_timer is not None:
            self._flash_timer.stop()
        self._flash_timer = self.set_timer(PRESS_FLASH, self._unflash)
        self.post_message(self.Pressed(self, index))

    def _unflash(self) -> None:
        self.pressed = None

    # -- input -----------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        index = None if offset is None else self.key_at(offset)
        if index is not None:
            event.stop()
            self.press(index)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        self.hover = None if offset is None else self.key_at(offset)

    def on_leave(self, _event: events.Leave) -> None:
        self.hover = None

    def action_move(self, rows: int, columns: int) -> None:
        row, column = divmod(self.cursor, self.columns)
        row = (row + rows) % self.rows
        column = (column + columns) % self.columns
        self.cursor = min(row * self.columns + column, len(self._labels) - 1)

    def action_press(self) -> None:
        self.press(self.cursor)

    # -- drawing ---------------------------------------------------------------

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.columns * self.key_width + self.key_gap * (self.columns - 1)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rows * self.key_height

    def _key_styles(self) -> dict[str, Style]:
        """The styles of KEY_COLOURS in the app's theme, bold."""
        variables = self.app.theme_variables
        styles = {}
        for kind, (background, text) in KEY_COLOURS.items():
            back = Color.parse(variables[background])
            fore = Color.parse(variables[text]) if text else back + back.get_contrast_text(0.87)
            styles[kind] = Style(color=fore.rich_color, bgcolor=back.rich_color, bold=True)
        return styles

    def _key_style(self, index: int, styles: dict[str, Style]) -> Style:
        kind = "key"
        for lit, state in (
            (index == self.hover, "hover"),
            (index == self.selected, "selected"),  # a choice shows even under the cursor
            (index == self.pressed, "pressed"),
        ):
            if lit:
                kind = state
        return styles[kind]

    def _ring(self, index: int, styles: dict[str, Style]) -> Style | None:
        """The focus frame of key ``index`` (the cursor's, while the grid has
        focus): the accent, or white or black where the key's own colour is
        too close to it (kiosk.contrast)."""
        if index != self.cursor or not self.has_focus:
            return None
        fill = self._key_style(index, styles).bgcolor
        frame = focus_colour(
            Color.from_rich_color(styles["cursor"].bgcolor),
            Color.from_rich_color(fill) if fill else Color(0, 0, 0),
            (Color(255, 255, 255), Color(0, 0, 0)),
        )
        return Style(bgcolor=frame.rich_color)

    def _draw(self) -> list[Strip]:
        """Every line of the grid.  A key is a block of its colour with its
        label on the middle line, a lighter edge above and a darker one below,
        the way Textual draws a button."""
        width, _height = self.size
        key_width, key_height = self._key_size()
        # Once per drawing: ``rich_style`` walks every ancestor (it ran once per line).
        base = self.rich_style
        styles = self._key_styles()
        gap = Segment(" " * self.key_gap, base)
        lines: list[Strip] = []
        for row in range(self.rows):
            keys = range(row * self.columns, min((row + 1) * self.columns, len(self._labels)))
            blocks = [
                self._draw_key(index, key_width, key_height, self._key_style(index, styles), self._ring(index, styles))
                for index in keys
            ]
            for y in range(key_height):
                segments: list[Segment] = []
                for column, block in enumerate(blocks):
                    if column:
                        segments.append(gap)
                    segments.extend(block[y])
                lines.append(Strip(segments).extend_cell_length(width, base).crop(0, width))
        return lines

    def _draw_key(
        self, index: int, width: int, height: int, style: Style, ring: Style | None = None
    ) -> list[list[Segment]]:
        background = Color.from_rich_color(style.bgcolor) if style.bgcolor else Color(0, 0, 0)
        edge_above = Style(color=background.lighten(0.1).rich_color, bgcolor=style.bgcolor)
        edge_below = Style(color=background.darken(0.1).rich_color, bgcolor=style.bgcolor)
        label = self._labels[index]
        label = label.copy() if isinstance(label, Text) else Text(label)
        label.truncate(width - 2 if ring else width, overflow="ellipsis")  # inside the frame
        left = (width - label.cell_len) // 2
        right = width - label.cell_len - left
        # The margins apart from the label, so they are plain spaces in every renderer.
        margin = style + Style(bold=False)
        middle = [
            Segment(" " * left, margin),
            *Segment.apply_style(label.render(self.app.console), style),
            Segment(" " * right, margin),
        ]
        blank = [Segment(" " * width, style)]
        block = [blank] * height
        if height >= 3:
            block = [[Segment("▔" * width, edge_above)], *block[1:-1], [Segment("▁" * width, edge_below)]]
        elif height == 2:  # short keys (the keyboard on a short terminal): the label over the lower edge
            block = [middle, [Segment("▁" * width, edge_below)]]
            return self._framed(block, width, ring)
        block[height // 2] = middle
        return self._framed(block, width, ring)

    @staticmethod
    def _framed(block: list[list[Segment]], width: int, ring: Style | None) -> list[list[Segment]]:
        """``block`` with a frame of ``ring``'s colour: its edge rows (the lower
        one of a two-row key) and the first and last cell of every other row."""
        if ring is None:
            return block
        bar = [Segment(" " * width, ring)]
        edges = {0, len(block) - 1} if len(block) >= 3 else {len(block) - 1} if len(block) == 2 else set()
        side = Segment(" ", ring)
        return [
            bar if y in edges else [side, *Strip(row).crop(1, width - 1), side]
            for y, row in enumerate(block)
        ]

    def render_line(self, y: int) -> Strip:
        state = (
            self.size, self._labels_version, self.cursor if self.has_focus else None,
            self.hover, self.pressed, self.selected, self.app.theme,
        )
        if self._drawn is None or self._drawn[0] != state:
            self._drawn = (state, self._draw())
        lines = self._drawn[1]
        return lines[y] if y < len(lines) else Strip.blank(self.size.width, self.rich_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn = None  # drawn over a background that may have changed

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
