"""Many kiosks, one store: separate processes (spawned, as separate kiosks
are) each running complete recoveries (find the member, send a code, check
it, change the key) for members of their own, all at once, for a fixed time.
Every failure is an error: a refusal, "database is locked", anything.

At bcrypt cost 4 this measures the store; at the production cost, what the
CPUs and the store's write lock allow together."""

from __future__ import annotations

import multiprocessing
import time
import traceback

from kiosk.bench import seed
from kiosk.bench.report import Figure

START_TIMEOUT = 300


def recover(kiosk, number: int) -> None:
    """One complete recovery of seeded member ``number``."""
    from kiosk.bench.scale import prove_code

    kiosk.change_key(prove_code(kiosk, number), seed.NEW_KEY, seed.NEW_KEY, 6, history=0)


def worker(url: str, members: list[int], ready, go, seconds: float, results, cost: int) -> None:
    done, errors = 0, []
    try:
        from kiosk.bench.scale import service

        kiosk = service(url, cost)
        kiosk.identify(seed.document(members[0]))  # connect before the clock starts
        ready.put(None)
        go.wait(START_TIMEOUT)
        deadline = time.monotonic() + seconds
        for number in members:
            if time.monotonic() >= deadline:
                break
            try:
                recover(kiosk, number)
                done += 1
            except Exception as error:  # noqa: BLE001 - every failure is reported as an error
                errors.append(f"member {number}: {type(error).__name__}: {error}"[:300])
        kiosk.engine.dispose()
    except Exception:  # noqa: BLE001
        errors.append(traceback.format_exc(limit=4))
        ready.put(None)
    results.put((done, errors))


def measure(url: str, processes: int, seconds: float, label: str, cost: int = 4,
            per_process: int = 2000) -> tuple[Figure, list[str]]:
    """Seed ``processes * per_process`` members into the (migrated, empty)
    store at ``url``, then run the kiosks; the figure and the errors."""
    from kiosk.bench.scale import seeded_store

    _seconds, kiosk = seeded_store(url, processes * per_process, rows=0)
    kiosk.engine.dispose()
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    workers = [
        context.Process(target=worker, args=(url, list(range(i, processes * per_process, processes)), ready, go,
                                             seconds, results, cost), daemon=True)
        for i in range(processes)
    ]
    try:
        for process in workers:
            process.start()
        for _ in workers:
            ready.get(timeout=START_TIMEOUT)
        started = time.monotonic()
        go.set()
        outcomes = [results.get(timeout=START_TIMEOUT + seconds * 4) for _ in workers]
        elapsed = time.monotonic() - started
        for process in workers:
            process.join(30)
    finally:
        for process in workers:
            if process.is_alive():
                process.terminate()
    done = sum(count for count, _errors in outcomes)
    errors = [error for _count, errors in outcomes for error in errors]
    errors += [f"kiosk process exited with {p.exitcode}" for p in workers if p.exitcode]
    figure = Figure(
        f"{processes} kiosks on {label}" + (f", bcrypt cost {cost}" if cost != 4 else ""),
        f"{done / elapsed:.1f} recoveries/s", "0 errors",
        f"{done} recoveries in {elapsed:.1f} s, {len(errors)} errors, bcrypt cost {cost}", not errors,
    )
    return figure, [f"{label}: {error}" for error in errors[:10]]
