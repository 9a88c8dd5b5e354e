"""A whole Progressa recovery driven through the screens (headless Pilot),
with bcrypt at its production cost, started the way ``kiosk run`` starts
(welcome screen first, store opened in the background on a fresh store):

- a heartbeat timer every 10 ms notes the longest gap between two ticks (a
  stalled event loop) and on which screen it happened;
- every press that leads to another screen is timed from the click to the
  new screen painted, minus the time the core spent in its worker thread
  (``CoreCallScreen.call_core``: the hashing and the store).
"""

from __future__ import annotations

import asyncio
import re
import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from time import perf_counter

from kiosk.bench.report import Figure

HEARTBEAT = 0.010
ORDINARY = "1010123456"
NEW_KEY = "749261"


@dataclass
class Probe:
    gaps: list[tuple[float, str]] = field(default_factory=list)
    last: float | None = None
    core: list[tuple[float, float]] = field(default_factory=list)  # (start, end) of each core call
    painted: list[tuple[float, object]] = field(default_factory=list)  # (when, screen)
    transitions: list[tuple[float, str]] = field(default_factory=list)

    def beat(self, where: str) -> None:
        now = perf_counter()
        if self.last is not None:
            self.gaps.append((now - self.last, where))
        self.last = now

    def core_time(self, start: float, end: float) -> float:
        return sum(max(0.0, min(e, end) - max(s, start)) for s, e in self.core)


def _where(app) -> str:
    screen = app.screen
    step = getattr(screen, "step", None)
    return f"{type(screen).__name__}" + (f" ({step.id})" if step is not None else "")


async def _drive(app, probe: Probe) -> None:
    async with app.run_test(size=(100, 40), headless=True) as pilot:
        app.set_interval(HEARTBEAT, lambda: probe.beat(_where(app)))
        app.screen_change_signal.subscribe(
            app, lambda screen: screen.call_after_refresh(lambda: probe.painted.append((perf_counter(), screen)))
        )
        while not (app.store_ready or app.store_failed):
            await asyncio.sleep(0.01)
        if app.store_failed:
            raise RuntimeError("the kiosk could not open its store")

        async def press(selector: str, leads_on: bool = True) -> None:
            await pilot.pause()
            widget = app.screen.query_one(selector)
            widget.scroll_visible(animate=False)
            await pilot.pause()
            before, start = app.screen, perf_counter()
            if not await pilot.click(widget):
                raise RuntimeError(f"could not press {selector} on {_where(app)}")
            await app.workers.wait_for_complete()
            await pilot.pause()
            if not leads_on:
                return
            painted = [(t, s) for t, s in probe.painted if t >= start and s is not before]
            if not painted:
                raise RuntimeError(f"{selector} on {type(before).__name__} did not lead to another screen")
            ready = painted[0][0]
            probe.transitions.append((ready - start - probe.core_time(start, ready), type(before).__name__))

        async def keypad(digits: str) -> None:
            from textual.widgets import Button

            from kiosk.widgets import ScrambledKeypad

            pad = app.screen.query_one(ScrambledKeypad)
            for digit in digits:
                button = next(b for b in pad.query(".keypad-digit").results(Button) if str(b.label) == digit)
                await pilot.click(button)
            await pilot.pause()

        async def document(number: str) -> None:
            from textual.widgets import Input

            field_ = app.screen.query_one("#document", Input)
            field_.focus()
            await pilot.press(*number)
            await press("#continue")

        await press("#start")
        await document(ORDINARY)
        await press("#forgot")
        await press("#continue")  # SMS
        body = app.service.messages_for(app.service.identify(ORDINARY).member_id, 1)[0].body
        temporary = re.search(r"\b(\d{6})\b", body).group(1)
        await press("#continue")  # back to the document
        await document(ORDINARY)
        await keypad(temporary)
        await press("#continue")  # -> new key
        await keypad(NEW_KEY)
        await press("#continue", leads_on=False)  # the same screen asks to confirm
        await keypad(NEW_KEY)
        await press("#continue")  # -> security image
        await press("#image-pez", leads_on=False)
        app.screen.query_one("#phrase").value = "Mi perro se llama Tango"
        await press("#continue")  # -> consent
        await press("#allow")  # -> «¡Listo!»
        await press("#continue")  # -> document
        await pilot.pause()
        app.exit()


def measure(data_dir: Path, runs: int = 1, bcrypt_cost: int = 12) -> list[Figure]:
    from kiosk.cli import build_app
    from kiosk.config import Settings
    from kiosk.screens.base import CoreCallScreen

    probe = Probe()
    original = CoreCallScreen.call_core

    def timed_call_core(screen, work, on_success, on_refusal=None):
        def timed():
            start = perf_counter()
            try:
                return work()
            finally:
                probe.core.append((start, perf_counter()))

        return original(screen, timed, on_success, on_refusal)

    CoreCallScreen.call_core = timed_call_core
    try:
        for run in range(runs):  # each on a new store, opened as `kiosk run` opens it
            settings = Settings(
                database_url=f"sqlite:///{data_dir / f'flow{run}.db'}", pepper=b"bench-pepper-not-for-production!",
                bcrypt_cost=bcrypt_cost, idle_timeout=600.0,
            )
            probe.last = None
            asyncio.run(_drive(build_app(settings), probe))
    finally:
        CoreCallScreen.call_core = original
    stall, where = max(probe.gaps)
    stall_ms = (stall - HEARTBEAT) * 1000
    times = sorted(t for t, _ in probe.transitions)
    p50 = statistics.median(times) * 1000
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] * 1000
    slowest = max(probe.transitions)
    core = sum(e - s for s, e in probe.core)
    return [
        Figure("longest event-loop stall (recovery)", f"{stall_ms:.0f} ms", "50 ms",
               f"on {where}; heartbeat {HEARTBEAT * 1000:.0f} ms, bcrypt cost {bcrypt_cost}, "
               f"{runs} recoveries, {core:.1f} s in core threads", stall_ms <= 50),
        Figure("step transition p95 (excl. core)", f"{p95:.0f} ms", "50 ms",
               f"p50 {p50:.0f} ms over {len(times)} transitions; slowest {slowest[0] * 1000:.0f} ms from "
               f"{slowest[1]}", p95 <= 50),
    ]

