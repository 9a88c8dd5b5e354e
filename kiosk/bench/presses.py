"""How long a member waits on a press, at bcrypt's production cost (issue 20:
no press over 1 s at p95 on this machine).

Each institution's whole recovery is walked by taps alone, by the walks
issue 20's touch-only tests use (``tests/touch_walks.py``, from the
checkout), in the kiosk as ``kiosk run`` builds it, on a new store.  A press
the member waits on is a tap that starts a core call (hashing, the store):
its wait runs from the tap to the first frame written after that call ended
(the next screen, or the refusal, on the terminal).  The same walks run
again with the bcrypt checks of a press made one at a time instead of all at
once, one a core (``kiosk.core.hashing.all_at_once``): the comparison.

Pilot taps far faster than a member: each tap here waits until at least
``MEMBER_TAP_SECONDS`` after the previous one, a member's pace on the
scrambled keypad, so work the kiosk starts while the member types (the
new key vetted ahead, ``kiosk.core.vetting_ahead``) has the time it has at
a real kiosk."""

from __future__ import annotations

import asyncio
import shutil
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Iterator

from kiosk.bench.report import Figure
from kiosk.bench.seed import PEPPER
from kiosk.config import PROJECT_DIR, Settings

SIZE = (100, 30)
MEMBER_TAP_SECONDS = 0.35  # the shortest time between two of a member's taps


@dataclass
class Waits:
    taps: list[float] = field(default_factory=list)
    core: list[tuple[float, float, str]] = field(default_factory=list)  # (start, end, where)
    frames: list[float] = field(default_factory=list)
    found: list[tuple[float, str]] = field(default_factory=list)  # (seconds, where)

    def settle(self, institution: str) -> None:
        """Turn this walk's taps, core calls and frames into waits, and start afresh."""
        for start, end, where in self.core:
            tap = max((t for t in self.taps if t <= start), default=None)
            frame = min((t for t in self.frames if t >= end), default=None)
            if tap is not None and frame is not None:
                self.found.append((frame - tap, f"{institution} {where}"))
        self.taps, self.core, self.frames = [], [], []

    def p95(self) -> float:
        ordered = sorted(seconds for seconds, _where in self.found)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _walks() -> dict:
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    from tests.touch_walks import WALKS

    return WALKS


@contextmanager
def _noted(waits: Waits) -> Iterator[None]:
    from textual.pilot import Pilot

    from kiosk.screens.base import CoreCallScreen
    from kiosk.textual_adapter import frames_noted

    original_click, original_call_core = Pilot.click, CoreCallScreen.call_core

    async def click(pilot, *args, **kwargs):
        if waits.taps:  # at a member's pace: no sooner than MEMBER_TAP_SECONDS after the last tap
            await asyncio.sleep(max(0.0, waits.taps[-1] + MEMBER_TAP_SECONDS - perf_counter()))
        waits.taps.append(perf_counter())
        return await original_click(pilot, *args, **kwargs)

    def call_core(screen, work, on_success, on_refusal=None):
        step = getattr(screen, "step", None)
        where = f"{type(screen).__name__}" + (f" ({step.id})" if step is not None else "")

        def timed():
            start = perf_counter()
            try:
                return work()
            finally:
                waits.core.append((start, perf_counter(), where))

        return original_call_core(screen, timed, on_success, on_refusal)

    Pilot.click, CoreCallScreen.call_core = click, call_core
    try:
        with frames_noted(lambda _app, _screen: waits.frames.append(perf_counter())):
            yield
    finally:
        Pilot.click, CoreCallScreen.call_core = original_click, original_call_core


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    from kiosk.core import hashing

    parallel, hashing._BCRYPT_THREADS = hashing._BCRYPT_THREADS, ThreadPoolExecutor(max_workers=1)
    try:
        yield
    finally:
        hashing._BCRYPT_THREADS.shutdown()
        hashing._BCRYPT_THREADS = parallel


def _settings(store: Path, bcrypt_cost: int, institution: str | None = None) -> Settings:
    return Settings(database_url=f"sqlite:///{store}", pepper=PEPPER, bcrypt_cost=bcrypt_cost,
                    idle_timeout=600.0, institution=institution)


async def _walk(slug: str, walk, store: Path, bcrypt_cost: int) -> None:
    from kiosk.assembly import build_app

    app = build_app(_settings(store, bcrypt_cost, slug))
    async with app.run_test(size=SIZE, headless=True) as pilot:
        while not (app.store_ready or app.store_failed):
            await asyncio.sleep(0.01)
        if app.store_failed:
            raise RuntimeError(f"{slug}: the kiosk could not open its store")
        await walk(pilot, app.service)
        app.exit()


def _measure(walks: dict, data_dir: Path, label: str, bcrypt_cost: int) -> Waits:
    from kiosk.assembly import open_seeded

    # Every demo member seeded before, once: a first start's seeding (in a
    # thread, kiosk.demo.DemoSeeding) is start-up's figure, not a press's.
    seeded = data_dir / f"presses-{label}.db"
    open_seeded(_settings(seeded, bcrypt_cost), seed=True)[0].dispose()
    waits = Waits()
    with _noted(waits):
        for slug, walk in walks.items():
            store = data_dir / f"presses-{slug}-{label}.db"
            shutil.copyfile(seeded, store)
            asyncio.run(_walk(slug, walk, store, bcrypt_cost))
            waits.settle(slug)
    return waits


def measure(data_dir: Path, bcrypt_cost: int = Settings.bcrypt_cost,
            institutions: list[str] | None = None) -> list[Figure]:
    walks = {slug: walk for slug, walk in _walks().items() if institutions is None or slug in institutions}
    parallel = _measure(walks, data_dir, "parallel", bcrypt_cost)
    with _one_at_a_time():
        serial = _measure(walks, data_dir, "serial", bcrypt_cost)
    slowest, slowest_where = max(parallel.found)
    p95, serial_p95 = parallel.p95(), serial.p95()
    serial_slowest, serial_where = max(serial.found)
    return [
        Figure(f"member press wait p95, bcrypt cost {bcrypt_cost}", f"{p95 * 1000:.0f} ms", "1 s",
               f"checks one at a time: {serial_p95 * 1000:.0f} ms; {len(parallel.found)} presses, "
               f"{len(walks)} institutions' recoveries by taps, {SIZE[0]}x{SIZE[1]}", p95 <= 1.0),
        Figure("  slowest press", f"{slowest * 1000:.0f} ms", "-",
               f"{slowest_where}; checks one at a time: {serial_slowest * 1000:.0f} ms ({serial_where}); "
               f"median {statistics.median(s for s, _w in parallel.found) * 1000:.0f} ms"),
    ]
