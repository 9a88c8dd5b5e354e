"""Keypad layouts: a fresh order of the ten digits each time a keypad is
shown.  Apart from the keypad widget so the app can hold a shuffler from
start-up without loading any widget."""

from __future__ import annotations

import random


class KeypadShuffler:
    """Deals keypad layouts; never the same layout twice in a row."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.SystemRandom()
        self._last: tuple[str, ...] | None = None

    def next_layout(self) -> tuple[str, ...]:
        digits = list("0123456789")
        while True:
            self._rng.shuffle(digits)
            layout = tuple(digits)
            if layout != self._last:
                self._last = layout
                return layout
