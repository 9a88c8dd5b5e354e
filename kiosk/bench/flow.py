"""A whole Progressa recovery driven through the screens (headless Pilot,
100x40), with bcrypt at its production cost, started the way ``kiosk run``
starts (welcome screen first, store opened in the background, on a new store):

- a heartbeat timer every 10 ms notes the longest gap between two ticks (a
  stalled event loop), on which screen it happened, and how much of that gap
  the main thread itself was busy (the rest: the machine ran something else);
- every press that leads to another screen is timed from the moment the
  button takes the press (``Button.press``) to the new screen ready for the
  next tap, minus the time the core spent in its worker thread (the hashing
  and the store: ``CoreCallScreen.call_core``, and ``StepScreen.load`` where
  entering a step reads or sends, as Progressa's «Hemos enviado» sends the
  temporary key).  Ready: its first frame is on the terminal, and a tap
  arriving with that frame has been handled (a message sent through the app
  to the new screen as the frame is written has been processed: Textual's
  work after the frame, such as removing the old screen, delays it).  The
  first frame alone is reported too.

The same is measured, side by side, on a bare Textual app whose screens hold
a title, a 4x3 grid of buttons and a «Continuar» button (what a keypad step
holds): the floor this machine puts under any Textual screen change.
"""

from __future__ import annotations

import asyncio
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter, thread_time

from kiosk.bench.report import Figure, ratio
from kiosk.bench.seed import NEW_KEY, PEPPER
from kiosk.config import Settings

HEARTBEAT = 0.010
SIZE = (100, 40)
ORDINARY = "1010123456"


@dataclass
class Probe:
    gaps: list[tuple[float, float, str]] = field(default_factory=list)  # (wall, main-thread CPU, where)
    last: tuple[float, float] | None = None
    core: list[tuple[float, float]] = field(default_factory=list)  # (start, end) of each core call
    # (when, id of the screen): not the screen, which would keep every screen
    # of the run alive and slow the garbage collector.
    first_frames: list[tuple[float, int]] = field(default_factory=list)
    ready: list[tuple[float, int]] = field(default_factory=list)
    transitions: list[tuple[float, str]] = field(default_factory=list)
    first_frame_times: list[float] = field(default_factory=list)
    pressed: float = 0.0  # when a button last took a press (Button.press)

    def beat(self, where: str) -> None:
        now = perf_counter(), thread_time()
        if self.last is not None:
            self.gaps.append((now[0] - self.last[0], now[1] - self.last[1], where))
        self.last = now

    def core_time(self, start: float, end: float) -> float:
        return sum(max(0.0, min(e, end) - max(s, start)) for s, e in self.core)

    def watch(self, app, where) -> None:
        """Start the heartbeat."""
        self.last = None
        app.set_interval(HEARTBEAT, lambda: self.beat(where()))

    def frame(self, app, screen) -> None:
        """A frame of ``screen`` is being written: on its first, note the time
        and send a tap-like message through the app to the screen."""
        screen_id = id(screen)
        if any(seen == screen_id for _t, seen in self.first_frames):
            return
        self.first_frames.append((perf_counter(), screen_id))
        app.call_later(screen.call_later, lambda: self.ready.append((perf_counter(), screen_id)))

    async def press(self, pilot, selector: str, leads_on: bool = True) -> None:
        """Click ``selector`` and, when it leads to another screen, time the transition."""
        app = pilot.app
        await pilot.pause()
        widget = app.screen.query_one(selector)
        widget.scroll_visible(animate=False)
        await pilot.pause()
        before = app.screen
        self.pressed = 0.0
        if not await pilot.click(widget):
            raise RuntimeError(f"could not press {selector} on {type(before).__name__}")
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not leads_on:
            return
        start = self.pressed
        first = [t for t, screen in self.first_frames if t >= start and screen != id(before)]
        ready = [t for t, screen in self.ready if t >= start and screen != id(before)]
        if not start or not first or not ready:
            raise RuntimeError(f"{selector} on {type(before).__name__} did not lead to another screen")
        # The core's work that led here, not what the new screen may start once shown.
        core = self.core_time(start, first[0])
        self.transitions.append((ready[0] - start - core, type(before).__name__))
        self.first_frame_times.append(first[0] - start - core)

    def busiest(self) -> tuple[float, str]:
        """The most main-thread CPU between two ticks (ms), and where: the
        stall the kiosk's own code caused, whatever else the machine did."""
        _wall, cpu, where = max(self.gaps, key=lambda gap: gap[1])
        return cpu * 1000, where

    def summary(self) -> tuple[tuple[float, float, str], float, float, float, tuple[float, str]]:
        """The longest stall (ms over the heartbeat, main-thread CPU ms, where),
        the transitions' p50 and p95 in ms, the first frames' p95 in ms, and
        the slowest transition."""
        wall, cpu, where = max(self.gaps)
        times = [t for t, _ in self.transitions]
        return ((wall - HEARTBEAT) * 1000, cpu * 1000, where), statistics.median(times) * 1000, \
            _p95(times) * 1000, _p95(self.first_frame_times) * 1000, max(self.transitions)


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _where(app) -> str:
    screen = app.screen
    step = getattr(screen, "step", None)
    return f"{type(screen).__name__}" + (f" ({step.id})" if step is not None else "")


