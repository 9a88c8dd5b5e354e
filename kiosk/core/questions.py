"""Personal questions for self-service recovery (Cooperen): the member's birth
date and a mobile number they have used, each among plausible distractors.

The options are drawn from a keyed digest of the member and the attempt
number, so they stay the same for one attempt, change after a failed one, and
look the same for a document nobody holds (whose "true" answers are decoys).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

OPTIONS = 4
# Prefixes of Colombian mobile operators, so every distractor looks real.
MOBILE_PREFIXES = ("300", "301", "302", "304", "305", "310", "311", "312", "313", "314",
                   "315", "316", "317", "318", "319", "320", "321", "322", "323", "350", "351")


@dataclass(frozen=True)
class Questions:
    birth_dates: tuple[str, ...]
    mobiles: tuple[str, ...]


def format_birth_date(day: date) -> str:
    return day.isoformat()


def format_mobile(mobile: str) -> str:
    digits = "".join(ch for ch in mobile if ch.isdigit())[-10:]
    return f"{digits[:3]} {digits[3:]}"


def decoy_answers(rng: random.Random) -> tuple[date, str]:
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    return birth, rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"


def build(seed: bytes, birth_date: date, mobile: str) -> Questions:
    rng = random.Random(seed)
    births = {format_birth_date(birth_date)}
    while len(births) < OPTIONS:  # near dates: the same decade, any day
        births.add(format_birth_date(birth_date + timedelta(days=rng.randint(-1500, 1500))))
    mobiles = {format_mobile(mobile)}
    while len(mobiles) < OPTIONS:
        mobiles.add(format_mobile(rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"))
    # Sorted, then shuffled with the attempt's generator: the right answer's
    # position tells nothing and is not the same from one attempt to the next.
    birth_options, mobile_options = sorted(births), sorted(mobiles)
    rng.shuffle(birth_options)
    rng.shuffle(mobile_options)
    return Questions(tuple(birth_options), tuple(mobile_options))
