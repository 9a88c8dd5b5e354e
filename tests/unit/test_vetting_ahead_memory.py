"""What ``kiosk.core.vetting_ahead`` remembers: one entry per member and
kind, forgotten once taken or after ``REMEMBERED_SECONDS``, bounded in
number, its work not yet started cancelled whenever it is dropped; and only
the same key against the same hashes finds it."""

from __future__ import annotations

from concurrent.futures import Future

from kiosk.core.vetting_ahead import MAX_REMEMBERED, REMEMBERED_SECONDS, Ahead, VettingAhead

AVOIDED = ("$2b$04$earlier", None, None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def entry(memory: VettingAhead, clock: Clock, key: str = "749261", other: str | None = None) -> Ahead:
    return Ahead(memory.fingerprint(key), None, other, AVOIDED, [Future() for _ in range(4)], started_at=clock())


def test_a_newer_entry_replaces_the_older_and_cancels_its_work():
    clock = Clock()
    memory = VettingAhead(clock)
    first, second = entry(memory, clock), entry(memory, clock, "836402")
    memory.remember(("member", 1), "login", first)
    memory.remember(("member", 1), "login", second)
    assert memory.remembered() == [second]
    assert all(future.cancelled() for future in first.futures())
    assert not any(future.cancelled() for future in second.futures())
    memory.remember(("member", 1), "transactional", entry(memory, clock))
    assert len(memory) == 2  # one per kind


def test_an_entry_is_taken_once():
    clock = Clock()
    memory = VettingAhead(clock)
    memory.remember(("member", 1), "login", entry(memory, clock))
    assert memory.take(("member", 1), "login") is not None
    assert memory.take(("member", 1), "login") is None
    assert memory.take(("member", 2), "login") is None


def test_an_entry_expires_and_its_work_is_cancelled():
    clock = Clock()
    memory = VettingAhead(clock)
    old = entry(memory, clock)
    memory.remember(("subject", "abc"), "login", old)
    clock.now += REMEMBERED_SECONDS - 1
    assert len(memory) == 1
    clock.now += 2
    assert len(memory) == 0
    assert memory.take(("subject", "abc"), "login") is None
    assert all(future.cancelled() for future in old.futures())


def test_the_entries_are_bounded():
    clock = Clock()
    memory = VettingAhead(clock)
    entries = [entry(memory, clock) for _ in range(MAX_REMEMBERED + 5)]
    for number, ahead in enumerate(entries):
        memory.remember(("member", number), "login", ahead)
    assert len(memory) == MAX_REMEMBERED
    assert all(future.cancelled() for ahead in entries[:5] for future in ahead.futures())  # the oldest dropped


def test_only_the_same_key_against_the_same_hashes_finds_the_work():
    clock = Clock()
    memory = VettingAhead(clock)
    ahead = entry(memory, clock, "749261", other="$2b$04$other")
    assert memory.key_work_for(ahead, "749261", None, "$2b$04$other", AVOIDED) is ahead.key_work
    assert memory.key_work_for(ahead, "749262", None, "$2b$04$other", AVOIDED) is None
    assert memory.key_work_for(ahead, "749261", None, None, AVOIDED) is None
    assert memory.key_work_for(ahead, "749261", None, "$2b$04$other", ("$2b$04$newer", None, None)) is None
    assert memory.key_work_for(ahead, "749261", "login", "$2b$04$other", AVOIDED) is None
    assert memory.key_work_for(None, "749261", None, "$2b$04$other", AVOIDED) is None


def test_the_key_is_not_kept_in_clear():
    clock = Clock()
    memory = VettingAhead(clock)
    ahead = entry(memory, clock, "749261")
    assert b"749261" not in ahead.key_print
    assert "749261" not in repr(ahead)
    assert VettingAhead(clock).fingerprint("749261") != memory.fingerprint("749261")  # a secret per process
