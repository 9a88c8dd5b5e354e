"""Kiosk processes for the race and crash tests: each one is a separate Python
process running the core (no Textual) against a shared store, as several
branch kiosks do.

- ``race``: started by ``multiprocessing`` (``process_context``); all
  workers meet at a barrier before every contended call.
- ``crash_loop``: runs recoveries in a loop until the test kills it with
  SIGKILL.
"""

from __future__ import annotations

import multiprocessing
import random
import re
import traceback
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from kiosk.core.clock import Clock, FrozenClock
from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.core.sealing import Sealer
from kiosk.core.service import KioskService, Proof
from kiosk.store import make_engine, open_store, transaction
from kiosk.store.models import AuditEvent, Member, MemberKey

PEPPER = b"test-pepper-not-for-production!!"
START = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
INSTITUTION = "progressa"
PURPOSE = "confirm"
LIFETIME = timedelta(minutes=10)
NO_LIMIT = 10**6
# Keys the policy accepts for the race members (documents 7xxxxxxx, born 1980).
KEYS = ("749261", "836402", "592847", "318694", "927415", "461839", "283756", "675192", "157394", "394715")
FIRST_KEY = "582017"


def process_context() -> multiprocessing.context.BaseContext:
    """Processes forked from a server that imported this module once: each is
    a fresh single-threaded process, as a spawned one is (nothing of the test
    process comes along), without importing SQLAlchemy and the core again (a
    second and a half of CPU each, some fifty times a run)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def service(url: str, clock: Clock | None = None) -> KioskService:
    engine = make_engine(url)
    return KioskService(
        engine, Hasher(PEPPER, cost=4), Sealer(PEPPER), clock or FrozenClock(START), INSTITUTION, "Progressa"
    )


def outcome(call, *args, **kwargs) -> str:
    """"ok", a refusal's reason, or "error: ..." for anything a member must never see."""
    try:
        call(*args, **kwargs)
    except Refusal as refusal:
        return refusal.reason
    except Exception:  # noqa: BLE001 - reported to the test, which fails on it
        return "error: " + traceback.format_exc(limit=3)
    return "ok"


def start_kiosk(url: str) -> str:
    """What a kiosk does as it starts: bring the store up to date."""
    try:
        open_store(url).dispose()
    except Exception:  # noqa: BLE001 - reported to the test, which fails on it
        return "error: " + traceback.format_exc(limit=3)
    return "ok"


def add_member(kiosk: KioskService, number: int) -> int:
    """A race member with a login key ``FIRST_KEY``, a mobile and an e-mail."""
    with transaction(kiosk.engine) as session:
        member = Member(
            institution=INSTITUTION, document_type="CC", document_number=str(70000000 + number),
            first_names="Carrera", last_names=f"Número {number}", birth_date=date(1980, 1, 1),
            mobile=f"31{number:08d}", email=f"carrera{number}@mail.com", created_at=START,
        )
        session.add(member)
        session.flush()
        session.add(MemberKey(member_id=member.id, kind="login", hash=kiosk.hasher.hash(FIRST_KEY), changed_at=START))
        return member.id


def link_token(kiosk: KioskService, member_id: int) -> str:
    body = kiosk.messages_for(member_id, 1)[0].body
    return re.search(r"Código del enlace: (\S+)", body).group(1)


@dataclass(frozen=True)
class RaceRound:
    """What every worker races for in one round (prepared by the test)."""

    member_id: int
    document: str
    code: str  # the member's current PURPOSE code, in clear
    link: str  # a recovery link's code
    not_the_dying_code: str  # a wrong value every worker types for another code, killing it


def solved_captcha(kiosk: KioskService, visit: str) -> str:
    """The token a visit that solved «No soy un robot» holds (the core asks for it)."""
    challenge, captcha = kiosk.challenges.issue(random.Random())
    return kiosk.challenges.solve(challenge.id, captcha.answer, visit)


