"""Real delivery (issue 23), with one relay (``kiosk.relay.worker.Relay``, as
``kiosk relay`` runs it) on a SQLite store:

- throughput: codes issued by the core (``send_confirmation_code``) to
  seeded members, half by SMS and half by e-mail, then drained by the relay
  to a local SMTP server (aiosmtpd) and a local JSON gateway (the tests'
  stand-in), both in a process of their own; messages a second per channel.
  Side by side, the same messages handed straight to the same transports
  with no store between (what sending from the request does);
- latency: with the relay running (polling every 0.2 s), a member's press
  issues a code every 50 ms; from the press to the code's arrival at the
  gateway, p50 and p95.

The servers come from the test extras (aiosmtpd, ``tests/gateway_standin.py``
in the checkout); without them the section is skipped, saying why.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from kiosk.bench.report import Figure
from kiosk.config import PROJECT_DIR

PURPOSE = "recovery"
TOKEN = "bench-gateway-token"

SERVERS = """
import json, socket, sys
sys.path.insert(0, sys.argv[1])
from aiosmtpd.controller import Controller
from tests.gateway_standin import GatewayStandIn

class Accept:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
smtp = Controller(Accept(), hostname="127.0.0.1", port=port)
smtp.start()
with GatewayStandIn(token=sys.argv[2]) as gateway:
    print(json.dumps({"smtp": port, "gateway": gateway.url}), flush=True)
    sys.stdin.read()  # until the bench closes it
smtp.stop()
"""


def _transports(smtp_port: int, gateway_url: str, institution: str) -> dict:
    from kiosk.relay.gateway import JsonGateway
    from kiosk.relay.smtp import SmtpTransport

    return {
        (institution, "sms"): JsonGateway(url=gateway_url, token=TOKEN),
        (institution, "email"): SmtpTransport(host="127.0.0.1", port=smtp_port, security="none", username=None,
                                              password=None, from_address="kiosco@progressa.coop", reply_to=None),
    }


def _store(path: Path, members: int, relayed: frozenset):
    """A migrated store of ``members`` seeded members, and its service queueing for ``relayed``."""
    from kiosk.bench import seed
    from kiosk.bench.scale import service
    from kiosk.store import open_store

    url = f"sqlite:///{path}"
    open_store(url).dispose()
    kiosk = service(url)
    seed.seed(kiosk.engine, kiosk.hasher, kiosk.sealer, members)
    kiosk.core.relayed = relayed
    return kiosk


def _relay_engine(url):
    """The relay's own engine, as ``kiosk relay`` makes it."""
    from kiosk.relay.claims import commits_without_waiting_for_the_disk
    from kiosk.store import make_engine

    return commits_without_waiting_for_the_disk(make_engine(url))


def _issue(kiosk, numbers: range, channel_of) -> None:
    from kiosk.bench import seed

    for number in numbers:
        identity = kiosk.identify(seed.document(number))
        kiosk.send_confirmation_code(identity, PURPOSE, 6, timedelta(minutes=10), channel=channel_of(number))


def _throughput(kiosk, relay_engine, transports: dict, count: int) -> dict[str, float]:
    """Messages a second: the relay draining ``count`` queued codes per channel,
    and the same messages sent straight; keyed "relay <channel>" / "straight <channel>"."""
    from kiosk.relay.config import Pace
    from kiosk.relay.transport import Outgoing
    from kiosk.relay.worker import Relay

    rates = {}
    for offset, channel in enumerate(("sms", "email")):
        first = offset * count
        _issue(kiosk, range(first, first + count), lambda _n, channel=channel: channel)
        relay = Relay(relay_engine, kiosk.sealer, {key: t for key, t in transports.items() if key[1] == channel},
                      pace=Pace(batch=50))
        started = time.perf_counter()
        delivered = relay.drain()
        rates[f"relay {channel}"] = delivered / (time.perf_counter() - started)
        if delivered != count:
            raise RuntimeError(f"the relay delivered {delivered} of {count} {channel} messages")
        transport = next(t for key, t in transports.items() if key[1] == channel)
        recipient = "3100000000" if channel == "sms" else "asociado@mail.com"
        started = time.perf_counter()
        for number in range(count):
            transport.send(Outgoing(f"straight-{channel}-{number}", "progressa", channel, recipient,
                                    "Código" if channel == "email" else "", f"Su código es {number:06d}"))
        rates[f"straight {channel}"] = count / (time.perf_counter() - started)
    return rates