async def _recover(app, probe: Probe) -> None:
    from textual.widgets import Input

    from kiosk.widgets import ScrambledKeypad, SecurityImagePicker

    async with app.run_test(size=SIZE, headless=True) as pilot:
        probe.watch(app, lambda: _where(app))
        while not (app.store_ready or app.store_failed):
            await asyncio.sleep(0.01)
        if app.store_failed:
            raise RuntimeError("the kiosk could not open its store")

        async def keypad(digits: str) -> None:
            pad = app.screen.query_one(ScrambledKeypad)
            for digit in digits:
                await pilot.click(pad, offset=pad.key_offset(pad.key_index(digit)))
            await pilot.pause()

        async def document(number: str) -> None:
            app.screen.query_one("#document", Input).focus()
            await pilot.press(*number)
            await probe.press(pilot, "#continue")

        await probe.press(pilot, "#start")
        await document(ORDINARY)
        await probe.press(pilot, "#forgot")
        await probe.press(pilot, "#continue")  # by SMS
        body = app.service.messages_for(app.service.identify(ORDINARY).member_id, 1)[0].body
        await probe.press(pilot, "#continue")  # back to the document
        await document(ORDINARY)
        await keypad(re.search(r"\b(\d{6})\b", body).group(1))  # the temporary key
        await probe.press(pilot, "#continue")  # -> new key
        await keypad(NEW_KEY)
        await probe.press(pilot, "#continue", leads_on=False)  # the same screen asks to confirm
        await keypad(NEW_KEY)
        await probe.press(pilot, "#continue")  # -> security image
        picker = app.screen.query_one(SecurityImagePicker)
        await pilot.click(picker, offset=picker.key_offset(picker.image_index("pez")))
        app.screen.query_one("#phrase", Input).value = "Mi perro se llama Tango"
        await probe.press(pilot, "#continue")  # -> consent
        await probe.press(pilot, "#allow")  # -> «¡Listo!»
        await probe.press(pilot, "#continue")  # -> document
        app.exit()


def _bare_app():
    from textual.app import App
    from textual.containers import Grid, Vertical
    from textual.screen import Screen
    from textual.widgets import Button, Label, Static

    class KeypadLike(Screen):
        CSS = "Grid { grid-size: 4 3; grid-rows: 3; grid-columns: 10; height: 9; width: 43; }"

        def compose(self):
            with Vertical():
                yield Static("Clave de acceso")
                with Grid():
                    for digit in "7305218694":
                        yield Button(digit)
                    yield Button("Borrar")
                    yield Button("Limpiar")
                yield Button("Continuar", id="continue")

        def on_button_pressed(self, event: Button.Pressed) -> None:
            if event.button.id == "continue":
                self.app.switch_screen(KeypadLike())

    class Bare(App):
        def compose(self):
            yield Label("Bienvenido")

        def on_mount(self) -> None:
            self.push_screen(KeypadLike())

    return Bare()


async def _bare(app, probe: Probe, presses: int) -> None:
    async with app.run_test(size=SIZE, headless=True) as pilot:
        probe.watch(app, lambda: type(app.screen).__name__)
        for _ in range(presses):
            await probe.press(pilot, "#continue")
        app.exit()


