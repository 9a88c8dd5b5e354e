"""The on-screen numeric pad for documents and codes: the digits in their
plain order (nothing secret is typed here), Borrar and Limpiar.  It types into
a field the physical keyboard also types into."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from kiosk.i18n import _
from kiosk.widgets.typing_pad import CLEAR, ERASE, TypingPad

# Row by row, as on a phone: 1 2 3 / 4 5 6 / 7 8 9 / Borrar 0 Limpiar.
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", ERASE, "0", CLEAR)
COLUMNS = 3


def action_label(action: str, short: bool = False) -> Text:
    words = {ERASE: _("Borrar") if short else _("⌫ Borrar"), CLEAR: _("Limpiar")}
    return Text(words[action], style="not bold")


class NumericPad(TypingPad):
    DEFAULT_CSS = """
    NumericPad { width: 29; height: 12; margin: 0 0 0 1; }
    """

    def __init__(self, targets: Sequence[str], **kwargs) -> None:
        labels = [key if key.isdigit() else action_label(key) for key in KEYS]
        super().__init__(labels, COLUMNS, targets=targets, **kwargs)

    def key_action(self, index: int) -> str:
        return KEYS[index]

    def key_index(self, key: str) -> int:
        """Where ``key`` (a digit, ``erase`` or ``clear``) sits."""
        return KEYS.index(key)
