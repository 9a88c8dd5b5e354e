"""The member store: SQLModel tables.

Keys and codes are kept only as bcrypt hashes of a peppered HMAC; nothing in
these tables holds a secret in clear.  Times are timezone-aware UTC.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlmodel import Field, Index, SQLModel, UniqueConstraint


class Member(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("institution", "document_type", "document_number"),)

    id: int | None = Field(default=None, primary_key=True)
    institution: str = Field(max_length=40, index=True)
    document_type: str = Field(max_length=4)
    document_number: str = Field(max_length=20)
    first_names: str = Field(max_length=80)
    last_names: str = Field(max_length=80)
    birth_date: date
    mobile: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=120)
    created_at: datetime


class Product(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=40)
    number: str = Field(max_length=30)
    opened_on: date


class MemberKey(SQLModel, table=True):
    """One key of a member: the login key, or the transactional key."""

    __tablename__ = "member_key"
    __table_args__ = (UniqueConstraint("member_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=20)
    hash: str = Field(max_length=80)
    temporary: bool = False
    expires_at: datetime | None = None
    failed_tries: int = 0
    blocked: bool = False
    changed_at: datetime
    # A temporary key a teller had sent: logging in with it leads to the
    # institution's own way of setting the definitive key.
    issued_at_office: bool = False
    # The institution issued this key (the first-access key, or one a teller
    # sent): it is never accepted again as a key the member chooses.
    issued: bool = False


class KeyHistory(SQLModel, table=True):
    """Hashes of a member's previous keys, so a recent key is not reused."""

    __tablename__ = "key_history"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=20)
    hash: str = Field(max_length=80)
    retired_at: datetime
    # Where the retired key came from (kiosk.core.keyhistory): "chosen" by the
    # member (counts towards the last keys), "temporary", or "issued" by the
    # institution (never accepted again).
    origin: str = Field(default="chosen", max_length=10)


class SecurityImage(SQLModel, table=True):
    """The anti-phishing image and phrase a member chose (not secrets: shown at login)."""

    __tablename__ = "security_image"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    image: str = Field(max_length=40)
    phrase: str = Field(max_length=120)
    chosen_at: datetime


