"""The "No soy un robot" image challenge, drawn in the terminal.

The text is drawn as a picture made of half-block characters, each letter
nudged up or down at random and sprinkled with noise, so a script that reads
the screen's text gets a grid of blocks, not the answer.  The answer never
leaves the kiosk's memory.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from kiosk.core.clock import Clock
from kiosk.core.errors import Refusal
from kiosk.i18n import _

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


def widest_picture(length: int = 5) -> int:
    """The columns the widest picture of ``length`` characters takes (each
    letter and a blank column after it): a screen lays its picture out that
    wide, so its layout does not depend on which letters were drawn."""
    return length * (max(len(_glyph(char)[0]) for char in ALPHABET) + 1)


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


# -- the core's side: a solved challenge becomes a token the guarded call needs --

TOKEN_LIFETIME = timedelta(minutes=5)
MAX_OPEN_CHALLENGES = 1000  # oldest forgotten first: a kiosk shows one at a time


@dataclass(frozen=True)
class Challenge:
    id: str
    picture: tuple[str, ...]


class Challenges:
    """Challenges issued by this kiosk and the tokens their answers earn.

    A challenge takes one answer (right or wrong, it is then forgotten); a
    right answer yields a token, an HMAC over the visit id, a nonce and an
    expiry, under a key that never leaves this process.  ``redeem`` accepts
    a token once, for the visit it was minted for, before it expires."""

    def __init__(self, clock: Clock, lifetime: timedelta = TOKEN_LIFETIME) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._key = secrets.token_bytes(32)
        self._answers: OrderedDict[str, str] = OrderedDict()
        self._redeemed: dict[str, datetime] = {}  # nonce -> expiry, kept until it expires
        self._lock = threading.Lock()

    def issue(self, rng: random.Random) -> tuple[Challenge, Captcha]:
        captcha = new_captcha(rng)
        challenge = Challenge(secrets.token_urlsafe(12), captcha.picture)
        with self._lock:
            self._answers[challenge.id] = captcha.answer
            while len(self._answers) > MAX_OPEN_CHALLENGES:
                self._answers.popitem(last=False)
        return challenge, captcha

    def solve(self, challenge_id: str, typed: str, visit_id: str) -> str:
        """The token for a right answer; a wrong one (or an unknown challenge) is refused."""
        with self._lock:
            answer = self._answers.pop(challenge_id, None)
        if answer is None or not Captcha(answer, ()).matches(typed):
            raise _wrong_answer()
        nonce = secrets.token_urlsafe(12)
        expires = int((self._clock.now() + self._lifetime).timestamp())
        return f"{nonce}.{expires}.{self._mac(visit_id, nonce, expires)}"

    def redeem(self, token: str | None, visit_id: str) -> None:
        """Use up ``token``; refuse one that is missing, forged, another visit's, expired or used."""
        nonce, expires = self._parse(token or "", visit_id)
        now = self._clock.now()
        if now.timestamp() >= expires:
            raise _wrong_answer()
        with self._lock:
            self._redeemed = {n: at for n, at in self._redeemed.items() if at > now}
            if nonce in self._redeemed:
                raise _wrong_answer()
            self._redeemed[nonce] = datetime.fromtimestamp(expires, UTC)

    def _parse(self, token: str, visit_id: str) -> tuple[str, int]:
        parts = token.split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            raise _wrong_answer()
        nonce, expires, mac = parts[0], int(parts[1]), parts[2]
        if not hmac.compare_digest(mac.encode(), self._mac(visit_id, nonce, expires).encode()):
            raise _wrong_answer()
        return nonce, expires

    def _mac(self, visit_id: str, nonce: str, expires: int) -> str:
        message = f"{visit_id}\x00{nonce}\x00{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def _wrong_answer() -> Refusal:
    return Refusal("captcha", _("El texto no coincide con la imagen. Intente con esta nueva imagen."))
