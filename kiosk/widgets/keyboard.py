"""The on-screen keyboard for the e-mail, the security phrase and the link
code: a Spanish layout with ñ, what an address needs (@ . - _ «.com»),
Mayús, Espacio, Borrar and Limpiar.  It types into a field the physical
keyboard also types into."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message

from kiosk.i18n import _
from kiosk.widgets.numpad import action_label
from kiosk.widgets.typing_pad import CLEAR, ERASE, TypingPad

SHIFT, SPACE, DONE = "shift", " ", "done"
COLUMNS = 10
KEYS = (
    *"1234567890",
    *"qwertyuiop",
    *"asdfghjklñ",
    *"zxcvbnm@.-",
    "_", ".com", SHIFT, SPACE, ERASE, CLEAR,
)


class OnScreenKeyboard(TypingPad):
    DEFAULT_CSS = """
    OnScreenKeyboard { width: 100%; max-width: 81; height: 15; }
    """
    # Keys two lines high on a short terminal (80x24), where three would push the form off it.
    SHORT_TERMINAL = 30

    # The words «Espacio» and «Limpiar» take seven columns: on keys narrower
    # (80 columns: six), shorter ones, so no key is cut to «Espac…».
    LONGEST_WORD = 7

    class Done(Message):
        """«Listo» was pressed: the form may show what the keyboard covers."""

    def __init__(self, targets: Sequence[str], done: bool = False, **kwargs) -> None:
        """``done``: a «Listo» key in the last row's free place, for a form
        whose keyboard takes the place of something else (``Done``)."""
        self.upper = False
        self.narrow = False
        self.keys = (*KEYS, DONE) if done else KEYS
        super().__init__(self._shown_labels(), COLUMNS, targets=targets, **kwargs)

    def _shown_labels(self) -> list[str | Text]:
        words = {SHIFT: _("Mayús"), SPACE: _("Espacio"), DONE: _("Listo")}
        if self.narrow:
            words.update({SPACE: "␣", CLEAR: _("Vaciar")})
        labels: list[str | Text] = []
        for key in self.keys:
            if key in words:
                labels.append(Text(words[key], style="not bold"))
            elif key in (ERASE, CLEAR):
                labels.append(action_label(key, short=True))  # seven columns a key at most
            else:
                labels.append(key.upper() if self.upper else key)
        return labels

    def on_resize(self) -> None:
        rows = self.rows * (3 if self.app.size.height >= self.SHORT_TERMINAL else 2)
        if self.styles.height is None or self.styles.height.value != rows:
            self.styles.height = rows
        narrow = self._key_size()[0] < self.LONGEST_WORD
        if narrow != self.narrow:
            self.narrow = narrow
            self.labels = self._shown_labels()

    def key_action(self, index: int) -> str:
        key = self.keys[index]
        return key.upper() if self.upper and key.isalpha() and len(key) == 1 else key

    def key_index(self, key: str) -> int:
        """Where ``key`` (a character as shown in lower case, ``.com``, ``shift``...) sits."""
        return self.keys.index(key)

    def do(self, action: str) -> None:
        if action == SHIFT:
            self.upper = not self.upper
            self.labels = self._shown_labels()
            self.selected = self.keys.index(SHIFT) if self.upper else None
            return
        if action == DONE:
            self.post_message(self.Done())
            return
        super().do(action)
