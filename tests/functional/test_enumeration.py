"""No enumeration: on every recovery path, a member's document and a document
nobody holds get the same answers (refusal reasons and messages, shapes of
results) and the same work (the number of bcrypt operations, the thing that
would show in the time taken).

There is no exception: a member with no mobile, no e-mail, no contact at all
or (Banco Caja Social) no eligible product walks the same path as a stranger,
nothing is sent to them, and the screens' one generic wording («si no le llega
en unos minutos, acérquese a una oficina») tells them where to go.  The masked
contacts differ (a member's are their own, a stranger's are drawn from the
members' distribution, ``test_decoys.py``), so each member here is compared
with an unknown document whose decoy has the same contacts on file.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from dataclasses import fields, is_dataclass
from datetime import timedelta

import pytest

from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.core.members import Contacts, decoy_contacts, decoy_security_display
from kiosk.core.service import KioskService
from kiosk.demo import seed_demo
from kiosk.flow.profile import load_profile
from kiosk.screens.registry import STEP_SCREENS
from tests.conftest import LONG, TEST_PEPPER
from tests.helpers import VISIT, captcha_token
from tests.population import NAMES, NewMember, add_members
from sqlmodel import Session, select
from kiosk.store.models import Member, OutboxMessage

pytestmark = pytest.mark.both_stores

ELIGIBLE = load_profile("bancocajasocial", step_types=set(STEP_SCREENS)).setting("eligible_products")
KNOWN = {
    "progressa": "1010123456", "coasmedas": "7602264", "cooperen": "12147",
    "cootrasena": "52345678", "bancocajasocial": "1019283746",
}
INELIGIBLE = "1122334455"  # Banco Caja Social: only a CDT


class CountingHasher(Hasher):
    """Counts the bcrypt operations (hashes and checks)."""

    def __init__(self) -> None:
        self.bcrypt = 0
        super().__init__(TEST_PEPPER, cost=4)

    def hash(self, value: str) -> str:
        self.bcrypt += 1
        return super().hash(value)

    def verify(self, value: str, hashed: str | None) -> bool:
        self.bcrypt += 1
        return super().verify(value, hashed)


def unknown_document(kiosk: KioskService, like: Contacts, first_access: bool = False) -> str:
    """A document nobody holds whose decoy has the same contacts on file as
    ``like``, and is a first access (no security image) if ``first_access``."""
    number = 9_000_000_000
    while True:
        decoy = decoy_contacts(kiosk.hasher, kiosk.institution, "CC", str(number))
        no_image = decoy_security_display(kiosk.hasher, kiosk.institution, "CC", str(number)) is None
        if (decoy.mobile is None, decoy.email is None, no_image) == (
            like.mobile is None, like.email is None, first_access
        ):
            return str(number)
        number += 1


def assert_sent_only_to_reachable(engine, slug: str, number: str, sent: int, channel: str = "email") -> None:
    """What the outbox holds after a path: ``sent`` messages on ``channel`` to a
    member who has it (and is eligible), none to a stranger."""
    with Session(engine) as session:
        member = session.exec(select(Member).where(Member.institution == slug, Member.document_number == number)).one()
        messages = session.exec(
            select(OutboxMessage).where(OutboxMessage.member_id == member.id, OutboxMessage.channel == channel)
        ).all()
        others = session.exec(select(OutboxMessage).where(OutboxMessage.member_id.is_(None))).all()
    reachable = (member.mobile if channel == "sms" else member.email) and number != INELIGIBLE
    assert len(messages) == (sent if reachable else 0)
    assert others == []


def shape(value) -> object:
    """What a screen can tell of a result: its type and the form of its fields."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        # A masked contact: its form, not its letters (e-mail domains differ in length).
        return re.sub(r"[a-z0-9._]+", "a", value) if "*" in value else type(value).__name__
    if isinstance(value, (int, float)):
        return type(value).__name__
    if isinstance(value, (list, tuple)):
        return [shape(item) for item in value]
    if isinstance(value, timedelta):
        return value
    if is_dataclass(value):
        return (type(value).__name__, {f.name: shape(getattr(value, f.name)) for f in fields(value)
                                       if f.name not in {"member_id", "hash", "document_number"}})
    return type(value).__name__


def answer(hasher: CountingHasher, call, *args, **kwargs) -> tuple:
    """(outcome, bcrypt operations) of one call, as the member would see it."""
    before = hasher.bcrypt
    try:
        result = ("ok", shape(call(*args, **kwargs)))
    except Refusal as refusal:
        result = ("refused", refusal.reason, refusal.message)
    return result, hasher.bcrypt - before


