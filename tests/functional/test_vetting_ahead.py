"""A new key vetted ahead (``KioskService.vet_ahead``, issue 20): the press
for the same key makes no bcrypt operation that was started ahead, and says
exactly what it says without vetting ahead; another key, or hashes that
changed meanwhile, are vetted afresh; a member and an unknown document cost
the same bcrypt work either way; a burst of calls keeps one entry and
cancels the work it replaces."""

from __future__ import annotations

import threading
from concurrent.futures import wait

import pytest

from kiosk.core import hashing, keyhistory
from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.core.service import KioskService
from tests.conftest import TEST_PEPPER
from tests.helpers import ORDINARY, UNKNOWN, VISIT, captcha_token

ORDINARY_KEY = "582017"
NEW_KEY, OTHER_NEW_KEY = "749261", "836402"
LENGTH = 6
KEY_WORK = keyhistory.checks(3) + 1  # the padded history's checks and the new hash


class CountingHasher(Hasher):
    """Counts the bcrypt operations (hashes and checks); ``gate``, when set,
    holds every operation until it opens."""

    def __init__(self) -> None:
        self.bcrypt = 0
        self.gate: threading.Event | None = None
        self._counting = threading.Lock()
        super().__init__(TEST_PEPPER, cost=4)

    def hash(self, value: str) -> str:
        self._count()
        return super().hash(value)

    def verify(self, value: str, hashed: str | None) -> bool:
        self._count()
        return super().verify(value, hashed)

    def _count(self) -> None:
        if self.gate is not None:
            self.gate.wait(timeout=30)
        with self._counting:
            self.bcrypt += 1


@pytest.fixture
def counted(service, engine, sealer, clock):
    """A Progressa core over the seeded store, its bcrypt operations counted."""
    hasher = CountingHasher()
    return KioskService(engine, hasher, sealer, clock, "progressa", "Progressa"), hasher


def signed_in(kiosk: KioskService):
    identity = kiosk.identify(ORDINARY)
    return kiosk.login(identity, ORDINARY_KEY, consent_version="2024-01", require_security_image=True).proof


def settled(kiosk: KioskService) -> None:
    """Every piece of work started ahead has ended."""
    wait([future for ahead in kiosk.key_changes.ahead.remembered() for future in ahead.futures()])


def outcome(hasher: CountingHasher, call, *args, **kwargs) -> tuple:
    """(what the member is told, bcrypt operations the call made)."""
    before = hasher.bcrypt
    try:
        result = ("ok", type(call(*args, **kwargs)).__name__)
    except Refusal as refusal:
        result = ("refused", refusal.reason, refusal.message)
    return result, hasher.bcrypt - before


def ahead(kiosk: KioskService, hasher: CountingHasher, *args, **kwargs) -> int:
    """``vet_ahead``, waited for: the bcrypt operations it made."""
    before = hasher.bcrypt
    kiosk.vet_ahead(*args, **kwargs)
    settled(kiosk)
    return hasher.bcrypt - before


PRESSES = {
    # name: (the press, vet_ahead's kind, key and keywords, the expected answer)
    "accepted": (lambda k, p: k.change_key(p, OTHER_NEW_KEY, OTHER_NEW_KEY, LENGTH, history=3),
                 ("login", OTHER_NEW_KEY, {}), "Proof"),
    "history repeat": (lambda k, p: k.change_key(p, NEW_KEY, NEW_KEY, LENGTH, history=3),
                       ("login", NEW_KEY, {}), "reused"),
    "same as the other kind's key": (
        lambda k, p: k.hold_new_key(p, ("transactional",), NEW_KEY, NEW_KEY, LENGTH, history=3, differ_from="login"),
        ("transactional", NEW_KEY, {"differ_from": "login"}), "same_as_other_key"),
    "wrong current key": (
        lambda k, p: k.change_key(p, OTHER_NEW_KEY, OTHER_NEW_KEY, LENGTH, history=3, current="000000"),
        ("login", OTHER_NEW_KEY, {"current": "000000"}), "wrong_current"),
    "right current key": (
        lambda k, p: k.change_key(p, OTHER_NEW_KEY, OTHER_NEW_KEY, LENGTH, history=3, current=NEW_KEY),
        ("login", OTHER_NEW_KEY, {"current": NEW_KEY}), "Proof"),
}


