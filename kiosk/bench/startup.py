"""Start-up: process start to the welcome screen ready for input, and peak
memory, against a bare Textual app showing one label, started the same way
(fresh interpreter, headless, an auto-pilot that notes when the first screen
has been painted).  The two alternate, run after run."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from kiosk.bench.report import Figure, ratio
from kiosk.config import Settings

READY = """
import asyncio, json, resource, sys, time

async def first_frame(pilot):
    painted = asyncio.Event()
    pilot.app.screen.call_after_refresh(painted.set)
    await painted.wait()
    return time.time() - START

def peak_mb():
    # VmHWM: this process's own peak (ru_maxrss would count the parent's memory before exec on Linux).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

BARE = READY + """
from textual.app import App
from textual.widgets import Label

class Bare(App):
    def compose(self):
        yield Label("Bienvenido")

async def pilot(pilot):
    ready = await first_frame(pilot)
    print(json.dumps({"ready": ready, "peak_mb": peak_mb()}))
    pilot.app.exit()

Bare().run(headless=True, auto_pilot=pilot)
"""

KIOSK = READY + """
from kiosk.assembly import build_app
from kiosk.config import Settings

async def pilot(pilot):
    ready = await first_frame(pilot)
    peak = peak_mb()
    while not (pilot.app.store_ready or pilot.app.store_failed):
        await asyncio.sleep(0.005)
    print(json.dumps({"ready": ready, "peak_mb": peak, "store_ready": time.time() - START,
                      "store_failed": pilot.app.store_failed, "peak_after_store_mb": peak_mb()}))
    pilot.app.exit()

build_app(Settings.from_env()).run(headless=True, auto_pilot=pilot)
"""


def _run(script: str, env: dict[str, str]) -> dict:
    code = f"START = {time.time()!r}\n" + script
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"start-up child failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(runs: int, data_dir: Path, bcrypt_cost: int = Settings.bcrypt_cost) -> list[Figure]:
    """``runs`` alternating pairs after one warm-up each; the kiosk's store is
    a SQLite file under ``data_dir`` (created and seeded by the warm-up)."""
    env = dict(os.environ, KIOSK_DATA_DIR=str(data_dir))
    env.pop("KIOSK_DATABASE_URL", None)
    # Both start as installed code does, from cached bytecode: pip writes
    # Textual's as it installs it, and Python the kiosk checkout's on its first
    # run (the warm-up), unless the environment forbids it (some CI and
    # sandboxes do); compiling the kiosk's sources on every start would be
    # timed against a Textual that never is.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("KIOSK_PEPPER", "ab" * 32)
    env["KIOSK_BCRYPT_COST"] = str(bcrypt_cost)
    env["KIOSK_INSTITUTION"] = "progressa"  # a branch kiosk, whose first screen is the welcome screen
    bare, kiosk = [], []
    for number in range(runs + 1):
        if number % 2:  # alternate which goes first, so neither always runs on a warmer machine
            pair = _run(BARE, env), _run(KIOSK, env)
        else:
            kiosk_first = _run(KIOSK, env)
            pair = _run(BARE, env), kiosk_first
        if number == 0:
            continue  # warm-up: the store is created and seeded, caches filled
        bare.append(pair[0])
        kiosk.append(pair[1])
        if kiosk[-1]["store_failed"]:
            raise RuntimeError("the kiosk could not open its store during the start-up runs")
    # The first start of a kiosk on a new store: migrated, then usable while
    # its demo members are seeded in a thread (kiosk.demo.DemoSeeding).
    first_starts = [_run(KIOSK, dict(env, KIOSK_DATA_DIR=str(data_dir / f"new-{number}"))) for number in range(runs)]
    if any(start["store_failed"] for start in first_starts):
        raise RuntimeError("the kiosk could not open a new store during the first-start runs")
    med = lambda runs_, key: statistics.median(r[key] for r in runs_)  # noqa: E731
    time_ratio = ratio(med(kiosk, "ready"), med(bare, "ready"))
    memory_ratio = ratio(med(kiosk, "peak_mb"), med(bare, "peak_mb"))
    return [
        Figure("start-up to welcome screen", f"{med(kiosk, 'ready') * 1000:.0f} ms",
               "1.3x bare app", f"{time_ratio:.2f}x bare app ({med(bare, 'ready') * 1000:.0f} ms), median of {runs}",
               time_ratio <= 1.3),
        Figure("peak memory at welcome screen", f"{med(kiosk, 'peak_mb'):.0f} MB",
               "1.5x bare app", f"{memory_ratio:.2f}x bare app ({med(bare, 'peak_mb'):.0f} MB)", memory_ratio <= 1.5),
        Figure("  store open, «Comenzar» enabled", f"{med(kiosk, 'store_ready') * 1000:.0f} ms",
               "-", f"peak memory then {med(kiosk, 'peak_after_store_mb'):.0f} MB (informational)"),
        Figure("first start on a new store, «Comenzar» enabled", f"{med(first_starts, 'store_ready') * 1000:.0f} ms",
               "2 s", f"an existing store: {med(kiosk, 'store_ready') * 1000:.0f} ms; bcrypt cost {bcrypt_cost}, "
               f"demo members seeded in a thread meanwhile, median of {runs}",
               med(first_starts, "store_ready") <= 2.0),
    ]
