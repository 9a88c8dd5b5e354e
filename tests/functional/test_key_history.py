"""Which earlier keys a new key must not repeat, against a real store: only
chosen keys count towards the last keys (recoveries do not push them out), an
issued key (first access, a teller's) is never accepted again, and the bcrypt
work is the same whatever the member's history."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from kiosk.core import keyhistory
from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.core.keypolicy import PersonalData, uses_personal_data
from kiosk.core.service import KioskService
from kiosk.store.models import KeyHistory
from tests.conftest import TEST_PEPPER
from tests.helpers import (
    FIRST_ACCESS, ORDINARY, VISIT, add_teller, captcha_token, code_in, latest_message, member, signed_in_teller,
)

pytestmark = pytest.mark.both_stores

ORDINARY_KEY = "582017"
FIRST_ACCESS_KEY = "640825"
# Four keys that pass the policy for Ana María (ORDINARY), oldest first.
CHOSEN = ["749261", "836402", "590284", "473816"]
ANA = PersonalData("1010123456", date(1985, 3, 14), "3111234567")  # ORDINARY's data
LENGTH = 6
LIFETIME = timedelta(hours=2)


def reason(call, *args, **kwargs) -> str:
    with pytest.raises(Refusal) as caught:
        call(*args, **kwargs)
    assert caught.value.message
    return caught.value.reason


def login(service, document: str, key: str):
    return service.login(service.identify(document), key, consent_version="2024-01", require_security_image=True)


class LinkProof:
    """A recovery by link: the proof the opened link gives, and the temporary
    key e-mailed with it, which the change of key asks for (``current``)."""

    def __init__(self, service, clock, document: str) -> None:
        clock.advance(minutes=5)  # past the resend wait
        service.send_recovery_link(service.identify(document), LENGTH, LIFETIME, "6 números")
        body = latest_message(service, document).body
        self.temporary = re.search(r"contraseña temporal: (\d+)", body).group(1)
        self.proof = service.open_link(re.search(r"Código del enlace: (\S+)", body).group(1))[1]


def change_by_link(service, link: "LinkProof", key: str, **kwargs):
    return service.change_key(link.proof, key, key, LENGTH, current=link.temporary, **kwargs)


def origins(engine, document: str) -> list[str]:
    member_id = member(engine, document).id
    with Session(engine) as session:
        rows = session.exec(select(KeyHistory).where(KeyHistory.member_id == member_id).order_by(col(KeyHistory.id)))
        return [row.origin for row in rows]


def test_two_recoveries_do_not_free_an_old_chosen_key(service, engine, clock):
    proof = login(service, ORDINARY, ORDINARY_KEY).proof
    for key in CHOSEN:
        proof = service.change_key(proof, key, key, LENGTH, history=3)
    # Two recoveries: the temporary keys wait on their links, so the history is
    # untouched (keys chosen as temporary, which are stored, are the Coasmedas test's).
    before = origins(engine, ORDINARY)
    LinkProof(service, clock, ORDINARY)
    link = LinkProof(service, clock, ORDINARY)
    assert origins(engine, ORDINARY) == before
    # The member's last three chosen keys are all still refused...
    for key in CHOSEN[1:]:
        assert reason(change_by_link, service, link, key, history=3) == "reused"
    # ...and only the fourth-last is free again.
    change_by_link(service, link, CHOSEN[0], history=3)
    assert login(service, ORDINARY, CHOSEN[0]).status == "ok"


def test_the_temporary_key_itself_is_not_the_new_key(service, engine, clock):
    # A random temporary key may be near Ana María's data (a few in a hundred),
    # and then that is the reason given: recover again until it is not.
    for _ in range(10):
        link = LinkProof(service, clock, ORDINARY)
        if not uses_personal_data(link.temporary, ANA):
            break
    assert reason(change_by_link, service, link, link.temporary) == "same_as_temporary"


def test_the_initial_key_is_refused_however_long_ago(service, engine, clock):
    proof = login(service, FIRST_ACCESS, FIRST_ACCESS_KEY).proof
    assert reason(service.change_key, proof, FIRST_ACCESS_KEY, FIRST_ACCESS_KEY, LENGTH) == "issued"
    for key in CHOSEN:  # more changes than the history keeps
        clock.advance(days=200)
        proof = service.change_key(proof, key, key, LENGTH, history=3)
    LinkProof(service, clock, FIRST_ACCESS)
    link = LinkProof(service, clock, FIRST_ACCESS)
    assert origins(engine, FIRST_ACCESS)[0] == "issued"
    assert reason(change_by_link, service, link, FIRST_ACCESS_KEY, history=3) == "issued"
    assert reason(change_by_link, service, link, FIRST_ACCESS_KEY, history=0) == "issued"


def test_a_tellers_key_counts_as_issued(service, desk_for, engine, clock, monkeypatch):
    # The key the desk draws, fixed: a random one may be near Ana María's data
    # (a few in a hundred), and then that is the reason given, not "issued".
    monkeypatch.setattr("kiosk.core.teller.new_temporary_key", lambda length: "906418")
    desk = desk_for("progressa")
    add_teller(desk)
    teller = signed_in_teller(desk, clock)
    member_id = member(engine, ORDINARY).id
    desk.record_identity_check(teller, member_id, "CC", ORDINARY)
    desk.issue_temporary_key(teller, member_id)
    sent = re.search(r"clave temporal es (\d+)", desk.messages_for(member_id)[0].body).group(1)
    assert sent == "906418" and not uses_personal_data(sent, ANA)
    signed_in = service.login(service.identify(ORDINARY), sent)
    assert signed_in.status == "office_change_required"
    assert reason(service.change_key, signed_in.proof, sent, sent, LENGTH) == "issued"
    proof = service.change_key(signed_in.proof, CHOSEN[0], CHOSEN[0], LENGTH)
    assert origins(engine, ORDINARY) == ["chosen", "issued"]
    for key in CHOSEN[1:]:
        proof = service.change_key(proof, key, key, LENGTH, history=3)
    assert reason(service.change_key, proof, sent, sent, LENGTH, history=3) == "issued"


def test_keys_chosen_as_temporary_at_coasmedas_do_not_count(service_for, engine, clock):
    """Coasmedas: in the recovery form the member chooses a temporary key that a
    code confirms.  Two such recoveries push no chosen key out of the last keys."""
    coasmedas = service_for("coasmedas")
    document, first_key, keys = "7602264", "5830", ["3917", "4682", "7351", "2846"]
    proof = coasmedas.login(coasmedas.identify(document), first_key).proof
    for key in keys:
        proof = coasmedas.change_key(proof, key, key, 4, history=3)
    for temporary in ("6418", "6127"):
        clock.advance(minutes=5)
        identity = coasmedas.identify(document)
        pending = coasmedas.prepare_key_change(
            identity, ("login",), temporary, temporary, 4, "recuperar", temporary_for=timedelta(hours=24), history=3,
            captcha=captcha_token(coasmedas), visit=VISIT,
        )
        coasmedas.send_confirmation_code(identity, "recuperar", 4, timedelta(minutes=10))
        coasmedas.confirm_change(pending, code_in(latest_message(coasmedas, document)))
    assert origins(engine, document)[-2:] == ["chosen", "temporary"]
    signed_in = coasmedas.login(coasmedas.identify(document), "6127")
    assert signed_in.status == "change_required"
    for key in keys[1:]:
        assert reason(coasmedas.change_key, signed_in.proof, key, key, 4, history=3) == "reused"
    coasmedas.change_key(signed_in.proof, keys[0], keys[0], 4, history=3)


class CountingHasher(Hasher):
    def __init__(self) -> None:
        self.checks = 0
        super().__init__(TEST_PEPPER, cost=4)

    def verify(self, value: str, hashed: str | None) -> bool:
        self.checks += 1
        return super().verify(value, hashed)


@pytest.mark.parametrize("history", [0, 3, 5])
def test_bcrypt_checks_do_not_depend_on_the_history(service, engine, sealer, clock, history):
    counting = CountingHasher()
    kiosk = KioskService(engine, counting, sealer, clock, "progressa", "Progressa")
    fresh = login(kiosk, FIRST_ACCESS, FIRST_ACCESS_KEY).proof  # nothing retired yet
    long = login(kiosk, ORDINARY, ORDINARY_KEY).proof
    for key in CHOSEN:
        long = kiosk.change_key(long, key, key, LENGTH)
    LinkProof(kiosk, clock, ORDINARY)
    link = LinkProof(kiosk, clock, ORDINARY)

    def checks(change, *args) -> int:
        before = counting.checks
        try:
            change(*args, history=history)
        except Refusal as refusal:
            assert refusal.reason in {"reused", "issued"}
        return counting.checks - before

    def by_key(proof, key: str, **kwargs):
        return kiosk.change_key(proof, key, key, LENGTH, **kwargs)

    expected = keyhistory.checks(history)
    assert checks(by_key, fresh, FIRST_ACCESS_KEY) == expected  # refused: issued
    assert checks(by_key, fresh, "295174") == expected  # accepted
    # Through a link, one check more: the temporary key e-mailed with it.
    assert checks(change_by_link, kiosk, link, CHOSEN[-1]) == expected + 1  # refused (accepted with history 0)
    link = LinkProof(kiosk, clock, ORDINARY)  # the link of the last change may be used up
    assert checks(change_by_link, kiosk, link, "629384") == expected + 1  # accepted
    # A stranger's key change pays the same checks, and the count is bounded.
    stranger = kiosk.identify("9999999999")
    before = counting.checks
    kiosk.prepare_key_change(
        stranger, ("login",), "629384", "629384", LENGTH, "recuperar", history=history,
        captcha=captcha_token(kiosk), visit=VISIT,
    )
    assert counting.checks - before == expected
    assert expected == history + 1 + keyhistory.ISSUED_KEYS_CHECKED


def test_migration_0009_marks_existing_keys_sensibly(store_url):
    """A store from before origins were kept: a never-changed temporary key (the
    first-access key) and a teller's key become issued; a retired key takes its
    origin from the audit row of the change that set it, else stays chosen."""
    from datetime import UTC, date, datetime

    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from kiosk.store import make_engine, open_store
    from kiosk.store.db import MIGRATIONS_DIR
    from kiosk.store.models import AuditEvent, KeyHistory as History, MemberKey as Key

    engine = make_engine(store_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
    at = [datetime(2026, 1, day, 12, tzinfo=UTC) for day in range(1, 10)]
    when = sa.bindparam("at", type_=AuditEvent.__table__.c.at.type)
    with engine.begin() as connection:
        run = connection.execute
        for number in (1, 2, 3):
            run(sa.text(
                "INSERT INTO member (id, institution, document_type, document_number, first_names, last_names,"
                " birth_date, created_at) VALUES (:id, 'progressa', 'CC', :doc, 'A', 'B', :born, :at)"
            ).bindparams(when), {"id": number, "doc": str(number), "born": date(1990, 1, 1), "at": at[0]})
        key = sa.text(
            "INSERT INTO member_key (member_id, kind, hash, temporary, expires_at, failed_tries, blocked, changed_at,"
            " issued_at_office) VALUES (:member, 'login', 'h', :temporary, NULL, 0, :false, :at, :office)"
        ).bindparams(when, sa.bindparam("temporary", type_=sa.Boolean()), sa.bindparam("office", type_=sa.Boolean()),
                     sa.bindparam("false", type_=sa.Boolean()))
        run(key, {"member": 1, "temporary": True, "office": False, "false": False, "at": at[0]})  # first access
        run(key, {"member": 2, "temporary": True, "office": True, "false": False, "at": at[0]})  # a teller's
        # A shown key, set after earlier changes.
        run(key, {"member": 3, "temporary": True, "office": False, "false": False, "at": at[8]})
        audit = sa.text(
            "INSERT INTO audit_event (at, institution, member_id, actor, action, detail)"
            " VALUES (:at, 'progressa', 3, :actor, 'key_changed', :detail)"
        ).bindparams(when)
        run(audit, {"at": at[2], "actor": "member", "detail": "clave login"})
        run(audit, {"at": at[4], "actor": "member", "detail": "clave login temporal"})
        run(audit, {"at": at[6], "actor": "teller:ana.gomez", "detail": "clave login temporal"})
        run(audit, {"at": at[8], "actor": "member", "detail": "clave login temporal"})
        retired = sa.text(
            "INSERT INTO key_history (member_id, kind, hash, retired_at) VALUES (3, 'login', :hash, :at)"
        ).bindparams(when)
        for hash_, day in (("seeded", 2), ("chosen", 4), ("sent", 6), ("teller", 8)):
            run(retired, {"hash": hash_, "at": at[day]})
    engine.dispose()

    upgraded = open_store(store_url)
    with Session(upgraded) as session:
        issued = {k.member_id: k.issued for k in session.exec(select(Key))}
        origin = {h.hash: h.origin for h in session.exec(select(History))}
    upgraded.dispose()
    assert issued == {1: True, 2: True, 3: False}
    assert origin == {"seeded": "chosen", "chosen": "chosen", "sent": "temporary", "teller": "issued"}


def test_the_recovery_form_tells_a_stranger_nothing_about_keys_or_personal_data(service_for, engine, clock):
    """Coasmedas' recovery form is filled in before anyone signs in: typing the
    member's current key (5830), an earlier one, or her birth date one digit
    off (0915 for 09/05) gets the answer an unknown document gets, not
    "reused" or "personal".  Her key set after logging in is checked in full."""
    coasmedas = service_for("coasmedas")
    member_doc, stranger_doc = "7602264", "7602265"

    def answer(document: str, key: str) -> str:
        try:
            coasmedas.prepare_key_change(
                coasmedas.identify(document), ("login",), key, key, 4, "recuperar", temporary_for=timedelta(hours=24),
                captcha=captcha_token(coasmedas), visit=VISIT,
            )
        except Refusal as refusal:
            return refusal.reason
        return "accepted"

    for key in ("5830", "0915", "1983"):
        assert answer(member_doc, key) == answer(stranger_doc, key)
    assert answer(member_doc, "5830") == "accepted"
    assert answer(member_doc, "0915") == "accepted"
    assert answer(member_doc, "2264") == answer(stranger_doc, "2265") == "personal"  # her own document: she typed it
    proof = coasmedas.login(coasmedas.identify(member_doc), "5830").proof
    robot = lambda: dict(captcha=captcha_token(coasmedas), visit=VISIT)  # noqa: E731
    assert reason(coasmedas.prepare_key_change, proof, ("login",), "5830", "5830", 4, "cambio", **robot()) == "reused"
    assert reason(coasmedas.prepare_key_change, proof, ("login",), "0915", "0915", 4, "cambio", **robot()) == "personal"
