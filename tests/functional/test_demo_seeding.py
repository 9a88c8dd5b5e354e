"""A kiosk started on a new store is usable once the store is open: the demo
members are seeded in a thread, the kiosk's own institution first, and a
core operation of an institution waits for that institution's members
(issue 20: first start on an empty store usable in ≤ 2 s at bcrypt cost 12)."""

from __future__ import annotations

import threading
from datetime import date

from sqlmodel import Session, select

from kiosk.assembly import LazyStore
from kiosk.config import Settings
from kiosk.core.clock import Clock
from kiosk.core.hashing import Hasher
from kiosk.demo import DemoSeeding, only_demo_members, seed_demo
from kiosk.demo_members import demo_members
from kiosk.flow.profile import load_profile
from kiosk.store.models import Member
from tests.conftest import TEST_PEPPER


class HeldHasher(Hasher):
    """Hashes only once the test lets it: seeding stays in progress as long as the test wants."""

    def __init__(self) -> None:
        self.go_on = threading.Event()
        self.go_on.set()  # its own decoy hash, made as it is built
        super().__init__(TEST_PEPPER, cost=4)
        self.go_on.clear()

    def hash(self, value: str) -> str:
        self.go_on.wait(30)
        return super().hash(value)


def institutions_in(engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Member.institution)).all())


def test_the_store_opens_before_the_members_are_seeded_and_a_core_call_waits_for_them(tmp_path, monkeypatch):
    held = HeldHasher()
    monkeypatch.setattr("kiosk.core.hashing.Hasher", lambda pepper, cost: held)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'new.db'}", pepper=TEST_PEPPER, bcrypt_cost=4,
                        institution="cooperen")
    store = LazyStore(settings).open()  # returns with no key hashed yet
    assert store.seeding is not None and not store.seeding.done()
    assert institutions_in(store.engine) == set()

    service = store.service_for(load_profile("cooperen"))
    cooperen = next(demo for demo in demo_members() if demo.institution == "cooperen")
    found = []
    asking = threading.Thread(target=lambda: found.append(service.identify(cooperen.document, "CC")))
    asking.start()
    asking.join(0.3)
    assert asking.is_alive() and not found  # waits for Cooperen's members, does not answer «unknown»

    held.go_on.set()
    asking.join(30)
    assert found and found[0].member_id is not None
    for slug in {demo.institution for demo in demo_members()}:
        store.seeding.wait_for(slug)
    assert store.seeding.done()
    assert institutions_in(store.engine) == {demo.institution for demo in demo_members()}
    store.visits.close()
    store.engine.dispose()


def test_the_kiosks_own_institution_is_seeded_first(engine, hasher):
    seen = []

    def noted(engine_, hasher_, clock, institution=None):
        seen.append(institution)
        return seed_demo(engine_, hasher_, clock, institution)

    import kiosk.demo

    original, kiosk.demo.seed_demo = kiosk.demo.seed_demo, noted
    try:
        seeding = DemoSeeding(engine, hasher, Clock(), first="cootrasena")
        seeding.wait_for("bancocajasocial")
        seeding.wait_for("progressa")
    finally:
        kiosk.demo.seed_demo = original
    assert seen[0] == "cootrasena" and sorted(seen) == sorted({d.institution for d in demo_members()})
    assert seeding.done()


def test_a_store_with_anyone_but_demo_members_is_never_seeded(engine, hasher):
    assert only_demo_members(engine)  # empty
    seed_demo(engine, hasher, Clock(), "progressa")
    assert only_demo_members(engine)  # demo members only: the missing ones may be added
    with Session(engine) as session:
        session.add(Member(institution="progressa", document_type="CC", document_number="55555555",
                           first_names="Real", last_names="Person", birth_date=date(1970, 1, 1),
                           created_at=Clock().now()))
        session.commit()
    assert not only_demo_members(engine)
