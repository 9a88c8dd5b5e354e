"""Key policy: exact length per profile, no common, repeated, sequential or
personal-data PINs.  Each refusal says why, in the member's language."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from kiosk.core.errors import Refusal
from kiosk.i18n import _

# The most used PINs (DataGenetics' analysis of leaked PINs) that the rules
# below do not already catch.
COMMON_PINS = frozenset(
    {
        "1212", "1004", "2000", "6969", "1122", "1313", "4321", "2001", "1010",
        "2580", "0852", "1984", "1986", "1985", "1987", "1990", "2468", "1357",
        "7410", "0147", "9630", "3690", "1230", "1020",
        "121212", "123123", "112233", "696969", "159753", "131313", "101010",
        "147258", "258369", "123321", "102030", "654123", "147852", "789456",
        "202020", "520520", "123654", "753951", "147369", "159357",
        "12345", "54321", "11223", "13579", "24680", "10203",
    }
)


@dataclass(frozen=True)
class PersonalData:
    """What a key must not be built from."""

    document_number: str = ""
    birth_date: date | None = None
    mobile: str = ""


def _is_repeated(key: str) -> bool:
    """All one digit, or one short block repeated (1212, 123123)."""
    for size in range(1, len(key) // 2 + 1):
        if len(key) % size == 0 and key == key[:size] * (len(key) // size):
            return True
    return False


def _is_sequential(key: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in zip(key, key[1:])}
    return steps in ({1}, {9})


def _personal_fragments(data: PersonalData, length: int) -> set[str]:
    fragments: set[str] = set()
    for number in (data.document_number, data.mobile):
        digits = "".join(ch for ch in number if ch.isdigit())
        if len(digits) >= length:
            fragments.update(digits[i : i + length] for i in range(len(digits) - length + 1))
    if data.birth_date:
        d = data.birth_date
        dd, mm, yyyy, yy = f"{d.day:02d}", f"{d.month:02d}", f"{d.year:04d}", f"{d.year % 100:02d}"
        for form in (
            yyyy, dd + mm, mm + dd, dd + mm + yy, yy + mm + dd, mm + dd + yy,
            dd + mm + yyyy, yyyy + mm + dd, mm + yyyy, yyyy + mm, dd + yyyy,
        ):
            if len(form) == length:
                fragments.add(form)
            elif len(form) > length:
                fragments.update(form[i : i + length] for i in range(len(form) - length + 1))
    return fragments


def check_key(key: str, length: int, personal: PersonalData | None = None) -> None:
    """Raise ``Refusal`` with the reason when ``key`` breaks the policy."""
    if not key.isascii() or not key.isdigit():
        raise Refusal("not_digits", _("La clave solo puede tener números."))
    if len(key) != length:
        raise Refusal(
            "length", _("La clave debe tener exactamente {length} números.").format(length=length)
        )
    if _is_repeated(key):
        raise Refusal("repeated", _("La clave no puede repetir los mismos números (como 1111 o 1212)."))
    if _is_sequential(key):
        raise Refusal("sequential", _("La clave no puede ser una secuencia (como 1234 o 9876)."))
    if key in COMMON_PINS:
        raise Refusal("common", _("Esa clave es de las más usadas y fáciles de adivinar. Elija otra."))
    if personal and key in _personal_fragments(personal, length):
        raise Refusal(
            "personal",
            _("La clave no puede contener su fecha de nacimiento, documento o celular."),
        )


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
