"""A kiosk process killed (SIGKILL) at random points of a recovery, many times
over: the store stays whole, the member has the old key or the new one (never
neither), no code is used without its key change, and the audit trail matches
what happened.  On SQLite (WAL) and on PostgreSQL.

Default: 12 kills per store; KIOSK_LONG=1: 150.
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from kiosk.store import open_store
from kiosk.store.models import AuditEvent, KeyHistory, MemberKey, OneTimeCode, OutboxMessage
from tests import counts, workers
from tests.conftest import LONG

pytestmark = [pytest.mark.both_stores, pytest.mark.long]

KILLS = 150 if LONG else 12


def run_until_killed(url: str, document: str, rng: random.Random, after_a_change: bool = False) -> int:
    """Start a kiosk process, let it work a random while, SIGKILL it; how many
    key changes it reported.  ``after_a_change``: the random while starts once
    it has reported a change, so some kills land after a complete recovery
    however slow the machine is."""
    context = workers.process_context()
    heard, tell = context.Pipe(duplex=False)
    process = context.Process(target=workers.crash_loop, args=(url, document, tell.send))
    process.start()
    tell.close()  # the kiosk holds the only writing end: its death ends the pipe

    def next_word() -> str:
        assert heard.poll(60), "the kiosk process said nothing for a minute"
        return heard.recv()

    changed_before = 0
    try:
        assert (word := next_word()) == "ready", word
        if after_a_change:
            assert (word := next_word()) == "changed", word
            changed_before = 1
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=30)
        said = []
        while heard.poll(30):
            try:
                said.append(heard.recv())
            except EOFError:
                break
    finally:
        if process.exitcode is None:
            process.kill()
            process.join()
        heard.close()
    # Killed, not crashed: anything but our SIGKILL is a failure (e.g. "database is locked").
    assert process.exitcode == -signal.SIGKILL, said
    assert set(said) <= {"changed"}, said
    return changed_before + len(said)


def check_store(engine, kiosk, member_id: int) -> None:
    with Session(engine) as session:
        if engine.dialect.name == "sqlite":
            assert session.exec(text("PRAGMA integrity_check")).scalar() == "ok"
            assert session.exec(text("PRAGMA foreign_key_check")).all() == []
        actions = list(session.exec(select(AuditEvent.action).where(AuditEvent.member_id == member_id)))
        codes = list(session.exec(
            select(OneTimeCode).where(OneTimeCode.member_id == member_id).order_by(col(OneTimeCode.id))
        ))
        key = session.exec(
            select(MemberKey).where(MemberKey.member_id == member_id, MemberKey.kind == "login")
        ).one()
        history = session.exec(
            select(func.count()).select_from(KeyHistory).where(KeyHistory.member_id == member_id)
        ).one()
        messages = list(session.exec(select(OutboxMessage.subject).where(OutboxMessage.member_id == member_id)))
    changes = actions.count("key_changed")
    # The key is the old one or the new one, never neither: exactly the key of
    # the last change the audit trail records.
    assert kiosk.hasher.verify(workers.key_after(changes), key.hash)
    assert not key.temporary
    # Each used temporary key went with exactly one key change, its history row and its notice.
    used = [code for code in codes if code.used_at is not None]
    assert len(used) == changes == history == messages.count("Clave cambiada")
    # Each code sent is audited and in the outbox; at most one is still current.
    assert len(codes) == actions.count("code_sent") == messages.count("Clave temporal")
    assert all(code.used_at >= code.created_at for code in used)
    # Issuing a code retires the older ones: when the newest was issued, no other was current.
    if codes:
        newest = codes[-1]
        assert all(old.used_at is not None or old.expires_at <= newest.created_at for old in codes[:-1])
    assert actions.count("temporary_key_accepted") >= changes


def test_kiosk_killed_mid_recovery_many_times(store_url):
    engine = open_store(store_url)
    kiosk = workers.service(store_url)
    member_id = workers.add_member(kiosk, 1)
    document = str(70000000 + 1)
    rng = random.Random(20261121)
    reported = 0
    for kill in range(KILLS):
        reported += run_until_killed(store_url, document, rng, after_a_change=kill % 3 == 0)
        check_store(engine, kiosk, member_id)

    with Session(engine) as session:
        changes = session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "key_changed")
        ).one()
    assert changes >= reported  # a change may commit just before its "changed" line is printed
    assert changes > 0, "no kill landed after a complete recovery: the loop never ran"
    # The member can still recover and log in after all that.
    identity = kiosk.identify(document)
    assert kiosk.login(identity, workers.key_after(changes), max_failed_tries=workers.NO_LIMIT).status in {
        "ok", "setup_required"
    }
    counts.add(f"crash kills survived ({engine.dialect.name})", KILLS)
    counts.add(f"crash recoveries completed ({engine.dialect.name})", changes)
    kiosk.engine.dispose()
    engine.dispose()
