"""Store scale: finding a member, issuing a code and checking it on a big
store against a 1,000-member store, op by op, the two stores taking turns
in the same process (bcrypt at cost 4 on both, so the store is what differs)."""

from __future__ import annotations

import random
import re
import statistics
from collections.abc import Callable
from datetime import timedelta
from time import perf_counter

from kiosk.bench import seed
from kiosk.bench.report import Figure, ratio

PURPOSE = "confirm"


def service(url: str, cost: int = 4):
    from kiosk.core.clock import Clock
    from kiosk.core.hashing import Hasher
    from kiosk.core.sealing import Sealer
    from kiosk.core.service import KioskService
    from kiosk.store import make_engine

    return KioskService(
        make_engine(url), Hasher(seed.PEPPER, cost), Sealer(seed.PEPPER), Clock(), seed.INSTITUTION, "Progressa"
    )


def seeded_store(url: str, members: int, rows: int) -> tuple[dict[str, float], object]:
    """Migrate and seed a store; the seconds each table took, and its service."""
    from kiosk.store import open_store

    open_store(url).dispose()
    kiosk = service(url)
    return seed.seed(kiosk.engine, kiosk.hasher, kiosk.sealer, members, outbox=rows, audit=rows), kiosk


def prove_code(kiosk, number: int, timings: dict[str, list[float]] | None = None):
    """Find seeded member ``number``, send them a code and check it; the
    proof.  Each step's time goes into ``timings`` when given."""
    def timed(name: str, call: Callable):
        started = perf_counter()
        result = call()
        if timings is not None:
            timings[name].append(perf_counter() - started)
        return result

    identity = timed("find", lambda: kiosk.identify(seed.document(number)))
    if identity.member_id is None:
        raise RuntimeError(f"seeded member {number} not found")
    timed("issue", lambda: kiosk.send_confirmation_code(identity, PURPOSE, 6, timedelta(minutes=10)))
    body = kiosk.messages_for(identity.member_id, 1)[0].body  # the member's phone: not timed
    code = re.search(r"es (\d{6})", body).group(1)
    return timed("check", lambda: kiosk.verify_code(identity, PURPOSE, code))


def compare(small, small_members: int, big, big_members: int, ops: int, label: str) -> list[Figure]:
    """``ops`` rounds; in each, one member of each store (drawn at random, never
    twice) is found, sent a code and checks it; the stores alternate who goes first."""
    rng = random.Random(10)
    small_numbers = rng.sample(range(small_members), min(ops, small_members))
    big_numbers = rng.sample(range(big_members), min(ops, big_members))
    small_times: dict[str, list[float]] = {"find": [], "issue": [], "check": []}
    big_times: dict[str, list[float]] = {"find": [], "issue": [], "check": []}
    for round_, (s, b) in enumerate(zip(small_numbers, big_numbers)):
        turns = [(small, s, small_times), (big, b, big_times)]
        for kiosk, number, times in turns if round_ % 2 else turns[::-1]:
            prove_code(kiosk, number, times)
    figures = []
    for name, what in (("find", "find a member"), ("issue", "issue a code"), ("check", "check a code")):
        big_ms = statistics.median(big_times[name]) * 1000
        small_ms = statistics.median(small_times[name]) * 1000
        factor = ratio(big_ms, small_ms)
        figures.append(Figure(
            f"{what} ({label})", f"{big_ms:.2f} ms", "2x small store",
            f"{factor:.2f}x the {small_members:,}-member store ({small_ms:.2f} ms), median of {len(small_numbers)}",
            factor <= 2.0,
        ))
    return figures


def measure(small_url: str, big_url: str, big_members: int, rows: int, ops: int, label: str,
            small_members: int = 1000) -> list[Figure]:
    _seconds, small = seeded_store(small_url, small_members, rows * small_members // big_members)
    seconds, big = seeded_store(big_url, big_members, rows)
    members_s = seconds["member"] + seconds["member_key"]
    rows_s = seconds["outbox_message"] + seconds["audit_event"] + seconds["analyze"]
    # The budget is for a million members: a smaller store's time is scaled up.
    per_million = members_s * 1_000_000 / big_members
    figures = [
        Figure(f"seed {big_members:,} members with keys ({label})", f"{members_s:.1f} s", "60 s per 1M members",
               f"{per_million:.1f} s per million members" + ("" if big_members == 1_000_000 else " (scaled)"),
               per_million <= 60),
        Figure(f"  + {rows:,} outbox and {rows:,} audit rows ({label})", f"{rows_s:.1f} s", "-",
               "bulk insert and ANALYZE (informational)"),
    ]
    figures += compare(small, small_members, big, big_members, ops, label)
    for kiosk in (small, big):
        kiosk.engine.dispose()
    return figures