class OneTimeCode(SQLModel, table=True):
    __tablename__ = "one_time_code"
    __table_args__ = (
        # A member's latest code for a purpose (issuing, checking; it also serves
        # every lookup by member alone); a link by its digest.
        Index("ix_one_time_code_member_purpose", "member_id", "purpose"),
        Index("ix_one_time_code_purpose_hash", "purpose", "hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    purpose: str = Field(max_length=40)
    channel: str = Field(max_length=10)
    hash: str = Field(max_length=80)
    created_at: datetime
    expires_at: datetime
    tries: int = 0
    used_at: datetime | None = None
    # A secret that is checked with this code and takes effect only with it (a
    # recovery link's temporary password): its bcrypt hash, never the secret.
    pending_secret_hash: str | None = Field(default=None, max_length=80)


class OutboxMessage(SQLModel, table=True):
    """An SMS or e-mail.  Its body may carry a code for its member, so it is
    stored sealed (kiosk.core.sealing), never in clear; a relay (kiosk.relay)
    opens it only to send it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_idempotency_key", "idempotency_key", unique=True),
        Index("ix_outbox_message_state_next_attempt", "state", "next_attempt_at"),
        Index("ix_outbox_message_state_claim_expires", "state", "claim_expires_at"),
        Index("ix_outbox_message_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    channel: str = Field(max_length=10)
    recipient: str = Field(max_length=120)
    subject: str = Field(default="", max_length=200)
    sealed_body: str
    created_at: datetime
    # Delivery (kiosk.relay): the state is «simulated» (no relay configured for
    # this institution and channel: the demo outbox), «queued», «sending»
    # (claimed by ``claimed_by`` until ``claim_expires_at``), «sent» or «dead».
    institution: str = Field(default="", max_length=40, sa_column_kwargs={"server_default": ""})
    state: str = Field(default="simulated", max_length=12, sa_column_kwargs={"server_default": "simulated"})
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=80)
    claim_expires_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=200)  # a short reason, never the body
    # The same on every attempt: a gateway or mail server (Message-ID) can drop a repeat.
    # Random; NULL only in rows inserted around the model (the bench's bulk
    # seeding), which are simulated and never relayed.
    idempotency_key: str | None = Field(default_factory=lambda: secrets.token_hex(16), max_length=64)
    # When the code, temporary key or link it carries expires: never sent after that.  None: a notice.
    expires_at: datetime | None = None
    # A newer message to the member on the same topic (a code for one purpose)
    # replaces this one while it still waits: the member never gets a retired code after its successor.
    topic: str | None = Field(default=None, max_length=40)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    institution: str = Field(max_length=40)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    actor: str = Field(max_length=40)
    action: str = Field(max_length=60)
    detail: str = Field(default="", max_length=400)
    # Its place in the tamper-evident chain (kiosk.core.audit): a number of its
    # own and an HMAC over its fields and the previous row's chain value.
    # NULL in rows written before the chain began (migration 0010).
    seq: int | None = Field(default=None, unique=True, index=True)
    chain: str | None = Field(default=None, max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The end of the audit chain: its last seq and chain value, sealed with an
    HMAC, so deleting the last rows shows.  One row (id 1)."""

    __tablename__ = "audit_chain_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    chain: str | None = Field(default=None, max_length=64)
    seal: str | None = Field(default=None, max_length=64)
    # Rows up to this id were written before the chain began: not covered.
    legacy_last_id: int = 0


class Consent(SQLModel, table=True):
    """Proof of an explicit, prior, informed authorisation (Ley 1581 de 2012)."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    policy_version: str = Field(max_length=20)
    granted_at: datetime
    channel: str = Field(default="kiosk", max_length=20)


class RecoveryAttempt(SQLModel, table=True):
    """A failed attempt counted against a document: wrong recovery answers
    (closing self-service for a while), or a wrong key for a document nobody
    holds (so it is "blocked" like a member's).  Keyed by a keyed digest of the
    document: it counts the same either way and stores no document."""

    __tablename__ = "recovery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    institution: str = Field(max_length=40)
    subject: str = Field(max_length=64, index=True)
    failed_at: datetime


class Teller(SQLModel, table=True):
    """A branch teller who signs in to the teller console with a password and
    an authenticator code.  The TOTP secret is sealed (kiosk.core.sealing)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True)
    full_name: str = Field(max_length=80)
    institution: str = Field(max_length=40)
    # The teller's own document, so they never act on their own member record.
    document_type: str = Field(max_length=4)
    document_number: str = Field(max_length=20)
    password_hash: str = Field(max_length=80)
    totp_secret_sealed: str | None = None
    totp_enrolled_at: datetime | None = None
    # The newest TOTP time step accepted: a code is never accepted twice.
    totp_last_step: int = 0
    failed_signins: int = 0
    locked_until: datetime | None = None
    created_at: datetime
    # «teller», «supervisor» (the supervisor view of their institution) or
    # «operator» (of every institution): kiosk.core.supervisor.
    role: str = Field(default="teller", max_length=12, sa_column_kwargs={"server_default": "teller"})


class IdentityCheck(SQLModel, table=True):
    """A teller saw the member's identity document in person: it opens the
    teller's actions on that member until ``expires_at``."""

    __tablename__ = "identity_check"

    id: int | None = Field(default=None, primary_key=True)
    teller_id: int = Field(foreign_key="teller.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    document_seen: str = Field(max_length=4)
    checked_at: datetime
    expires_at: datetime


class StoreMeta(SQLModel, table=True):
    """One row: facts about the store itself.  ``pepper_check`` is an HMAC of
    a fixed text under the pepper (kiosk.store.pepper): it tells whether the
    pepper at hand is the one the store's hashes were made with, and reveals
    nothing of it."""

    __tablename__ = "store_meta"

    id: int = Field(default=1, primary_key=True)
    pepper_check: str = Field(max_length=64)


class ContactChange(SQLModel, table=True):
    """A teller's request to replace a member's mobile and/or e-mail (dual
    control): applied when a second teller of the institution approves it, or
    when ``hold_until`` passes with nobody having stopped it.  Until then the
    member's contacts are unchanged.  The new contacts are personal data, not
    secrets."""

    __tablename__ = "contact_change"

    id: int | None = Field(default=None, primary_key=True)
    institution: str = Field(max_length=40, index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    maker_teller_id: int = Field(foreign_key="teller.id")
    new_mobile: str | None = Field(default=None, max_length=20)
    new_email: str | None = Field(default=None, max_length=120)
    created_at: datetime
    hold_until: datetime
    approved_by: int | None = Field(default=None, foreign_key="teller.id")
    approved_at: datetime | None = None
    cancelled_by: str | None = Field(default=None, max_length=40)  # the actor, ``teller:<id>``
    cancelled_at: datetime | None = None
    applied_at: datetime | None = None


class VisitEvent(SQLModel, table=True):
    """One step of one kiosk visit, for supervision (kiosk.core.visits).  Nothing
    about the member: no document, name, contact, key, code, nor whether the
    document was known; ``visit`` is a random token drawn for the visit alone."""

    __tablename__ = "visit_event"

    id: int | None = Field(default=None, primary_key=True)
    visit: str = Field(max_length=32)
    at: datetime = Field(index=True)
    institution: str = Field(max_length=40)
    branch: str = Field(max_length=60)
    kiosk: str = Field(max_length=60)
    step_id: str = Field(max_length=40)
    step_type: str = Field(max_length=40)
    outcome: str = Field(max_length=40)
    refusal: str = Field(default="", max_length=60)  # the last one the step showed
    refusals: int = 0  # how many the step showed
    ended: str = Field(default="", max_length=20)  # "" while the visit went on
    seconds: float


class VisitStepDaily(SQLModel, table=True):
    """Step events counted per day and where they led: the funnel and the
    daily figures read these few rows, not the events.  Each event is counted
    twice: under its branch, and under ``branch = "*"`` (every branch), so a
    figure for all branches reads no more rows than one for a branch."""

    __tablename__ = "visit_step_daily"

    branch: str = Field(primary_key=True, max_length=60)
    day: date = Field(primary_key=True)
    institution: str = Field(primary_key=True, max_length=40)
    step_id: str = Field(primary_key=True, max_length=40)
    step_type: str = Field(primary_key=True, max_length=40)
    outcome: str = Field(primary_key=True, max_length=40)
    refusal: str = Field(primary_key=True, max_length=60)
    ended: str = Field(primary_key=True, max_length=20)
    count: int


class VisitTimeDaily(SQLModel, table=True):
    """Step events counted per day by time spent, in buckets
    (kiosk.core.visits.DURATION_BOUNDS): the median and p90 per step.  Like
    visit_step_daily, under the branch and under "*"."""

    __tablename__ = "visit_time_daily"

    branch: str = Field(primary_key=True, max_length=60)
    day: date = Field(primary_key=True)
    institution: str = Field(primary_key=True, max_length=40)
    step_id: str = Field(primary_key=True, max_length=40)
    bucket: int = Field(primary_key=True)
    count: int


class KioskHourly(SQLModel, table=True):
    """Documents typed per kiosk per hour (the events of document-taking steps):
    a kiosk trying many documents stands out."""

    __tablename__ = "kiosk_hourly"

    hour: datetime = Field(primary_key=True)
    kiosk: str = Field(primary_key=True, max_length=60)
    institution: str = Field(primary_key=True, max_length=40)
    branch: str = Field(max_length=60)
    documents: int


class AuditDaily(SQLModel, table=True):
    """audit_event counted per day, institution, action and kind of actor
    (member, teller, admin), and for a sent message its "<purpose> por
    <channel>": kept by a trigger on audit_event (migration 0011)."""

    __tablename__ = "audit_daily"

    day: date = Field(primary_key=True)
    institution: str = Field(primary_key=True, max_length=40)
    action: str = Field(primary_key=True, max_length=60)
    actor: str = Field(primary_key=True, max_length=40)
    detail: str = Field(primary_key=True, max_length=400)
    count: int


class OutboxDaily(SQLModel, table=True):
    """outbox_message counted per day, institution (its member's), channel and
    subject: kept by a trigger on outbox_message (migration 0011)."""

    __tablename__ = "outbox_daily"

    day: date = Field(primary_key=True)
    institution: str = Field(primary_key=True, max_length=40)
    channel: str = Field(primary_key=True, max_length=10)
    subject: str = Field(primary_key=True, max_length=200)
    count: int


class KioskHeartbeat(SQLModel, table=True):
    __tablename__ = "kiosk_heartbeat"

    kiosk: str = Field(primary_key=True, max_length=60)
    institution: str = Field(max_length=40)
    branch: str = Field(max_length=60)
    version: str = Field(max_length=40)
    started_at: datetime
    last_seen: datetime
    errors: int = 0  # errors logged since the kiosk started
