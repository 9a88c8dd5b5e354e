"""The "No soy un robot" image challenge, drawn in the terminal.

The text is drawn as a picture made of half-block characters, each letter
nudged up or down at random and sprinkled with noise, so a script that reads
the screen's text gets a grid of blocks, not the answer.  The answer never
leaves the kiosk's memory.
"""

from __future__ import annotations

import hmac
import random
from dataclasses import dataclass
from functools import lru_cache

# No 0/O, 1/I, 2/Z, 5/S, 8/B: nothing a member could reasonably misread.
ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"
FONT = "banner3"
HEIGHT = 7  # banner3's letters are seven pixels tall
JITTER = 2  # pixels a letter may move up or down


@dataclass(frozen=True)
class Captcha:
    answer: str
    picture: tuple[str, ...]  # lines of half-block characters

    def matches(self, typed: str) -> bool:
        normalized = "".join(typed.split()).upper()
        return hmac.compare_digest(normalized.encode(), self.answer.encode())


@lru_cache(maxsize=None)
def _glyph(char: str) -> tuple[str, ...]:
    import pyfiglet  # loaded only when a challenge is first drawn

    rows = pyfiglet.figlet_format(char, font=FONT).splitlines()[:HEIGHT]
    width = max(len(row) for row in rows)
    return tuple(row.ljust(width) for row in rows)


def new_captcha(rng: random.Random, length: int = 5) -> Captcha:
    answer = "".join(rng.choice(ALPHABET) for _ in range(length))
    pixels = _draw(answer, rng)
    return Captcha(answer, _half_blocks(pixels))


def _draw(answer: str, rng: random.Random) -> list[list[bool]]:
    height = HEIGHT + 2 * JITTER
    columns: list[list[bool]] = []
    for char in answer:
        glyph = _glyph(char)
        offset = rng.randint(0, 2 * JITTER)
        for x in range(len(glyph[0])):
            column = [False] * height
            for y, row in enumerate(glyph):
                column[y + offset] = row[x] != " "
            columns.append(column)
        columns.append([False] * height)
    # Noise: loose specks around the letters (never holes in a stroke, which
    # would cost a member more than a script).
    for column in columns:
        for y in range(height):
            if not column[y] and rng.random() < 0.03:
                column[y] = True
    return [[columns[x][y] for x in range(len(columns))] for y in range(height)]


def _half_blocks(pixels: list[list[bool]]) -> tuple[str, ...]:
    """Two pixel rows per line of text: ▀ top, ▄ bottom, █ both."""
    if len(pixels) % 2:
        pixels = pixels + [[False] * len(pixels[0])]
    chars = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    return tuple(
        "".join(chars[(top, bottom)] for top, bottom in zip(pixels[y], pixels[y + 1]))
        for y in range(0, len(pixels), 2)
    )
