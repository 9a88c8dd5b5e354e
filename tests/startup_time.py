"""Time from process start to the kiosk's welcome screen, against a bare
Textual app started the same way (``kiosk bench`` prints this with the rest).

    .venv/bin/python tests/startup_time.py        # 5 alternating pairs

Each run is a fresh interpreter, started the way `kiosk` starts, on a
throwaway SQLite store (created and seeded by a first, uncounted run).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from kiosk.bench.startup import measure


def main(runs: int = 5) -> None:
    with tempfile.TemporaryDirectory(prefix="kiosk-startup-") as scratch:
        for figure in measure(runs, Path(scratch)):
            print(f"{figure.name.strip()}: {figure.measured} ({figure.comparison})")


if __name__ == "__main__":
    main()
