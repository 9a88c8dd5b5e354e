"""The demo operator's commands: `kiosk reset-demo` and `kiosk outbox --follow`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

from sqlmodel import Session, func, select

from kiosk import cli
from kiosk.core.errors import Refusal
from kiosk.store.models import AuditEvent, Member, OutboxMessage, StoreMeta, Teller
from tests.conftest import TEST_PEPPER
from tests.helpers import ORDINARY, add_teller, member


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_reset_demo_restores_a_member_a_flow_changed(service_for, desk_for, engine, monkeypatch, capsys):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    monkeypatch.setenv("KIOSK_BCRYPT_COST", "4")
    service = service_for("progressa")
    identity = service.identify(ORDINARY)
    proof = service.login(identity, "582017").proof
    service.change_key(proof, "408163", "408163", 6)
    service.send_temporary_key(identity, "sms", 6, timedelta(minutes=10))
    add_teller(desk_for("progressa"))
    assert service.login(identity, "408163").status == "ok"

    messages = count(engine, OutboxMessage)
    assert cli.main(["--database-url", str(engine.url), "reset-demo"]) == 1  # a teller is not demo data
    assert "--including-tellers" in capsys.readouterr().err
    assert count(engine, Teller) == 1 and count(engine, OutboxMessage) == messages > 0

    assert cli.main(["--database-url", str(engine.url), "reset-demo", "--including-tellers"]) == 0
    printed = capsys.readouterr().out
    assert "demo store restored: 13 demo members" in printed
    removed = next(line for line in printed.splitlines() if line.startswith("removed: "))
    assert {"1 teller", f"{messages} outbox_message", "13 member"} <= set(removed.removeprefix("removed: ").split(", "))
    assert count(engine, Teller) == 0
    identity = service.identify(ORDINARY)
    assert service.login(identity, "582017").status == "ok"  # the demo key again
    try:
        service.login(identity, "408163")
        raise AssertionError("the changed key still works")
    except Refusal as refusal:
        assert refusal.reason == "wrong_key"
    assert count(engine, OutboxMessage) == 0
    assert count(engine, Member) == 13
    # Only the logins just made are in the audit trail.
    assert count(engine, AuditEvent) == 2


def test_reset_demo_says_what_it_removed_and_keeps_the_pepper_check(service_for, engine, monkeypatch, capsys):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    monkeypatch.setenv("KIOSK_BCRYPT_COST", "4")
    service = service_for("progressa")
    service.send_temporary_key(service.identify(ORDINARY), "sms", 6, timedelta(minutes=10))
    assert cli.main(["--database-url", str(engine.url), "reset-demo"]) == 0  # only members' doings: demo data
    printed = capsys.readouterr().out
    assert "1 outbox_message" in printed and "13 member" in printed and "teller" not in printed
    assert count(engine, StoreMeta) == 1  # the store keeps its pepper, so it keeps the check
    monkeypatch.setenv("KIOSK_PEPPER", "cd" * 32)
    assert cli.main(["--database-url", str(engine.url), "outbox"]) == 1
    assert "no corresponde a este almacén" in capsys.readouterr().err


def test_reset_demo_never_wipes_a_real_store(service_for, engine, monkeypatch, capsys):
    monkeypatch.setenv("KIOSK_PEPPER", TEST_PEPPER.hex())
    service_for("progressa")  # seeds the demo members
    with Session(engine) as session:
        real = member(engine, ORDINARY)
        session.add(Member(**{**real.model_dump(exclude={"id"}), "document_number": "55555555"}))
        session.commit()
    assert cli.main(["--database-url", str(engine.url), "reset-demo"]) == 1
    assert "no son de la demostración" in capsys.readouterr().err
    assert count(engine, Member) == 14


def test_outbox_follow_prints_messages_as_they_are_sent(service_for, engine, tmp_path):
    service = service_for("progressa")
    env = {**os.environ, "KIOSK_PEPPER": TEST_PEPPER.hex(), "PYTHONUNBUFFERED": "1", "KIOSK_DATA_DIR": str(tmp_path)}
    follower = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--database-url", str(engine.url), "outbox", "--follow"],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    try:
        time.sleep(2)  # the follower is up and has printed the (empty) outbox
        service.send_temporary_key(service.identify(ORDINARY), "sms", 6, timedelta(minutes=10))
        code = service.messages_for(member(engine, ORDINARY).id)[0].body.split("es ")[1][:6]
        deadline = time.monotonic() + 20
        seen = ""
        while code not in seen and time.monotonic() < deadline:
            seen += follower.stdout.readline()
        assert "SMS → 3111234567" in seen and code in seen
    finally:
        follower.kill()
        follower.wait()
