"""``kiosk bench [--quick]``: every figure of issue 10 in one table."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from kiosk.bench.report import Report
from kiosk.config import Settings

PRODUCTION_COST = Settings.bcrypt_cost


@dataclass(frozen=True)
class Sizes:
    startup_runs: int
    flow_runs: int
    members: int
    rows: int  # outbox messages, and as many audit rows
    ops: int
    sqlite_kiosks: int
    postgres_kiosks: int
    kiosk_seconds: float
    visits: int  # supervision's figures on a store of this many visits, beside one of 10,000
    relayed: int  # messages per channel one relay delivers, beside the same sent straight


FULL = Sizes(startup_runs=15, flow_runs=3, members=1_000_000, rows=10_000_000, ops=300,
             sqlite_kiosks=8, postgres_kiosks=32, kiosk_seconds=20, visits=1_000_000, relayed=2000)
QUICK = Sizes(startup_runs=5, flow_runs=2, members=20_000, rows=200_000, ops=60,
              sqlite_kiosks=4, postgres_kiosks=8, kiosk_seconds=5, visits=100_000, relayed=500)


def _postgres(report: Report):
    """A throwaway PostgreSQL server (tests/pgserver.py), or None with the reason noted."""
    from kiosk.config import PROJECT_DIR

    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    try:
        import psycopg  # noqa: F401

        from tests import pgserver
    except ImportError as missing:
        report.skipped.append(f"PostgreSQL: {missing} (install the kiosk with '.[test]' from a clone)")
        return None
    bin_dir = pgserver.find_bin_dir()
    if bin_dir is None:
        report.skipped.append("PostgreSQL: no server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql")
        return None
    server = pgserver.PostgresServer(bin_dir)
    try:
        server.start()
    except Exception as failure:  # noqa: BLE001 - binaries present but no server: an error
        report.errors.append(f"PostgreSQL: {failure}")
        return None
    return server


def _section(report: Report, title: str, work) -> None:
    print(f"\n== {title}", flush=True)
    started = time.monotonic()
    try:
        work()
    except Exception:  # noqa: BLE001 - an error fails the run, after the other sections
        report.errors.append(f"{title}: {traceback.format_exc(limit=6)}")
        print(report.errors[-1], file=sys.stderr)
    print(f"   ({time.monotonic() - started:.0f} s)", flush=True)


def run(sizes: Sizes, compare_compose_ahead: bool = False) -> Report:
    from kiosk.bench import flow, kiosks, presses, relay, scale, startup, visits

    report = Report()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as scratch:
        base = Path(scratch)
        server = _postgres(report)
        try:
            (base / "startup").mkdir()
            _section(report, "start-up", lambda: report.add(*startup.measure(sizes.startup_runs, base / "startup")))
            _section(report, "a whole recovery at bcrypt cost 12",
                     lambda: report.add(*flow.measure(base, runs=sizes.flow_runs,
                                                      compare_compose_ahead=compare_compose_ahead)))
            (base / "presses").mkdir()
            _section(report, f"every press of five recoveries by taps at bcrypt cost {PRODUCTION_COST}",
                     lambda: report.add(*presses.measure(base / "presses")))

            (base / "relay").mkdir()
            _section(report, "real delivery: one relay", lambda: report.add(*relay.measure(
                base / "relay", count=sizes.relayed)))

            stores = [("SQLite", lambda name: f"sqlite:///{base / name}.db", sizes.sqlite_kiosks)]
            if server is not None:
                stores.append(("PostgreSQL", lambda name: server.create_database(name), sizes.postgres_kiosks))
            for label, url, processes in stores:
                _section(report, f"store scale on {label}", lambda: report.add(*scale.measure(
                    url("small"), url("big"), sizes.members, sizes.rows, sizes.ops, label)))
                if label == "PostgreSQL":
                    server.drop_database("big")  # gigabytes the kiosks do not need
                _section(report, f"supervision's figures on {label}", lambda: report.add(*visits.measure(
                    url("visits-small"), url("visits-big"), sizes.visits, label)))
                if label == "PostgreSQL":
                    server.drop_database("visits-big")

                def many(label=label, url=url, processes=processes, cost=4):
                    figure, errors = kiosks.measure(url(f"kiosks{cost}"), processes, sizes.kiosk_seconds, label, cost)
                    report.add(figure)
                    report.errors.extend(errors)

                _section(report, f"{processes} kiosks on {label}", many)
                if label == "SQLite":  # one write lock for the whole store: kept free of bcrypt work
                    _section(report, f"{processes} kiosks on {label} at bcrypt cost {PRODUCTION_COST}",
                             lambda: many(cost=PRODUCTION_COST))
        finally:
            if server is not None:
                server.stop()
    return report


def main(quick: bool = False, compare_compose_ahead: bool = False) -> int:
    sizes = QUICK if quick else FULL
    started = time.monotonic()
    print(f"kiosk bench{' --quick' if quick else ''}: {os.cpu_count()} CPUs; every figure is compared with "
          "one measured in the same run", flush=True)
    report = run(sizes, compare_compose_ahead)
    print("\n" + report.table())
    print(f"\nbench took {time.monotonic() - started:.0f} s; "
          f"{'errors: ' + str(len(report.errors)) if report.errors else 'no errors'}")
    return 1 if report.errors else 0