# Members the procedures once answered differently, beside the demo's.
UNUSUAL = [
    NewMember("progressa", "CC", "1050607080", mobile=None, email="ana.rojas@gmail.com"),
    NewMember("progressa", "CC", "1060708090", mobile=None, email=None),
    NewMember("cooperen", "CC", "12000001", mobile=None, email="gloria.tobon@hotmail.com"),
    NewMember("cootrasena", "CC", "52000001", mobile="3104445566", email=None),
    NewMember("bancocajasocial", "CC", "1011000001", mobile=None, email=None,
              products=["Cuenta de ahorros con tarjeta débito"]),
    NewMember("bancocajasocial", "CC", "1011000002", mobile="3125556677", email=None,
              products=["Cuenta de ahorros con tarjeta débito"]),
]
# (institution, document, situation): every path below runs for each.
CASES = [(slug, number, "ordinary") for slug, number in KNOWN.items()] + [
    ("progressa", "1040506070", "no e-mail"),
    ("progressa", "1050607080", "no mobile"),
    ("progressa", "1060708090", "no contact"),
    ("coasmedas", "99999999", "no mobile"),
    ("cooperen", "12000001", "no mobile"),
    ("cootrasena", "52000001", "no e-mail"),
    ("cootrasena", "71222333", "no key yet"),
    ("bancocajasocial", "1122334455", "no eligible product"),
    ("bancocajasocial", "1011000001", "no contact"),
    ("bancocajasocial", "1011000002", "mobile only"),
]


@pytest.fixture
def kiosks(engine, sealer, clock, service_for):
    service_for("progressa")  # seeds the demo members
    add_members(engine, UNUSUAL, clock.now())
    hasher = CountingHasher()

    def make(slug: str) -> KioskService:
        return KioskService(engine, hasher, sealer, clock, slug, NAMES[slug])

    return make, hasher


def both(kiosk: KioskService, hasher: CountingHasher, slug: str, path, number: str | None = None) -> tuple[list, list]:
    """Run ``path(kiosk, identity)`` for the member and for a stranger with the
    same contacts on file: the lists of answers."""
    member = kiosk.identify(number or KNOWN[slug])
    assert member.member_id is not None
    first_access = kiosk.security_display(member) is None
    stranger = kiosk.identify(unknown_document(kiosk, kiosk.contacts(member), first_access))
    return path(kiosk, member), path(kiosk, stranger)


@pytest.mark.parametrize("number", [number for slug, number, _ in CASES if slug == "progressa"])
def test_progressa_temporary_key_path(kiosks, engine, number, clock):
    make, hasher = kiosks
    kiosk = make("progressa")

    def path(kiosk, identity):
        steps = [
            answer(hasher, kiosk.contacts, identity),
            answer(hasher, kiosk.security_display, identity),
            answer(hasher, kiosk.send_temporary_key, identity, "sms", 6, timedelta(minutes=10)),
            answer(hasher, kiosk.send_temporary_key, identity, "email", 6, timedelta(minutes=10)),  # too soon
        ]
        clock.advance(seconds=5)
        steps += [answer(hasher, kiosk.login, identity, "000001") for _ in range(5)]
        return steps

    known, unknown = both(kiosk, hasher, "progressa", path, number)
    assert [step[0][0] for step in known[2:4]] == ["ok", "refused"]
    assert [step[0][1] for step in known[4:]] == ["wrong_code", "wrong_code", "code_dead", "blocked", "blocked"]
    assert known == unknown
    # The temporary key, and the notice that the key was blocked.
    assert_sent_only_to_reachable(engine, "progressa", number, sent=2, channel="sms")


@pytest.mark.parametrize("number", [number for slug, number, _ in CASES if slug == "coasmedas"])
def test_coasmedas_temporary_key_by_code_path(kiosks, engine, number):
    make, hasher = kiosks
    kiosk = make("coasmedas")

    def path(kiosk, identity):
        robot = lambda: dict(captcha=captcha_token(kiosk), visit=VISIT)  # noqa: E731
        steps = [answer(hasher, kiosk.prepare_key_change, identity, ("login", "transactional"), "3917", "3917",
                        4, "recuperar", temporary_for=timedelta(hours=24), **robot())]
        pending = kiosk.prepare_key_change(identity, ("login",), "3917", "3917", 4, "recuperar", **robot())
        steps += [
            answer(hasher, kiosk.prepare_key_change, identity, ("login",), "3917", "3971", 4, "recuperar", **robot()),
            answer(hasher, kiosk.prepare_key_change, identity, ("login",), "1234", "1234", 4, "recuperar", **robot()),
            answer(hasher, kiosk.send_confirmation_code, identity, "recuperar", 4, timedelta(minutes=5)),
            answer(hasher, kiosk.send_confirmation_code, identity, "recuperar", 4, timedelta(minutes=5)),
        ]
        steps += [answer(hasher, kiosk.confirm_change, pending, "0000") for _ in range(3)]
        return steps

    known, unknown = both(kiosk, hasher, "coasmedas", path, number)
    assert [step[0][1] for step in known[-3:]] == ["wrong_code", "wrong_code", "code_dead"]
    assert known == unknown
    assert_sent_only_to_reachable(engine, "coasmedas", number, sent=1, channel="sms")


