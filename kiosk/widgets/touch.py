"""The on-screen pads a form needs, one place: the numeric pad for document
numbers and codes, the scrambled keypad for keys, the keyboard for text.
Where a form needs more than one they share one place, the first shown:
tapping a field shows the pad that types into it."""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.widgets.keypad_layout import KeypadShuffler
from kiosk.widgets.typing_pad import TypingPad


def touch_pads(
    *,
    digits: Sequence[str] = (),
    keys: Sequence[str] = (),
    text: Sequence[str] = (),
    captcha: Sequence[str] = (),
    shuffler: KeypadShuffler | None = None,
    key_length: int = 0,
    keyboard_done: bool = False,
) -> list[TypingPad]:
    """Pads for the fields with these ids: ``digits`` (plain numeric pad),
    ``keys`` (scrambled keypad, fields that must be ``PadKeyField``), ``text``
    (keyboard; with a «Listo» key if ``keyboard_done``), ``captcha`` (the
    «No soy un robot» answer's letters and digits)."""
    pads: list[TypingPad] = []
    if digits:
        from kiosk.widgets.numpad import NumericPad

        pads.append(NumericPad(digits, id="numpad"))
    if keys:
        from kiosk.widgets.keypad import ScrambledKeypad

        assert shuffler is not None and key_length
        pads.append(ScrambledKeypad(shuffler, key_length, targets=keys, id="keypad"))
    if text:
        from kiosk.widgets.keyboard import OnScreenKeyboard

        pads.append(OnScreenKeyboard(text, done=keyboard_done, id="keyboard"))
    if captcha:
        from kiosk.widgets.captcha_pad import CaptchaPad

        pads.append(CaptchaPad(captcha, id="captcha-pad"))
    if len(pads) > 1:
        for pad in pads:
            pad.shares_place = True
        for pad in pads[1:]:
            pad.display = False
    return pads