def told(answer: tuple) -> str:
    return answer[1]


@pytest.mark.parametrize("vetted_ahead", [False, True], ids=["as before", "vetted ahead"])
@pytest.mark.parametrize("press", list(PRESSES))
def test_the_press_after_vetting_ahead_makes_no_work_started_ahead_and_answers_the_same(
    counted, press, vetted_ahead
):
    kiosk, hasher = counted
    call, (kind, key, keywords), expected = PRESSES[press]
    proof = kiosk.change_key(signed_in(kiosk), NEW_KEY, NEW_KEY, LENGTH, history=3)  # NEW_KEY is current
    work = KEY_WORK + ("differ_from" in keywords) + ("current" in keywords)
    started = ahead(kiosk, hasher, proof, kind, key, LENGTH, history=3, **keywords) if vetted_ahead else 0
    assert started == (work if vetted_ahead else 0)
    answer, at_press = outcome(hasher, call, kiosk, proof)
    assert told(answer) == expected  # the same answer, and first refusal, either way
    assert at_press == (0 if vetted_ahead else work)  # nothing done twice, nothing left out
    assert len(kiosk.key_changes.ahead) == 0  # used: forgotten


def test_another_key_at_the_press_is_vetted_afresh(counted):
    kiosk, hasher = counted
    proof = signed_in(kiosk)
    assert ahead(kiosk, hasher, proof, "login", NEW_KEY, LENGTH, history=3) == KEY_WORK
    answer, at_press = outcome(hasher, kiosk.change_key, proof, OTHER_NEW_KEY, OTHER_NEW_KEY, LENGTH, history=3)
    assert (told(answer), at_press) == ("Proof", KEY_WORK)
    assert len(kiosk.key_changes.ahead) == 0  # the stale work was dropped, not kept for later
    # The key set is the one pressed, not the one vetted ahead.
    assert told(outcome(hasher, kiosk.change_key, proof, OTHER_NEW_KEY, OTHER_NEW_KEY, LENGTH, history=3)[0]) \
        == "reused"


def test_keys_changed_elsewhere_meanwhile_are_read_again_and_vetted_afresh(counted, engine, sealer, clock):
    """The member sets the very key vetted ahead at another kiosk before pressing
    here: the press re-reads the history, so it refuses the key as a repeat."""
    kiosk, hasher = counted
    proof = signed_in(kiosk)
    assert ahead(kiosk, hasher, proof, "login", NEW_KEY, LENGTH, history=3) == KEY_WORK
    other_kiosk = KioskService(engine, Hasher(TEST_PEPPER, cost=4), sealer, clock, "progressa", "Progressa")
    other_kiosk.change_key(proof, NEW_KEY, NEW_KEY, LENGTH, history=3)
    answer, at_press = outcome(hasher, kiosk.change_key, proof, NEW_KEY, NEW_KEY, LENGTH, history=3)
    assert (told(answer), at_press) == ("reused", KEY_WORK)


