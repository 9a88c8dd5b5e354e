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
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from kiosk.store import open_store
from kiosk.store.models import AuditEvent, KeyHistory, MemberKey, OneTimeCode, OutboxMessage
from tests import counts, workers
from tests.conftest import LONG

pytestmark = [pytest.mark.both_stores, pytest.mark.long]

KILLS = 150 if LONG else 12
REPO = Path(__file__).resolve().parents[2]


def run_until_killed(url: str, document: str, rng: random.Random, after_a_change: bool = False) -> int:
    """Start a kiosk process, let it work a random while, SIGKILL it; how many
    key changes it reported.  ``after_a_change``: the random while starts once
    it has reported a change, so some kills land after a complete recovery
    however slow the machine is."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.workers", "crash", url, document],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    changed_before = 0
    try:
        assert process.stdout.readline() == "ready\n", process.stderr.read()
        if after_a_change:
            assert process.stdout.readline() == "changed\n", process.stderr.read()
            changed_before = 1
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(process.pid, signal.SIGKILL)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    # Killed, not crashed: anything but our SIGKILL is a failure (e.g. "database is locked").
    assert process.returncode == -signal.SIGKILL, err
    return changed_before + out.count("changed\n")


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
