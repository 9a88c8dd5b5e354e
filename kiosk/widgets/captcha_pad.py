"""The on-screen keys for «No soy un robot»: the letters and digits a picture
can hold (``kiosk.core.captcha.ALPHABET``), Borrar and Limpiar.  Only those:
fewer, larger keys than the keyboard's, in the place the form's other pad
takes (``kiosk.widgets.touch``), shown while the picture's text is typed."""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.core.captcha import ALPHABET
from kiosk.widgets.numpad import action_label
from kiosk.widgets.typing_pad import CLEAR, ERASE, TypingPad

KEYS = (*ALPHABET, ERASE, CLEAR)
COLUMNS = 6


class CaptchaPad(TypingPad):
    # The keypad's place and size (steps.tcss sizes both larger on a large terminal).
    DEFAULT_CSS = """
    CaptchaPad { width: 47; height: 11; padding: 0 1; }
    """

    def __init__(self, targets: Sequence[str], **kwargs) -> None:
        labels = [key if len(key) == 1 else action_label(key, short=True) for key in KEYS]
        super().__init__(labels, COLUMNS, targets=targets, **kwargs)

    def key_action(self, index: int) -> str:
        return KEYS[index]

    def key_index(self, key: str) -> int:
        """Where ``key`` (a character of the picture's alphabet, ``erase`` or ``clear``) sits."""
        return KEYS.index(key.upper() if len(key) == 1 else key)
