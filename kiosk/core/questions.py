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

from kiosk.core.population import MOBILE_PREFIXES  # so every distractor looks real
from kiosk.i18n import N_

OPTIONS = 4


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



@dataclass(frozen=True)
class Question:
    id: str
    template: str  # Spanish source text; "{product}" stands for ``product``
    product: str
    options: tuple[str, ...]
    answer: str  # kept in the core; screens never read it


def product_questions(
    seed: bytes, held: list[tuple[str, str, date]], catalogue: list[str]
) -> list[Question]:
    """Questions about the member's own products (which kind, the year one was
    opened, the last digits of its number), each among plausible distractors
    drawn for this attempt, in an order that tells nothing."""
    rng = random.Random(seed)
    kinds = sorted({kind for kind, _number, _opened in held})
    kind = rng.choice(kinds)
    others = [k for k in catalogue if k not in kinds]
    kind_options = {kind, *rng.sample(others, min(OPTIONS - 1, len(others)))}

    product, number, opened = rng.choice(sorted(held))
    years = {str(opened.year)}
    while len(years) < OPTIONS:
        years.add(str(opened.year + rng.choice((-4, -3, -2, -1, 1, 2, 3))))
    endings = {number[-4:]}
    while len(endings) < OPTIONS:
        endings.add(f"{rng.randrange(10000):04d}")

    questions = []
    for qid, template, options, answer in (
        ("kind", N_("¿Cuál de estos productos tiene con nosotros?"), kind_options, kind),
        ("year", N_("¿En qué año abrió su {product}?"), years, str(opened.year)),
        ("digits", N_("¿Cuáles son los últimos 4 dígitos de su {product}?"), endings, number[-4:]),
    ):
        ordered = sorted(options)
        rng.shuffle(ordered)
        questions.append(Question(qid, template, product, tuple(ordered), answer))
    return questions