def measure(data_dir: Path, runs: int = 1, bcrypt_cost: int = Settings.bcrypt_cost,
            compare_compose_ahead: bool = False) -> list[Figure]:
    """The figures of a recovery; with ``compare_compose_ahead``, each run also
    drives the recovery with no screen composed ahead (``KioskApp.compose_ahead``),
    right after the usual one, so the machine's load falls on both alike."""
    from textual.widgets import Button

    from kiosk.assembly import build_app
    from kiosk.screens.base import CoreCallScreen
    from kiosk.screens.registry import STEP_SCREENS
    from kiosk.textual_adapter import frames_noted

    kiosk, bare, not_ahead = Probe(), Probe(), Probe()
    original_call_core, original_press = CoreCallScreen.call_core, Button.press
    probe = kiosk

    def timed_call_core(screen, work, on_success, on_refusal=None):
        def timed():
            start = perf_counter()
            try:
                return work()
            finally:
                probe.core.append((start, perf_counter()))

        return original_call_core(screen, timed, on_success, on_refusal)

    def timed_load(original_load):
        def load(screen, service):
            start = perf_counter()
            try:
                return original_load(screen, service)
            finally:
                probe.core.append((start, perf_counter()))

        return load

    def noted_press(button):
        probe.pressed = perf_counter()
        return original_press(button)

    def recovery(run: int, ahead: bool):
        name = f"flow{run}.db" if ahead else f"flow{run}-not-ahead.db"
        settings = Settings(
            database_url=f"sqlite:///{data_dir / name}", pepper=PEPPER,
            bcrypt_cost=bcrypt_cost, idle_timeout=600.0, institution="progressa",
        )
        app = build_app(settings)
        app.composes_ahead = ahead
        return app

    CoreCallScreen.call_core, Button.press = timed_call_core, noted_press
    loading = {screen: screen.__dict__["load"] for screen in (STEP_SCREENS[t] for t in STEP_SCREENS)
               if "load" in screen.__dict__}
    for screen, original_load in loading.items():
        screen.load = timed_load(original_load)
    try:
        with frames_noted(lambda app, screen: probe.frame(app, screen)):
            for run in range(runs):  # each recovery on a new store, opened as `kiosk run` opens it
                probe = kiosk
                asyncio.run(_recover(recovery(run, ahead=True), kiosk))
                if compare_compose_ahead:
                    probe = not_ahead
                    asyncio.run(_recover(recovery(run, ahead=False), not_ahead))
                probe = bare
                asyncio.run(_bare(_bare_app(), bare, presses=len(kiosk.transitions) // (run + 1)))
    finally:
        CoreCallScreen.call_core, Button.press = original_call_core, original_press
        for screen, original_load in loading.items():
            screen.load = original_load
    (stall, busy, where), p50, p95, first_p95, slowest = kiosk.summary()
    (bare_stall, _busy, _where_), bare_p50, bare_p95, bare_first_p95, _slowest = bare.summary()
    core = sum(e - s for s, e in kiosk.core)
    own, own_where = kiosk.busiest()
    figures = [
        Figure("longest event-loop stall (recovery)", f"{stall:.0f} ms", "50 ms",
               f"on {where}, main thread busy {busy:.0f} ms of it; bare Textual {bare_stall:.0f} ms", stall <= 50),
        Figure("  longest main-thread busy stretch", f"{own:.0f} ms", "-",
               f"on {own_where}; bare Textual {bare.busiest()[0]:.0f} ms"),
        Figure("step transition p95 (excl. core)", f"{p95:.0f} ms", "50 ms",
               f"{ratio(p95, bare_p95):.2f}x bare Textual keypad screen ({bare_p95:.0f} ms)", p95 <= 50),
        Figure("  first frame of the next screen p95", f"{first_p95:.0f} ms", "-",
               f"bare Textual {bare_first_p95:.0f} ms"),
        Figure("  step transition p50", f"{p50:.0f} ms", "-",
               f"bare Textual {bare_p50:.0f} ms; slowest {slowest[0] * 1000:.0f} ms from {slowest[1]}"),
        Figure("  recoveries driven", str(runs), "-",
               f"{len(kiosk.transitions)} transitions, {SIZE[0]}x{SIZE[1]}, bcrypt cost {bcrypt_cost}, "
               f"{core:.1f} s hashing and storing in threads"),
    ]
    if compare_compose_ahead:
        _stall, off_p50, off_p95, _first, _slowest = not_ahead.summary()
        figures.append(Figure(
            "  step transition, nothing composed ahead", f"p50 {off_p50:.0f} ms, p95 {off_p95:.0f} ms", "-",
            f"composed ahead: p50 {p50:.0f} ms, p95 {p95:.0f} ms; gain p50 {off_p50 - p50:.1f} ms, "
            f"p95 {off_p95 - p95:.1f} ms", None))
    return figures
