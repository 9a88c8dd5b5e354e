"""Seeding the demo members (the ``<slug>.demo.toml`` files beside the
profiles, read by kiosk.demo_members) into a store, and restoring a demo store."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from kiosk.core.clock import Clock
from kiosk.core.hashing import Hasher, all_at_once
from kiosk.core.errors import Refusal
from kiosk.demo_members import CONSENT_VERSION, DemoMember, demo_members
from kiosk.i18n import _
from kiosk.store import transaction
from kiosk.store.models import AuditEvent, Consent, Member, MemberKey, Product, SecurityImage, Teller

# The store's own facts (the pepper's check value) outlive a reset: the
# pepper stays the same.
KEPT_BY_RESET = {"store_meta"}


log = logging.getLogger(__name__)


def seed_demo(engine: Engine, hasher: Hasher, clock: Clock, institution: str | None = None) -> int:
    """Add the demo members that are missing (of ``institution``, else of
    all); return how many were added."""
    with Session(engine) as session:
        missing = [demo for demo in demo_members()
                   if institution in (None, demo.institution) and not _exists(session, demo)]
    keys = _hashed_keys(hasher, missing)
    with transaction(engine) as session:
        return _seed(session, missing, keys, clock.now())


@dataclass(frozen=True)
class DemoReset:
    added: int  # demo members seeded again
    removed: dict[str, int]  # rows removed, by table


def reset_demo(engine: Engine, hasher: Hasher, clock: Clock, including_tellers: bool = False) -> DemoReset:
    """Empty every table and seed the demo members again, in one transaction
    (a failure leaves the store as it was).  Refused on a store holding anyone
    who is not a demo member: this must never wipe a real store; and, unless
    ``including_tellers``, on one with tellers or their audit rows, which no
    demo makes."""
    members = demo_members()
    demo_documents = [(d.institution, d.document) for d in members]
    keys = _hashed_keys(hasher, members)
    with transaction(engine) as session:
        someone_else = select(Member.id).where(
            tuple_(Member.institution, Member.document_number).not_in(demo_documents)
        )
        if session.exec(someone_else.limit(1)).first() is not None:
            raise Refusal(
                "not_a_demo_store",
                _("Este almacén tiene asociados que no son de la demostración: no se restablece."),
            )
        if not including_tellers and _has_tellers_work(session):
            raise Refusal(
                "tellers_in_store",
                _("Este almacén tiene asesores o registros de auditoría de asesores: no se restablece "
                  "sin --including-tellers."),
            )
        removed = {}
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name in KEPT_BY_RESET:
                continue
            removed[table.name] = session.execute(table.delete()).rowcount
        return DemoReset(_seed(session, members, keys, clock.now()), removed)


def _has_tellers_work(session: Session) -> bool:
    """Tellers, or audit rows not written by the kiosk for a member (a
    teller's or the administrator's)."""
    teller = session.exec(select(Teller.id).limit(1)).first()
    not_members = session.exec(select(AuditEvent.id).where(AuditEvent.actor != "member").limit(1)).first()
    return teller is not None or not_members is not None


def _key_pairs(demo: DemoMember) -> list[tuple[str, str]]:
    return [(kind, key) for kind, key in (("login", demo.key), ("transactional", demo.transactional_key)) if key]


def _hashed_keys(hasher: Hasher, members: list[DemoMember]) -> dict[tuple[str, str, str], str]:
    """The members' keys hashed before the write transaction opens: bcrypt
    takes a quarter second a key (at cost 12), and other kiosks wait on that transaction."""
    keys = [((demo.institution, demo.document, kind), key) for demo in members for kind, key in _key_pairs(demo)]
    hashes = all_at_once(*(lambda key=key: hasher.hash(key) for _where, key in keys))  # one a core
    return {where: hashed for (where, _key), hashed in zip(keys, hashes)}


def _seed(session: Session, members: list[DemoMember], keys: dict[tuple[str, str, str], str], now: datetime) -> int:
    added = 0
    for demo in members:
        if _exists(session, demo):
            continue
        member = Member(
            institution=demo.institution, document_type="CC", document_number=demo.document,
            first_names=demo.first_names, last_names=demo.last_names, birth_date=demo.birth_date,
            mobile=demo.mobile, email=demo.email, created_at=now,
        )
        session.add(member)
        session.flush()
        for kind, _key in _key_pairs(demo):
            session.add(MemberKey(
                member_id=member.id, kind=kind, hash=keys[demo.institution, demo.document, kind],
                temporary=demo.temporary_key, issued=demo.temporary_key, blocked=demo.blocked,
                failed_tries=3 if demo.blocked else 0, changed_at=now,
            ))
        if demo.image:
            session.add(SecurityImage(member_id=member.id, image=demo.image[0], phrase=demo.image[1], chosen_at=now))
            session.add(Consent(member_id=member.id, policy_version=CONSENT_VERSION, granted_at=now))
        for kind, number, opened in demo.products:
            session.add(Product(member_id=member.id, kind=kind, number=number, opened_on=opened))
        added += 1
    return added


def _exists(session: Session, demo: DemoMember) -> bool:
    statement = select(Member.id).where(
        Member.institution == demo.institution, Member.document_number == demo.document
    )
    return session.exec(statement).first() is not None


def store_is_empty(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(Member.id).limit(1)).first() is None


def only_demo_members(engine: Engine) -> bool:
    """No one in the store but demo members (an empty store too): the demo
    members missing from it may be seeded.  A store with anyone else is a
    real one, never seeded."""
    documents = [(demo.institution, demo.document) for demo in demo_members()]
    with Session(engine) as session:
        someone_else = select(Member.id).where(tuple_(Member.institution, Member.document_number).not_in(documents))
        return session.exec(someone_else.limit(1)).first() is None


class DemoSeeding:
    """The missing demo members seeded in a thread, one institution at a
    time, ``first`` first: at bcrypt's production cost every key takes a
    third of a second of a core, so a kiosk on an empty store is usable once
    the store is open, and each institution once its own members are in
    (``wait_for``, called before a core operation touches the store)."""

    def __init__(self, engine: Engine, hasher: Hasher, clock: Clock, first: str | None = None) -> None:
        order = sorted(sorted({demo.institution for demo in demo_members()}), key=lambda slug: slug != first)
        self._seeded = {slug: threading.Event() for slug in order}
        self._failure: Exception | None = None
        self._thread = threading.Thread(target=self._seed, args=(engine, hasher, clock, order),
                                        name="demo seeding", daemon=True)
        self._thread.start()

    def _seed(self, engine: Engine, hasher: Hasher, clock: Clock, order: list[str]) -> None:
        try:
            for slug in order:
                try:
                    seed_demo(engine, hasher, clock, slug)
                except IntegrityError:  # another kiosk on the same new store seeded them first
                    seed_demo(engine, hasher, clock, slug)
                self._seeded[slug].set()
        except Exception as failure:  # noqa: BLE001 - told to whoever waits, logged in full
            log.exception("the demo members could not be seeded")
            self._failure = failure
            for seeded in self._seeded.values():
                seeded.set()

    def wait_for(self, institution: str) -> None:
        """Until ``institution``'s demo members are in the store (or seeding failed: raised here)."""
        seeded = self._seeded.get(institution)
        if seeded is not None:
            seeded.wait()
        if self._failure is not None:
            raise RuntimeError("the demo members could not be seeded") from self._failure

    def done(self) -> bool:
        return all(seeded.is_set() for seeded in self._seeded.values())
