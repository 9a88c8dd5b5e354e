"""Contacts shown masked, exactly in the seeds' style: ``311 12****``, ``mynam****@mail.com``."""

from __future__ import annotations

HIDDEN = "****"


def mask_mobile(mobile: str) -> str:
    digits = "".join(ch for ch in mobile if ch.isdigit())
    return f"{digits[:3]} {digits[3:5]}{HIDDEN}"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    # Always hide at least three characters of the local part; never show more than five.
    shown = min(5, max(1, len(local) - 3))
    return f"{local[:shown]}{HIDDEN}@{domain}"
