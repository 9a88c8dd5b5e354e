"""What a person typed: checked on the way in (contacts, names) and escaped on
the way out, so it is never read as markup by the console nor as a control
sequence by an operator's terminal."""

from __future__ import annotations

import re
import unicodedata

from kiosk.core.errors import Refusal
from kiosk.i18n import _

# ASCII only: Python's \d would also accept Arabic-Indic or full-width digits.
MOBILE = re.compile(r"3[0-9]{9}", re.ASCII)
EMAIL = re.compile(
    r"[a-z0-9._%+-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,24}",
    re.ASCII,
)
# Control characters (C0, DEL, C1), format characters (bidirectional overrides,
# zero-width joiners), line and paragraph separators, surrogates, private use.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})


def is_unsafe(char: str) -> bool:
    return unicodedata.category(char) in UNSAFE_CATEGORIES


def has_control(text: str) -> bool:
    return any(is_unsafe(char) for char in text)


def escaped(text: str, keep_newlines: bool = False) -> str:
    """``text`` with every control or format character written out as
    ``\\x1b`` / ``\\u202e`` (like ``repr``), so a terminal shows it instead of obeying it."""

    def show(char: str) -> str:
        if keep_newlines and char == "\n":
            return char
        if not is_unsafe(char) and char != "\\":
            return char
        if char == "\\":
            return "\\\\"
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"

    return "".join(show(char) for char in text)


def normalize_mobile(text: str) -> str:
    """A Colombian mobile: 10 ASCII digits starting with 3 (spaces, hyphens and +57 allowed around them)."""
    digits = re.sub(r"[ -]", "", text.strip())
    if digits.startswith("+57"):
        digits = digits[3:]
    if not MOBILE.fullmatch(digits):
        raise Refusal("mobile_format", _("El celular debe tener 10 dígitos y empezar por 3."))
    return digits


def normalize_email(text: str) -> str:
    email = text.strip().lower()
    if len(email) > 120 or not EMAIL.fullmatch(email):
        raise Refusal("email_format", _("Escriba un correo electrónico válido, como nombre@dominio.com."))
    return email
