"""Contacts shown masked, exactly in the seeds' style: ``311 12****``, ``mynam****@mail.com``."""

from __future__ import annotations

HIDDEN = "****"


def mask_mobile(mobile: str) -> str:
    digits = "".join(ch for ch in mobile if ch.isdigit())
    if len(digits) == 12 and digits.startswith("57"):
        digits = digits[2:]  # Colombia's country code: mask the national number
    return f"{digits[:3]} {digits[3:5]}{HIDDEN}"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    # Always hide at least three characters of the local part; never show more than five.
    # (A local part of three characters or fewer shows nothing: showing one would reveal
    # all of "a@..." and most of "ab@...".)
    shown = max(0, min(5, len(local) - 3))
    return f"{local[:shown]}{HIDDEN}@{domain}"
