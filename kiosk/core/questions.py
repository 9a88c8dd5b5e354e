"""Security questions for self-service recovery (Cooperen's personal
questions; Banco Caja Social's questions after its e-mailed code).

Four questions, each a set of options of which one is right:

* the birth date (4 options),
* the mobile (4 options; the digits a masked contact shows are kept),
* the last 4 digits of one of the member's products (6 options),
* the month that product was opened (6 options).

**Fixed options.**  Every set is drawn from a generator seeded with a keyed
digest (``Hasher.fingerprint``: the pepper, the institution, the document type
and number, the question), never with the attempt, the day or the kiosk.  So
the options a member is shown are the same on every attempt, visit, kiosk and
day, and an attacker who records every attempt and intersects the sets keeps
all the options.  A document nobody holds gets decoy "true answers" drawn from
the same keyed digest: stable questions made the same way as a member's.

**Nothing in a set points at the right option.**  Each answer is a number on
a cycle (the day of the birth year, the hidden last five digits of the mobile,
the last four digits of the product, the month of the year).  The set is a
lattice on that cycle: ``true + (k - p) * stride`` for ``k = 0..n-1``, where the
position ``p`` (uniform in ``0..n-1``) and the ``stride`` (uniform in a range,
independent of the true value) come from the keyed generator.  Given a set
``S``, the true value is element ``k`` exactly when ``p = k``, so
``P(true = S[k] | S)`` is proportional to ``prior(S[k]) * 1/n``: as the prior is
flat along the cycle (every last digit, every hidden mobile digit is as
likely as another; months and days of the year nearly so), every option is
equally likely to be the right one, even for an attacker who knows this code.
On a cycle there are no ends: no option falls in the future or before a
plausible range, and the right one is never "the middle of the range".  The
options are shown in their natural order (dates and months in calendar order,
numbers ascending), so the position shown is the rank in the set, uniform too;
every option is a real value of the same format (the same year and
day-of-year cycle, the member's own operator prefix), and since the lattice
moves with the true value, no option turns up more often across members than
true values do.

What a set does reveal is the region of the answer every option shares: the
birth year, the first five digits of the mobile (what a masked contact shows
anyway).  The questions are independent of one another (the product asked
about is picked by the keyed generator), so a blind guess of a whole set is
right with probability ``prod(1 / options)`` = 1/576, and with at most
``attempts`` failed sets before a teller must reopen self-service, an attacker
who knows the document (and the e-mail) succeeds with probability at most
``attempts / 576`` (``odds_of_guessing``).  The residual non-uniformity is the
seasonality of births and openings by day or month of the year (a few per
cent of the prior).

Left out on purpose: the kind of product (its prior is uneven: nearly every
member has a savings account, so a set of kinds points at it), years of
joining or opening (a window of years has ends, and years in the future are
plainly wrong), and the month of joining (it often is the month the first
product was opened, so two such questions would give each other away).  The
e-mail stays a typed field; the image challenge stays too.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from kiosk.core.population import MOBILE_PREFIXES  # so every distractor looks real
from kiosk.i18n import N_

MONTHS = (N_("enero"), N_("febrero"), N_("marzo"), N_("abril"), N_("mayo"), N_("junio"), N_("julio"),
          N_("agosto"), N_("septiembre"), N_("octubre"), N_("noviembre"), N_("diciembre"))
# Digits of the mobile a masked contact shows ("321 21****"): the options keep them.
MOBILE_SHOWN = 5
PRODUCT_DIGITS = 4

BIRTH, MOBILE, DIGITS, OPENED = "birth", "mobile", "digits", "opened"
# (options shown, stride range) per question: the strides keep every lattice
# inside one turn of its cycle, so the options are distinct.
LATTICES = {
    BIRTH: (4, range(20, 91)),  # days of a year of 365 or 366
    MOBILE: (4, range(5_000, 25_000)),  # the hidden 10**5
    DIGITS: (6, range(400, 1_667)),  # 10**4
    OPENED: (6, range(1, 3)),  # 12 months
}


@dataclass(frozen=True)
class Question:
    id: str
    template: str  # Spanish source text; "{product}" stands for ``product``
    product: str
    options: tuple[str, ...]
    answer: str  # kept in the core; screens never read it


@dataclass(frozen=True)
class TrueAnswers:
    birth_date: date
    mobile: str  # ten digits
    product: str  # the kind of the product asked about
    product_number: str
    product_opened: date
    other_endings: frozenset[str] = frozenset()  # other products' endings: never a distractor


def option_counts() -> list[int]:
    return [count for count, _strides in LATTICES.values()]


def odds_of_guessing(attempts: int) -> float:
    """The chance that ``attempts`` blind guesses of whole sets find the right one."""
    return min(1.0, attempts / math.prod(option_counts()))


def keyed_generator(key: bytes, question: str) -> random.Random:
    return random.Random(key + b":" + question.encode())


def lattice(true: int, modulus: int, count: int, strides: range, rng: random.Random) -> list[int]:
    """``count`` values on a cycle of ``modulus``, ``true`` at a keyed position."""
    position, stride = rng.randrange(count), rng.choice(strides)
    return [(true + (k - position) * stride) % modulus for k in range(count)]


def format_birth_date(day: date) -> str:
    return day.isoformat()


def format_mobile(mobile: str) -> str:
    digits = "".join(ch for ch in mobile if ch.isdigit())[-10:]
    return f"{digits[:3]} {digits[3:]}"


def _birth_options(birth: date, rng: random.Random) -> tuple[list[str], str]:
    first = date(birth.year, 1, 1)
    days = (date(birth.year + 1, 1, 1) - first).days
    count, strides = LATTICES[BIRTH]
    values = sorted(lattice((birth - first).days, days, count, strides, rng))
    return [format_birth_date(first + timedelta(days=v)) for v in values], format_birth_date(birth)


def _mobile_options(mobile: str, rng: random.Random) -> tuple[list[str], str]:
    digits = format_mobile(mobile).replace(" ", "")
    shown, hidden = digits[:MOBILE_SHOWN], int(digits[MOBILE_SHOWN:])
    width = 10 - MOBILE_SHOWN
    count, strides = LATTICES[MOBILE]
    values = sorted(lattice(hidden, 10**width, count, strides, rng))
    return [format_mobile(shown + f"{v:0{width}d}") for v in values], format_mobile(digits)


def _digit_options(answers: TrueAnswers, rng: random.Random) -> tuple[list[str], str]:
    ending = answers.product_number[-PRODUCT_DIGITS:].rjust(PRODUCT_DIGITS, "0")
    count, strides = LATTICES[DIGITS]
    for _try in range(20):  # never another of the member's products as a distractor
        values = lattice(int(ending), 10**PRODUCT_DIGITS, count, strides, rng)
        options = sorted(f"{v:0{PRODUCT_DIGITS}d}" for v in values)
        if not (set(options) - {ending}) & answers.other_endings:
            break
    return options, ending


def _month_options(opened: date, rng: random.Random) -> tuple[list[str], str]:
    count, strides = LATTICES[OPENED]
    values = sorted(lattice(opened.month - 1, 12, count, strides, rng))
    return [MONTHS[v] for v in values], MONTHS[opened.month - 1]


def build(key: bytes, answers: TrueAnswers, name_product: bool) -> list[Question]:
    """The four questions, fixed for ``key``.  With ``name_product`` the
    product questions name the product's kind (Banco Caja Social, after its
    code); else they do not (Cooperen asks before any code: a stranger must
    not learn which products a member holds)."""
    if name_product:
        digits_text = N_("¿Con cuáles 4 dígitos termina el número de su {product}?")
        opened_text = N_("¿En qué mes abrió su {product}?")
    else:
        digits_text = N_("¿Con cuáles 4 dígitos termina el número de uno de sus productos?")
        opened_text = N_("¿En qué mes abrió ese producto?")
    built = (
        (BIRTH, N_("¿Cuál es su fecha de nacimiento?"), _birth_options(answers.birth_date, keyed_generator(key, BIRTH))),
        (MOBILE, N_("¿Con cuál de estos número de celular ha tenido relación?"),
         _mobile_options(answers.mobile, keyed_generator(key, MOBILE))),
        (DIGITS, digits_text, _digit_options(answers, keyed_generator(key, DIGITS))),
        (OPENED, opened_text, _month_options(answers.product_opened, keyed_generator(key, OPENED))),
    )
    return [Question(qid, text, answers.product, tuple(options), right) for qid, text, (options, right) in built]


def all_right(asked: list[Question], answers: dict[str, str]) -> bool:
    return all(answers.get(q.id) == q.answer for q in asked)


def member_answers(
    key: bytes, birth_date: date, mobile: str | None, products: list[tuple[str, str, date]]
) -> TrueAnswers | None:
    """The member's true answers, the product asked about picked by ``key``;
    None when the member lacks a mobile or a product (such a member is asked
    decoy questions and recovers at an office)."""
    if len("".join(ch for ch in mobile or "" if ch.isdigit())) < 10 or not products:
        return None
    ordered = sorted(products, key=lambda p: (p[1], p[0]))
    kind, number, opened = ordered[keyed_generator(key, "product").randrange(len(ordered))]
    others = frozenset(n[-PRODUCT_DIGITS:] for _k, n, _o in ordered if n != number)
    return TrueAnswers(birth_date, mobile, kind, number, opened, others)


DECOY_PRODUCTS = (N_("Cuenta de ahorros"), N_("Aportes"), N_("Crédito de consumo"), N_("CDAT"))


def decoy_answers(key: bytes) -> TrueAnswers:
    """Stable, plausible answers for a document nobody holds."""
    rng = keyed_generator(key, "decoy")
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
    opened = date(1995, 1, 1) + timedelta(days=rng.randrange(365 * 30))
    return TrueAnswers(birth, mobile, rng.choice(DECOY_PRODUCTS), f"{rng.randrange(10**10):010d}", opened)