@pytest.mark.parametrize("number", [number for slug, number, _ in CASES if slug == "cooperen"])
def test_cooperen_questions_path(kiosks, engine, clock, number):
    make, hasher = kiosks
    kiosk = make("cooperen")

    def path(kiosk, identity):
        steps = [answer(hasher, kiosk.recovery_questions, identity)]
        steps += [
            answer(
                hasher, kiosk.answer_questions, identity, "alguien@mail.com", {"birth": "1970-01-01"},
                captcha=captcha_token(kiosk), visit=VISIT,
            )
            for _ in range(4)
        ]
        steps.append(answer(hasher, kiosk.recovery_questions, identity))
        clock.advance(hours=25)  # the daily lockout passes; the fourth failed set closes it for good
        steps.append(answer(
            hasher, kiosk.answer_questions, identity, "alguien@mail.com", {}, captcha=captcha_token(kiosk), visit=VISIT
        ))
        steps.append(answer(hasher, kiosk.recovery_questions, identity))
        return steps

    known, unknown = both(kiosk, hasher, "cooperen", path, number)
    assert [step[0][1] for step in known[1:]] == [
        "wrong_answers", "wrong_answers", "recovery_closed", "recovery_closed", "recovery_closed",
        "recovery_closed_office", "recovery_closed_office",
    ]
    assert known[0][0][0] == "ok" and len(known[0][0][1]) == 4
    assert known == unknown  # the same questions, options as many, the same work; only the values differ


@pytest.mark.parametrize(
    ("slug", "number"), [(slug, number) for slug, number, _ in CASES if slug in ("cootrasena", "bancocajasocial")]
)
def test_recovery_link_paths(kiosks, engine, slug, number):
    make, hasher = kiosks
    kiosk = make(slug)
    with_temporary_key = slug == "cootrasena"

    def path(kiosk, identity):
        eligible = ELIGIBLE if slug == "bancocajasocial" else None
        return [
            answer(hasher, kiosk.send_recovery_link, identity, 8, timedelta(hours=24), "política",
                   with_temporary_key=with_temporary_key, eligible_products=eligible),
            answer(hasher, kiosk.send_recovery_link, identity, 8, timedelta(hours=24), "política",
                   with_temporary_key=with_temporary_key, eligible_products=eligible),  # too soon
            answer(hasher, kiosk.follow_link, "ABCD-EFGH-IJKL-MNOP-QRST-UVWX", identity.document_type,
                   identity.document_number),
            answer(hasher, kiosk.login, identity, "00000000"),
        ]

    known, unknown = both(kiosk, hasher, slug, path, number)
    assert [step[0][0] for step in known[0:2]] == ["ok", "refused"]
    assert known == unknown
    assert_sent_only_to_reachable(engine, slug, number, sent=1)


def test_send_limit_answers_alike(kiosks, clock):
    make, hasher = kiosks
    kiosk = make("progressa")

    def path(kiosk, identity):
        steps = []
        for _ in range(7):
            steps.append(answer(hasher, kiosk.send_temporary_key, identity, "sms", 6, timedelta(minutes=10)))
            clock.advance(seconds=31)
        return steps

    known, unknown = both(kiosk, hasher, "progressa", path)
    assert [step[0][0] for step in known] == ["ok"] * 5 + ["refused"] * 2
    assert known == unknown


@pytest.mark.skipif(not LONG, reason="timing comparison: KIOSK_LONG=1 (bcrypt counts above are the exact proof)")
def test_login_takes_as_long_for_a_stranger(engine, sealer, clock):
    """A loose check on wall-clock time at a realistic bcrypt cost (keys hashed at that cost too)."""
    hasher = Hasher(TEST_PEPPER, cost=int(os.environ.get("KIOSK_BCRYPT_COST", "10")))
    seed_demo(engine, hasher, clock)
    kiosk = KioskService(engine, hasher, sealer, clock, "progressa", "Progressa")
    timings = {"known": [], "unknown": []}
    for round_ in range(15):
        for who, number in (("known", KNOWN["progressa"]), ("unknown", str(9_100_000_000 + round_))):
            identity = kiosk.identify(number)
            start = time.perf_counter()
            try:
                kiosk.login(identity, "000001", max_failed_tries=10**6)
            except Refusal:
                pass
            timings[who].append(time.perf_counter() - start)
    ratio = statistics.median(timings["known"]) / statistics.median(timings["unknown"])
    print(f"login median known/unknown: {ratio:.2f}")
    assert 0.67 < ratio < 1.5
