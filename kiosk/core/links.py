"""Single-use recovery links (Cootrasena): a long random token, written in
groups so a member can type it at the kiosk, kept in the store only as a keyed
digest so a copied database opens no link."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

LINK_URL = "https://sucursal.example/recuperar/{token}"
TOKEN_BYTES = 15  # 120 bits: 24 base32 characters
# How long a stranger's decoy link is taken to wait, as a member's would (the profiles' link_hours).
LIFETIME = timedelta(hours=24)


def new_token() -> str:
    raw = base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalize(typed: str) -> str:
    """What the member typed or scanned, as the token it stands for: the
    groups' dashes and spaces dropped, letters upper-cased, look-alike digits
    read as the letters they resemble, a whole link cut down to its token."""
    typed = typed.strip().rsplit("/", 1)[-1]
    # Base32 has no 0, 1 or 8: a member who types them meant O, I and B.
    typed = typed.upper().translate(str.maketrans("018", "OIB"))
    return "".join(ch for ch in typed if ch.isalnum())


def display(token: str) -> str:
    token = normalize(token)
    return "-".join(token[i : i + 4] for i in range(0, len(token), 4))
