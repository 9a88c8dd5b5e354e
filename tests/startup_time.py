"""Time from process start to the kiosk's welcome screen, ready for input.

    .venv/bin/python tests/startup_time.py        # prints seconds, 5 runs

Each run is a fresh interpreter, started the way `kiosk` starts, on the
README's store (SQLite under data/, created and seeded if missing).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CHILD = """
import time, sys
start = float(sys.argv[1])
from kiosk.cli import build_app
from kiosk.config import Settings

async def ready(pilot):
    await pilot.pause()
    print(time.time() - start)
    pilot.app.exit()

build_app(Settings.from_env()).run(headless=True, auto_pilot=ready)
"""


def main(runs: int = 5) -> None:
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, repr(time.time())], capture_output=True, text=True, check=True
        ).stdout
        samples.append(float(out.strip().splitlines()[-1]))
    print("runs:", ", ".join(f"{s:.3f}" for s in samples))
    print(f"median {statistics.median(samples):.3f} s, best {min(samples):.3f} s")


if __name__ == "__main__":
    main()
