"""Many kiosks, one store: separate processes (spawned, as separate kiosks
are) each running complete recoveries (find the member, send a code, check
it, change the key) for members of their own, all at once, for a fixed time.
Every failure is an error: a refusal, "database is locked", anything."""

from __future__ import annotations

import multiprocessing
import re
import time
import traceback
from datetime import timedelta

from kiosk.bench import seed
from kiosk.bench.report import Figure

START_TIMEOUT = 300


def recover(kiosk, number: int) -> None:
    """One complete recovery of seeded member ``number``."""
    from kiosk.bench.scale import PURPOSE

    identity = kiosk.identify(seed.document(number))
    if identity.member_id is None:
        raise RuntimeError(f"seeded member {number} not found")
    kiosk.send_confirmation_code(identity, PURPOSE, 6, timedelta(minutes=10))
    body = kiosk.messages_for(identity.member_id, 1)[0].body
    proof = kiosk.verify_code(identity, PURPOSE, re.search(r"es (\d{6})", body).group(1))
    kiosk.change_key(proof, seed.NEW_KEY, seed.NEW_KEY, 6, history=0)


def worker(url: str, members: list[int], ready, go, seconds: float, results) -> None:
    done, errors = 0, []
    try:
        from kiosk.bench.scale import service

        kiosk = service(url)
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


def measure(url: str, processes: int, seconds: float, label: str, per_process: int = 2000) -> tuple[Figure, list[str]]:
    """Seed ``processes * per_process`` members into the (migrated, empty)
    store at ``url``, then run the kiosks; the figure and the errors."""
    from kiosk.bench.scale import seeded_store

    _seconds, kiosk = seeded_store(url, processes * per_process, rows=0)
    kiosk.engine.dispose()
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    workers = [
        context.Process(target=worker, args=(url, list(range(i, processes * per_process, processes)), ready, go,
                                             seconds, results), daemon=True)
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
        f"{processes} kiosks on {label}", f"{done / elapsed:.1f} recoveries/s", "0 errors",
        f"{done} recoveries in {elapsed:.1f} s, {len(errors)} errors, bcrypt cost 4", not errors,
    )
    return figure, [f"{label}: {error}" for error in errors[:10]]
