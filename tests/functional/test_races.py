"""Several kiosk processes (not threads) on one store, racing for the same
member at the same instant: one code use wins, no failure is lost, a key is
never half-changed, and no "database is locked" (or any other error) reaches a
member.  On SQLite (WAL) and on PostgreSQL.

Default: 4 processes x 2 rounds; KIOSK_LONG=1: 8 processes x 20 rounds.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from kiosk.core import audit_chain
from kiosk.core.teller import MAX_FAILED_SIGNINS
from kiosk.store import open_store
from kiosk.store.models import AuditEvent, KeyHistory, MemberKey, OneTimeCode
from tests import counts, workers
from tests.conftest import LONG

pytestmark = pytest.mark.both_stores

PROCESSES = 8 if LONG else 4
ROUNDS = 20 if LONG else 2
TRIES = 10 if LONG else 3  # wrong keys and wrong answers per process and round


def sent_code(kiosk, member_id: int) -> str:
    return re.search(r"\b(\d{6})\b", kiosk.messages_for(member_id, 1)[0].body).group(1)


def prepare(kiosk) -> list[workers.RaceRound]:
    rounds = []
    for number in range(ROUNDS):
        member_id = workers.add_member(kiosk, number)
        identity = kiosk.identify(str(70000000 + number))
        kiosk.send_confirmation_code(identity, workers.PURPOSE, 6, workers.LIFETIME)
        code = sent_code(kiosk, member_id)
        kiosk.send_recovery_link(identity, 6, timedelta(hours=24), "", with_temporary_key=False)
        link = workers.link_token(kiosk, member_id)
        kiosk.send_confirmation_code(identity, "dying", 6, workers.LIFETIME)
        dying = sent_code(kiosk, member_id)
        wrong = str((int(dying) + 1) % 10**6).zfill(6)
        rounds.append(workers.RaceRound(member_id, identity.document_number, code, link, wrong))
    return rounds


def run_processes(url: str, rounds: list[workers.RaceRound]) -> list[tuple[int, str, str]]:
    context = workers.process_context()
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(target=workers.race, args=(url, index, rounds, TRIES, barrier, results))
        for index in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    got = []
    try:
        for _ in processes:
            index, outcomes = results.get(timeout=600)
            got.extend(outcomes)
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    assert all(process.exitcode == 0 for process in processes)
    return got


def test_kiosks_starting_together_on_an_empty_store_take_turns_to_migrate(store_url):
    with workers.process_context().Pool(PROCESSES) as pool:
        assert pool.map(workers.start_kiosk, [store_url] * PROCESSES) == ["ok"] * PROCESSES
    engine = open_store(store_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
    engine.dispose()


def test_kiosk_processes_racing_for_the_same_member(store_url):
    engine = open_store(store_url)
    kiosk = workers.service(store_url)
    rounds = prepare(kiosk)
    first_hashes = {r.member_id: _key(engine, r.member_id).hash for r in rounds}

    got = run_processes(store_url, rounds)

    errors = [result for result in got if result[2].startswith("error")]
    assert not errors, errors[0][2]  # no "database is locked", deadlock or crash reached a member
    by = {}
    for number, step, result in got:
        by.setdefault((number, step), Counter())[result] += 1
    for number, round_ in enumerate(rounds):
        # Exactly one kiosk uses the code, and exactly one the link.
        assert by[number, "verify"]["ok"] == 1, by[number, "verify"]
        assert set(by[number, "verify"]) <= {"ok", "no_code", "code_used"}
        assert by[number, "link"]["ok"] == 1, by[number, "link"]
        assert set(by[number, "link"]) <= {"ok", "link_used", "code_used"}
        # Failure counters never lose an increment.
        assert by[number, "wrong_key"] == Counter({"wrong_key": PROCESSES * TRIES})
        assert by[number, "wrong_answers"] == Counter({"wrong_answers": PROCESSES * TRIES})
        assert _actions(engine, round_.member_id).count("recovery_questions_failed") == PROCESSES * TRIES
        assert _actions(engine, round_.member_id).count("login_failed") == PROCESSES * TRIES
        # Three wrong tries kill a code, however many kiosks type at once.
        assert by[number, "dying_code"] == Counter(
            {"wrong_code": 2, "code_dead": 1, "no_code": PROCESSES - 3}
        ), by[number, "dying_code"]
        assert _code(engine, round_.member_id, "dying").tries == 3
        # Every key change applied whole, one after the other: the history is a
        # chain from the first key through every new key, none lost or doubled.
        assert by[number, "change"] == Counter({"ok": PROCESSES})
        stored = _key(engine, round_.member_id)
        assert stored.failed_tries == 0 and not stored.blocked  # a key change unblocks
        history = _history(engine, round_.member_id)
        assert len(history) == PROCESSES and history[0] == first_hashes[round_.member_id]
        chain = history[1:] + [stored.hash]
        keys = [workers.KEYS[index % len(workers.KEYS)] for index in range(PROCESSES)]
        owners = [[key for key in keys if kiosk.hasher.verify(key, hashed)] for hashed in chain]
        assert sorted(owner for found in owners for owner in found) == sorted(keys)
        assert _actions(engine, round_.member_id).count("key_changed") == PROCESSES
    with Session(engine) as session:  # the processes' audit rows make one unbroken chain
        verdict = audit_chain.verify(session, kiosk.hasher.audit_key())
    assert verdict.ok, verdict.message

    counts.add(f"race processes ({engine.dialect.name})", PROCESSES)
    counts.add(f"race rounds ({engine.dialect.name})", ROUNDS)
    counts.add(f"race contended calls ({engine.dialect.name})", len(got))
    kiosk.engine.dispose()
    engine.dispose()


def _key(engine, member_id: int) -> MemberKey:
    with Session(engine) as session:
        return session.exec(
            select(MemberKey).where(MemberKey.member_id == member_id, MemberKey.kind == "login")
        ).one()


def _code(engine, member_id: int, purpose: str) -> OneTimeCode:
    with Session(engine) as session:
        return session.exec(
            select(OneTimeCode).where(OneTimeCode.member_id == member_id, OneTimeCode.purpose == purpose)
        ).one()


def _history(engine, member_id: int) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(
            select(KeyHistory.hash).where(KeyHistory.member_id == member_id).order_by(col(KeyHistory.id))
        ))


def _actions(engine, member_id: int) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent.action).where(AuditEvent.member_id == member_id)))


def test_teller_consoles_racing_with_one_authenticator_code(store_url):
    """The same code typed at once on several consoles signs in exactly once."""
    import pyotp

    open_store(store_url).dispose()
    console = workers.desk(store_url)
    console.add_teller("ana.gomez", "Ana Gómez", "CC", "52000111", workers.TELLER_PASSWORD, workers.TELLER_PASSWORD)
    checked = console.check_password("ana.gomez", workers.TELLER_PASSWORD)
    console.start_enrolment(checked)
    console.verify_authenticator(checked, pyotp.TOTP(workers.TELLER_SECRET).at(workers.START))  # enrolled
    code = pyotp.TOTP(workers.TELLER_SECRET).at(workers.START + timedelta(seconds=30))
    console.clock.advance(seconds=30)

    context = workers.process_context()
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    processes = [
        context.Process(target=workers.teller_race, args=(store_url, code, barrier, results))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    got = Counter(results.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    # The workers' clock is START, so the code is from the next window: still accepted (drift).
    # Every other console is refused; from the fifth failure on, the teller is locked out.
    failures = PROCESSES - 1
    locked = max(0, failures - MAX_FAILED_SIGNINS + 1)
    assert got == Counter({"ok": 1, "wrong_sign_in": failures - locked, "teller_locked": locked}), got
    counted = min(failures, MAX_FAILED_SIGNINS)
    with Session(console.engine) as session:
        failed = session.exec(select(AuditEvent).where(AuditEvent.action == "teller_sign_in_failed")).all()
    assert len(failed) == counted  # every refused try counted until the lock-out, none lost
    console.engine.dispose()
