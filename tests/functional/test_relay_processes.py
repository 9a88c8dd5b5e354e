"""Relays as real processes (``python -m kiosk relay``) against a gateway
stand-in on loopback, on SQLite and PostgreSQL: two and eight at once deliver
every message exactly once; a relay SIGKILLed before sending, after sending
but before marking, or in the middle of a send loses nothing, and the only
repeat carries the same idempotency key."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from kiosk.core import outbox
from kiosk.core.clock import Clock
from kiosk.flow.profile import available_profiles
from kiosk.store import transaction
from kiosk.store.models import Member, OutboxMessage
from tests.conftest import TEST_PEPPER
from tests.gateway_standin import GatewayStandIn

pytestmark = [pytest.mark.both_stores, pytest.mark.long]

ROOT = Path(__file__).resolve().parents[2]
TOKEN_ENV = "KIOSK_TEST_GATEWAY_TOKEN"
WAIT = 90.0


@pytest.fixture
def gateway():
    with GatewayStandIn() as stand_in:
        yield stand_in


def delivery_file(tmp_path: Path, gateway: GatewayStandIn, timeout: float = 10, **pace: float) -> Path:
    """Every institution's SMS to the stand-in.  The timeout is long: a gateway
    answering late on a loaded machine would be asked again (same key), which
    these tests would count as a repeat."""
    tables = [
        f'[{slug}.sms]\nkind = "json"\nurl = "{gateway.url}"\ntoken_env = "{TOKEN_ENV}"\ntimeout = {timeout}\n'
        for slug in available_profiles()
    ]
    tables.append("[relay]\n" + "".join(f"{name} = {value}\n" for name, value in pace.items()))
    path = tmp_path / "entrega.toml"
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


def relay_process(engine, tmp_path: Path, delivery: Path, *args: str, fault: str | None = None) -> subprocess.Popen:
    env = {
        **os.environ, "KIOSK_PEPPER": TEST_PEPPER.hex(), "KIOSK_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(ROOT), "KIOSK_DELIVERY_FILE": str(delivery), TOKEN_ENV: "gateway-token",
    }
    env.pop("KIOSK_RELAY_FAULT", None)
    if fault:
        env["KIOSK_RELAY_FAULT"] = fault
    url = engine.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--database-url", url, "relay", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def queue_messages(engine, sealer, count: int) -> list[str]:
    """``count`` SMS to the members with a mobile, of every institution, queued for a relay."""
    routes = {(slug, "sms") for slug in available_profiles()}
    with transaction(engine) as session:
        members = list(session.exec(select(Member).where(Member.mobile.is_not(None))))
        assert {m.institution for m in members} == set(available_profiles())
        for number in range(count):
            each = members[number % len(members)]
            outbox.queue(session, sealer, Clock().now(), each, "sms", f"mensaje {number}", relayed=routes)
    with Session(engine) as session:
        return [m.idempotency_key for m in session.exec(select(OutboxMessage))]


def states(engine) -> dict[str, int]:
    with Session(engine) as session:
        found: dict[str, int] = {}
        for state in session.exec(select(OutboxMessage.state)):
            found[state] = found.get(state, 0) + 1
        return found


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"after {WAIT:.0f} s still waiting for {what}")
        time.sleep(0.05)


def wait_ready(relay: subprocess.Popen) -> None:
    line = relay.stdout.readline()
    assert line.startswith("Relé en marcha"), (line, relay.stderr.read() if relay.poll() is not None else "")


def stop(relay: subprocess.Popen) -> tuple[int, str, str]:
    relay.send_signal(signal.SIGTERM)
    out, err = relay.communicate(timeout=WAIT)
    return relay.returncode, out, err


@pytest.mark.parametrize("relays", [2, 8])
def test_relays_at_once_deliver_every_message_exactly_once(engine, service_for, sealer, gateway, tmp_path, relays):
    service_for("progressa")  # the demo members
    gateway.delay = 0.005  # a gateway that takes a moment: the relays overlap
    delivery = delivery_file(tmp_path, gateway, batch=4, poll_seconds=0.05, lease_seconds=60)
    running = [relay_process(engine, tmp_path, delivery) for _ in range(relays)]
    try:
        for relay in running:
            wait_ready(relay)
        keys = queue_messages(engine, sealer, 30 * relays)  # written while every relay looks for work
        wait_for(lambda: states(engine).get("sent") == len(keys), "every message sent")
    finally:
        stopped = [stop(relay) for relay in running]
    assert all(code == 0 and err == "" for code, _out, err in stopped), stopped
    settled = [int(out.strip().rsplit(" ", 1)[1].rstrip(".")) for _code, out, _err in stopped]
    assert sum(settled) == len(keys)
    assert sum(1 for n in settled if n) >= 2, settled  # the work was shared
    assert states(engine) == {"sent": len(keys)}
    counts = gateway.keys()
    assert counts == {key: 1 for key in keys}, {key: n for key, n in counts.items() if n != 1}  # each reached it once


@pytest.mark.parametrize("point", ["before_send", "after_send", "during_send"])
def test_a_relay_killed_at_any_point_loses_nothing_and_repeats_only_with_the_same_key(
    engine, service_for, sealer, gateway, tmp_path, point
):
    service_for("progressa")
    keys = queue_messages(engine, sealer, 12)
    nth = random.Random().randrange(1, 6)  # which message of the first batch the crash hits
    # The lease lapses 10 s after the crash; the survivor then takes the messages the victim held.
    delivery = delivery_file(tmp_path, gateway, 5, batch=5, poll_seconds=0.05, lease_seconds=10)
    if point == "during_send":  # the gateway holds the nth request until the test has killed the relay
        gateway.hold_from = nth
        victim = relay_process(engine, tmp_path, delivery, "--once")
        wait_for(lambda: len(gateway.received) >= nth, f"request {nth} at the gateway")
        victim.kill()
        gateway.release()
    else:
        victim = relay_process(engine, tmp_path, delivery, "--once", fault=f"{point}:{nth}")
    victim.wait(timeout=WAIT)
    assert victim.returncode == -signal.SIGKILL, (victim.returncode, victim.stderr.read())
    assert states(engine).get("sending", 0) >= 1  # its claims outlive it, until the lease lapses
    received_before = gateway.keys()

    survivor = relay_process(engine, tmp_path, delivery)
    wait_ready(survivor)
    wait_for(lambda: states(engine) == {"sent": len(keys)}, "every message sent after the lease lapsed")
    assert stop(survivor)[0] == 0

    counts = gateway.keys()
    assert set(counts) == set(keys)  # none lost
    repeated = {key for key, n in counts.items() if n > 1}
    if point == "before_send":
        assert repeated == set() and sum(received_before.values()) == nth - 1, (nth, received_before)
    else:  # the message in hand reached the gateway and was never marked: sent again, same key
        assert len(repeated) == 1 and counts[next(iter(repeated))] == 2, (nth, counts)
        assert sum(received_before.values()) == nth