def race(url: str, index: int, rounds: list[RaceRound], tries: int, barrier, results) -> None:
    """One kiosk process: in each round, at the same moment as the others,
    verify the same code, follow the same link, type wrong keys and wrong
    answers, fail the same code, and change the same member's key."""
    kiosk = service(url)
    got: list[tuple[int, str, str]] = []
    for number, round_ in enumerate(rounds):
        identity = kiosk.identify(round_.document)
        barrier.wait()
        got.append((number, "verify", outcome(kiosk.verify_code, identity, PURPOSE, round_.code)))
        barrier.wait()
        got.append((number, "link", outcome(kiosk.follow_link, round_.link, "CC", round_.document)))
        barrier.wait()
        for _ in range(tries):
            got.append((number, "wrong_key", outcome(kiosk.login, identity, "000000", max_failed_tries=NO_LIMIT)))
            got.append((number, "wrong_answers", outcome(
                kiosk.answer_questions, identity, "x@y.co", {"birth": "1900-01-01"}, max_attempts=NO_LIMIT,
                max_failed_sets=NO_LIMIT, captcha=solved_captcha(kiosk, "race"), visit="race",
            )))
        barrier.wait()
        got.append((number, "dying_code", outcome(kiosk.verify_code, identity, "dying", round_.not_the_dying_code)))
        barrier.wait()
        key = KEYS[index % len(KEYS)]
        got.append((number, "change", outcome(kiosk.change_key, Proof(round_.member_id, "key"), key, key, 6, history=0)))
    kiosk.engine.dispose()
    results.put((index, got))


# -- crashes ------------------------------------------------------------------------


class StoreClock(Clock):
    """An hour later for every failed login in the store: time moves on with
    each round of the crash loop, across restarts, so the resend throttle and
    the send limit never stop it, and stands still within a round."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def now(self) -> datetime:
        with Session(self.engine) as session:
            rounds = session.exec(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login_failed")
            ).one()
        return START + timedelta(hours=rounds)


def changes_made(kiosk: KioskService, member_id: int) -> int:
    with Session(kiosk.engine) as session:
        return session.exec(
            select(func.count()).select_from(AuditEvent).where(
                AuditEvent.member_id == member_id, AuditEvent.action == "key_changed",
                AuditEvent.detail == "clave login",
            )
        ).one()


def key_after(changes: int) -> str:
    """The key a member has after ``changes`` recoveries of the crash loop."""
    return FIRST_KEY if changes == 0 else KEYS[(changes - 1) % len(KEYS)]


def crash_loop(url: str, document: str, tell) -> None:
    """Recover the member's key again and again (temporary key by SMS, log in
    with it, new key), with wrong keys typed in between, until killed; ``tell``
    (a pipe's ``send``) hears «ready», then «changed» after each change."""
    try:
        engine = make_engine(url)
        kiosk = KioskService(
            engine, Hasher(PEPPER, cost=4), Sealer(PEPPER), StoreClock(engine), INSTITUTION, "Progressa"
        )
        identity = kiosk.identify(document)
        tell("ready")
        while True:
            outcome(kiosk.login, identity, "000000", max_failed_tries=NO_LIMIT)
            kiosk.send_temporary_key(identity, "sms", 6, LIFETIME)
            code = re.search(r"\b(\d{6})\b", kiosk.messages_for(identity.member_id, 1)[0].body).group(1)
            login = kiosk.login(identity, code, max_failed_tries=NO_LIMIT)
            key = key_after(changes_made(kiosk, identity.member_id) + 1)
            kiosk.change_key(login.proof, key, key, 6, history=0)
            tell("changed")
    except BaseException:
        tell(traceback.format_exc())  # the test shows it: a crash is not our kill
        raise


# -- tellers ------------------------------------------------------------------------

TELLER_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TELLER_PASSWORD = "mostrador-norte-2026"


def desk(url: str):
    from kiosk.core.teller import TellerDesk

    return TellerDesk(
        make_engine(url), Hasher(PEPPER, cost=4), Sealer(PEPPER), FrozenClock(START), INSTITUTION, "Progressa",
        new_secret=lambda: TELLER_SECRET,
    )


def teller_race(url: str, code: str, barrier, results) -> None:
    """One teller console: password, then, at the same moment as the others,
    the same authenticator code (someone read it over the teller's shoulder)."""
    console = desk(url)
    checked = console.check_password("ana.gomez", TELLER_PASSWORD)
    barrier.wait()
    results.put(outcome(console.verify_authenticator, checked, code))
    console.engine.dispose()
