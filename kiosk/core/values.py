"""What the operations hand the screens and take back: who is at the kiosk,
what entitles the visit to change a member's data, and the names of the
keys and codes they deal in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

LOGIN = "login"
TEMPORARY_KEY = "temporary_key"
LINK = "link"
LINK_WITH_KEY = "link_with_key"  # a stranger's decoy link that carries a temporary key


@dataclass(frozen=True)
class Identity:
    """Who the kiosk is talking to.  ``member_id`` is None for an unknown
    document, and nothing a screen does may depend on that difference."""

    document_type: str
    document_number: str
    member_id: int | None

@dataclass(frozen=True)
class Proof:
    """What entitles this kiosk session to change a member's data."""

    member_id: int
    via: str  # "code": a temporary key sent by the outbox; "link": an e-mailed link; "key": a key that verified
    code_id: int | None = None

@dataclass(frozen=True)
class Login:
    # "ok", "setup_required", "change_required" (a temporary key), "office_change_required"
    # (a temporary key a teller had sent) or "<kind>_change_required"
    status: str
    proof: Proof

@dataclass
class PendingChange:
    """A checked, hashed key change waiting for the code sent to the member.
    Holds no key in clear; ``subject`` names the document for the guess budget
    (and a stranger's decoy code)."""

    member_id: int | None
    kinds: tuple[str, ...]
    hash: str
    purpose: str
    temporary_for: timedelta | None = None
    subject: str = ""
    # A change prepared by an earlier step of the visit (Coasmedas' new login
    # key), saved with this one when its code confirms it, or not at all.
    earlier: PendingChange | None = None

@dataclass(frozen=True)
class MemberSummary:
    first_names: str
    last_names: str
    products: list[tuple[str, str]]