def _latency(kiosk, relay_engine, transports: dict, presses: int, first: int, arrivals: list[float]) -> list[float]:
    """Seconds from each press (a code issued by SMS) to its arrival at the
    gateway (``arrivals``: when each request reached it, as it comes)."""
    from kiosk.relay.config import Pace
    from kiosk.relay.worker import Relay

    relay = Relay(relay_engine, kiosk.sealer, transports, pace=Pace(poll_seconds=0.2))
    running = threading.Thread(target=relay.run, name="bench relay", daemon=True)
    running.start()
    pressed = []
    try:
        for number in range(first, first + presses):
            pressed.append(time.perf_counter())
            _issue(kiosk, range(number, number + 1), lambda _n: "sms")
            time.sleep(0.05)
        deadline = time.perf_counter() + 60
        while len(arrivals) < presses and time.perf_counter() < deadline:
            time.sleep(0.01)
    finally:
        relay.stop.set()
        running.join(30)
    if len(arrivals) < presses:
        raise RuntimeError(f"only {len(arrivals)} of {presses} codes reached the gateway in 60 s")
    # The relay sends in the order the codes were issued (message ids).
    return [arrival - press for press, arrival in zip(pressed, arrivals)]


def _status(kiosk) -> str:
    """What ``kiosk relay --status`` says of the run, per channel."""
    from sqlmodel import Session

    from kiosk.relay.status import relay_status

    with Session(kiosk.engine) as session:
        channels = relay_status(session, kiosk.core.clock.now()).channels
    return "; ".join(
        f"{c.channel}: {c.sent} sent, {c.queued} queued, {c.retried} retried, {c.dead} dead, created to sent "
        f"p50 {c.p50_seconds * 1000:.0f} ms p95 {c.p95_seconds * 1000:.0f} ms"
        for c in channels if c.p50_seconds is not None
    )


def measure(data_dir: Path, count: int = 500, presses: int = 100) -> list[Figure]:
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    servers = subprocess.Popen([sys.executable, "-c", SERVERS, str(PROJECT_DIR), TOKEN], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        ports = json.loads(servers.stdout.readline())
        store = data_dir / "relay.db"
        kiosk = _store(store, 2 * count + presses, frozenset({("progressa", "sms"), ("progressa", "email")}))
        relay_engine = _relay_engine(f"sqlite:///{store}")
        transports = _transports(ports["smtp"], ports["gateway"], "progressa")
        rates = _throughput(kiosk, relay_engine, transports, count)
        # The latency's arrivals are read off a gateway in this process (its requests, as they come).
        from tests.gateway_standin import GatewayStandIn

        with GatewayStandIn(token=TOKEN) as gateway:
            from kiosk.relay.gateway import JsonGateway

            arrivals: list[float] = []
            record = gateway._record
            gateway._record = lambda received: (arrivals.append(time.perf_counter()), record(received))[1]
            local = {("progressa", "sms"): JsonGateway(url=gateway.url, token=TOKEN)}
            waits = _latency(kiosk, relay_engine, local, presses, 2 * count, arrivals)
        status = _status(kiosk)
        kiosk.engine.dispose()
        relay_engine.dispose()
    finally:
        servers.stdin.close()
        servers.wait(30)
    ordered = sorted(waits)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    figures = [
        Figure("code press to the gateway, one relay", f"p95 {p95 * 1000:.0f} ms", "1 s",
               f"p50 {statistics.median(waits) * 1000:.0f} ms; {presses} codes issued 50 ms apart, relay polling "
               "every 0.2 s", p95 <= 1.0),
    ]
    figures.append(Figure("  kiosk relay --status after the run", "-", "-", status))
    for channel, server in (("sms", "JSON gateway"), ("email", "SMTP server")):
        relayed, straight = rates[f"relay {channel}"], rates[f"straight {channel}"]
        figures.append(Figure(f"one relay to a local {server}", f"{relayed:.0f} msg/s", "200 msg/s",
                              f"sent straight from the request: {straight:.0f} msg/s; {count} {channel} codes",
                              relayed >= 200))
    return figures