@pytest.mark.parametrize("vetted_ahead", [False, True], ids=["as before", "vetted ahead"])
def test_a_member_and_an_unknown_document_cost_the_same_with_or_without_vetting_ahead(counted, vetted_ahead):
    """The recovery form's change (``prepare_key_change`` by document): the same
    bcrypt work ahead and at the press for a member's document and for one
    nobody holds, and the same answer."""
    kiosk, hasher = counted
    costs = {}
    for document in (ORDINARY, UNKNOWN):
        identity = kiosk.identify(document)
        typed = type(identity)(identity.document_type, identity.document_number, None)  # as the form has it
        started = ahead(kiosk, hasher, typed, "login", NEW_KEY, LENGTH) if vetted_ahead else 0
        answer, at_press = outcome(
            hasher, kiosk.prepare_key_change, identity, ("login",), NEW_KEY, NEW_KEY, LENGTH, "recuperar",
            captcha=captcha_token(kiosk), visit=VISIT,
        )
        costs[document] = (told(answer), started, at_press)
    assert costs[ORDINARY] == costs[UNKNOWN]
    assert costs[UNKNOWN] == ("PendingChange", KEY_WORK, 0) if vetted_ahead else ("PendingChange", 0, KEY_WORK)
    assert len(kiosk.key_changes.ahead) == 0


def test_a_burst_of_calls_keeps_one_entry_and_cancels_the_work_it_replaces(counted):
    """Twenty keys in a row (a member erasing and retyping): one entry is kept,
    and the work of the nineteen it replaced that had not started never runs
    (else a burst would queue 20 x 8 bcrypt operations ahead of every press)."""
    kiosk, hasher = counted
    proof = signed_in(kiosk)
    keys = [key for key in (f"{n:06d}" for n in range(100_003, 999_999, 7_919)) if passes(key)][:20]
    assert len(keys) == 20
    before = hasher.bcrypt
    hasher.gate = threading.Event()  # the bcrypt threads busy: every call's work queues
    try:
        for key in keys:
            kiosk.vet_ahead(proof, "login", key, LENGTH, history=3)
        assert len(kiosk.key_changes.ahead) == 1
        [last] = kiosk.key_changes.ahead.remembered()
    finally:
        hasher.gate.set()
    wait(last.futures())
    threads = hashing._BCRYPT_THREADS._max_workers
    assert hasher.bcrypt - before <= threads + KEY_WORK  # the ones already running, and the last key's
    answer, at_press = outcome(hasher, kiosk.change_key, proof, keys[-1], keys[-1], LENGTH, history=3)
    assert (told(answer), at_press) == ("Proof", 0)


def passes(key: str) -> bool:
    from datetime import date

    from kiosk.core.keypolicy import PersonalData, check_key

    try:
        check_key(key, LENGTH, PersonalData(ORDINARY, date(1985, 3, 14), "3111234567"))
    except Refusal:
        return False
    return True


def test_the_current_key_completed_after_the_new_one_adds_only_its_own_check(counted):
    """The member types the new key, then the current key: the second call
    keeps the new key's work and starts only the current key's check."""
    kiosk, hasher = counted
    proof = kiosk.change_key(signed_in(kiosk), NEW_KEY, NEW_KEY, LENGTH, history=3)
    assert ahead(kiosk, hasher, proof, "login", OTHER_NEW_KEY, LENGTH, history=3) == KEY_WORK
    assert ahead(kiosk, hasher, proof, "login", OTHER_NEW_KEY, LENGTH, history=3, current=NEW_KEY) == 1
    answer, at_press = outcome(
        hasher, kiosk.change_key, proof, OTHER_NEW_KEY, OTHER_NEW_KEY, LENGTH, history=3, current=NEW_KEY
    )
    assert (told(answer), at_press) == ("Proof", 0)


def test_vetted_ahead_by_document_then_changed_signed_in(counted):
    """A form that asks the document and the current key with the new one
    (Cooperen's change): vetted ahead by the document typed, used by the
    change the press makes once the current key signs the member in."""
    kiosk, hasher = counted
    identity = kiosk.identify(ORDINARY)
    typed = type(identity)(identity.document_type, identity.document_number, None)
    assert ahead(kiosk, hasher, typed, "login", NEW_KEY, LENGTH, history=3) == KEY_WORK
    answer, at_press = outcome(hasher, kiosk.change_key, signed_in(kiosk), NEW_KEY, NEW_KEY, LENGTH, history=3)
    assert (told(answer), at_press) == ("Proof", 0)  # everything was started ahead
