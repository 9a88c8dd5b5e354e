"""Key policy: exact length per profile, and the same rules at every length
(4, 5, 6 or 8 digits): no repeated, nearly repeated, sequential, mirrored,
keypad, year or personal-data keys.  Each refusal gives one reason, in the
member's language.

The families are rules, not lists, so a 5- or 8-digit key is judged like a
4-digit one: 1212, 12121 and 12121212 are all "repeated"; 1004, 10004 and
10000004 all "almost one digit".  ``COMMON_PINS`` keeps only the few most used
PINs no rule describes."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kiosk.core.errors import Refusal
from kiosk.i18n import _

# The most used PINs (DataGenetics' analysis of leaked PINs) that no rule below
# catches; every other PIN of that analysis's top lists is caught by a rule.
# 7410, 0147 and 3690 run down a keypad column onto the 0 (on a numeric keypad
# the 0 lies under the first column), which no straight line describes.
COMMON_PINS = frozenset({"1230", "1020", "10203", "102030", "11223", "7410", "0147", "3690"})

# Where each digit sits on a phone or ATM keypad (row, column).
KEYPAD = {
    "1": (0, 0), "2": (0, 1), "3": (0, 2),
    "4": (1, 0), "5": (1, 1), "6": (1, 2),
    "7": (2, 0), "8": (2, 1), "9": (2, 2),
    "0": (3, 1),
}

# The shortest piece of a key that counts as personal data when it is one digit off.
NEAR_MATCH_MIN = 4


@dataclass(frozen=True)
class PersonalData:
    """What a key must not be built from."""

    document_number: str = ""
    birth_date: date | None = None
    mobile: str = ""


# -- the families, each a rule -------------------------------------------------------


def is_repeated(key: str) -> bool:
    """One short block repeated, whole or cut short (1111, 1212, 12121, 123123,
    12341234), or every digit doubled or more (1122, 112233, 11222)."""
    for period in range(1, len(key) // 2 + 1):
        if all(key[i] == key[i - period] for i in range(period, len(key))):
            return True
    runs = _run_lengths(key)
    return len(runs) > 1 and min(runs) >= 2


def is_almost_one_digit(key: str) -> bool:
    """All one digit but one (1112, 2000, 10000, 999989), or a digit, zeros and a
    digit (1004, 10004, 200009)."""
    if any(sum(ch != digit for ch in key) == 1 for digit in set(key)):
        return True
    return len(key) >= 4 and set(key[1:-1]) == {"0"}


def is_sequential(key: str) -> bool:
    """Digits with one constant step, wrapping past 9 and 0 (1234, 9876, 8901,
    2468, 13579, 0369); or, from 6 digits, two halves each such a run (654123,
    123654, 147369, 159753)."""
    if _constant_step(key):
        return True
    if len(key) >= 6 and len(key) % 2 == 0:
        half = len(key) // 2
        return _constant_step(key[:half]) and _constant_step(key[half:])
    return False


def is_mirrored(key: str) -> bool:
    """Reads the same both ways (1221, 12321, 123321, 12344321)."""
    return key == key[::-1]


def is_keypad_pattern(key: str) -> bool:
    """Straight lines on the keypad, each of at least three keys, one after the
    other or turning on a key (2580, 14789, 580123, 1478963, 1235789, 25852580)."""
    return _keypad_lines(key, 0)


def contains_year(key: str) -> bool:
    """A year 1900-2099 anywhere in the key (1985, 2024, 582017 is 58 + 2017)."""
    return any(key[i : i + 2] in ("19", "20") for i in range(len(key) - 3))


def _run_lengths(key: str) -> list[int]:
    runs = [1]
    for before, after in zip(key, key[1:]):
        if after == before:
            runs[-1] += 1
        else:
            runs.append(1)
    return runs


def _steps(digits: str) -> set[int]:
    return {(int(b) - int(a)) % 10 for a, b in zip(digits, digits[1:])}


def _constant_step(digits: str) -> bool:
    """At least three digits moving by the same non-zero step."""
    steps = _steps(digits)
    return len(digits) >= 3 and len(steps) == 1 and steps != {0}


def _keypad_lines(key: str, start: int) -> bool:
    """``key[start:]`` is keypad lines; a line may start on the key the one
    before ended on (a turn, as in 14789), so it then adds two keys or more."""
    for end in range(start + 3, len(key) + 1):
        if _keypad_line(key[start:end]) and (
            end == len(key) or _keypad_lines(key, end) or (end + 1 < len(key) and _keypad_lines(key, end - 1))
        ):
            return True
    return False


def _keypad_line(digits: str) -> bool:
    """Neighbouring keys in one straight direction (across, down or diagonally)."""
    cells = [KEYPAD[d] for d in digits]
    moves = {(b[0] - a[0], b[1] - a[1]) for a, b in zip(cells, cells[1:])}
    if len(moves) != 1:
        return False
    (rows, columns), = moves
    return max(abs(rows), abs(columns)) == 1


# -- personal data ------------------------------------------------------------------


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


def birth_date_forms(born: date) -> list[str]:
    """The birth date as people write it: every common order, long and short years."""
    dd, mm, yyyy, yy = f"{born.day:02d}", f"{born.month:02d}", f"{born.year:04d}", f"{born.year % 100:02d}"
    return [
        dd + mm + yyyy, dd + mm + yy, yyyy + mm + dd, yy + mm + dd, mm + dd + yyyy, mm + dd + yy,
        dd + mm, mm + dd, yyyy, mm + yyyy, yyyy + mm, dd + yyyy,
    ]


def personal_fragments(data: PersonalData) -> list[str]:
    """Every piece of personal data a key must not contain: the document and
    mobile digits, and the birth date in each form."""
    fragments = [_digits(data.document_number), _digits(data.mobile)]
    if data.birth_date:
        fragments += birth_date_forms(data.birth_date)
    return [fragment for fragment in fragments if len(fragment) >= NEAR_MATCH_MIN]


def _one_digit_apart(a: str, b: str) -> bool:
    return sum(x != y for x, y in zip(a, b)) <= 1


def _windows(text: str, size: int) -> Iterable[str]:
    return (text[i : i + size] for i in range(len(text) - size + 1))


def uses_personal_data(key: str, data: PersonalData) -> bool:
    """The key holds a personal fragment, or is part of one, exactly or with
    one digit changed (a piece of a long fragment as long as the key, or a
    whole shorter fragment inside the key).  A few hundred short comparisons:
    fast enough for every keypad submit."""
    for fragment in personal_fragments(data):
        if len(fragment) >= len(key):
            pieces = ((key, window) for window in _windows(fragment, len(key)))
        else:
            pieces = ((window, fragment) for window in _windows(key, len(fragment)))
        if any(_one_digit_apart(a, b) for a, b in pieces):
            return True
    return False


# -- the policy ---------------------------------------------------------------------


def check_key(key: str, length: int, personal: PersonalData | None = None) -> None:
    """Raise ``Refusal`` with the reason when ``key`` breaks the policy."""
    if not key.isascii() or not key.isdigit():
        raise Refusal("not_digits", _("La clave solo puede tener números."))
    if len(key) != length:
        raise Refusal(
            "length", _("La clave debe tener exactamente {length} números.").format(length=length)
        )
    if is_repeated(key):
        raise Refusal(
            "repeated", _("La clave no puede repetir números ni grupos de números (como 1111, 1212 o 1122).")
        )
    if is_almost_one_digit(key):
        raise Refusal("almost_repeated", _("La clave no puede ser casi un solo número (como 1112, 2000 o 1004)."))
    if is_sequential(key):
        raise Refusal("sequential", _("La clave no puede ser una secuencia (como 1234, 9876 o 2468)."))
    if is_mirrored(key):
        raise Refusal("mirrored", _("La clave no puede leerse igual al derecho y al revés (como 1221 o 12521)."))
    if is_keypad_pattern(key):
        raise Refusal("keypad", _("La clave no puede ser una figura en el teclado (como 2580 o 14789)."))
    if key in COMMON_PINS:
        raise Refusal("common", _("Esa clave es de las más usadas y fáciles de adivinar. Elija otra."))
    if personal and uses_personal_data(key, personal):
        raise Refusal(
            "personal",
            _("La clave no puede contener su fecha de nacimiento, documento o celular."),
        )
    if contains_year(key):
        raise Refusal("year", _("La clave no puede contener un año (como 1990 o 2024)."))


def check_confirmation(key: str, confirmation: str) -> None:
    if key != confirmation:
        raise Refusal("mismatch", _("La clave y su confirmación no coinciden. Escríbalas de nuevo."))


def new_temporary_key(length: int) -> str:
    """A random key the system assigns, itself passing the policy."""
    while True:
        key = "".join(secrets.choice("0123456789") for _ in range(length))
        try:
            check_key(key, length)
        except Refusal:
            continue
        return key
