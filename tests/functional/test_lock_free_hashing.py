"""No bcrypt work while the store's write lock is held.

Hashing a code or checking a key takes a quarter of a second at production
cost.  Done inside a write transaction it would hold every other kiosk's
writes that long on SQLite (one write lock for the whole store), and the
member's row that long on PostgreSQL.  Every hash and check therefore runs
before the transaction, and the transaction only applies the result.

The hasher here asks the store itself, at every bcrypt operation, whether
another kiosk could write right now.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from kiosk.core.errors import Refusal
from kiosk.core.hashing import Hasher
from kiosk.core.service import KioskService
from tests.conftest import TEST_PEPPER
from tests.helpers import VISIT, captcha_token, code_in, latest_message

pytestmark = pytest.mark.both_stores

NAMES = {"progressa": "Progressa", "coasmedas": "Coasmedas", "cootrasena": "Cootrasena"}
KNOWN = {"progressa": "1010123456", "coasmedas": "7602264", "cootrasena": "52345678"}
UNKNOWN = "9000000001"
TEN_MINUTES = timedelta(minutes=10)


class LockWatchingHasher(Hasher):
    """Notes every bcrypt operation that runs while a write transaction is open."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.operations = 0
        self.under_lock: list[str] = []
        # One probe at a time: checks run at once (kiosk.core.hashing.all_at_once),
        # and a probe holds the write lock for a moment itself.
        self._probing = threading.Lock()
        super().__init__(TEST_PEPPER, cost=4)

    def hash(self, value: str) -> str:
        self._watch("hash")
        return super().hash(value)

    def verify(self, value: str, hashed: str | None) -> bool:
        self._watch("verify")
        return super().verify(value, hashed)

    def _watch(self, operation: str) -> None:
        if not hasattr(self, "engine"):  # the decoy hash, made as the hasher is built
            return
        with self._probing:
            self.operations += 1
            if self._write_lock_held():
                self.under_lock.append(operation)

    def _write_lock_held(self) -> bool:
        if self.engine.dialect.name == "sqlite":
            # Another kiosk's write transaction, not willing to wait.
            other = sqlite3.connect(self.engine.url.database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                other.close()
        # On PostgreSQL a unit of work that locked a row or an advisory key holds these.
        with self.engine.connect() as connection:
            held = connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE granted AND locktype IN ('transactionid', 'advisory')"
                " AND pid <> pg_backend_pid()"
                " AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())"
            )).scalar_one()
        return held > 0


@pytest.fixture
def watched(engine, sealer, clock, service_for):
    service_for("progressa")  # seeds the demo members
    hasher = LockWatchingHasher(engine)

    def make(slug: str) -> KioskService:
        return KioskService(engine, hasher, sealer, clock, slug, NAMES[slug])

    return make, hasher


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(Refusal) as caught:
        call(*args, **kwargs)
    return caught.value.reason


def test_the_probe_sees_a_write_transaction(watched, engine):
    from kiosk.store import transaction

    _make, hasher = watched
    assert not hasher._write_lock_held()
    with transaction(engine) as session:
        session.execute(text("UPDATE member SET mobile = mobile WHERE id = (SELECT min(id) FROM member)"))
        assert hasher._write_lock_held()


def test_temporary_key_recovery_hashes_outside_the_write_lock(watched, clock):
    make, hasher = watched
    kiosk = make("progressa")
    member = kiosk.identify(KNOWN["progressa"])
    kiosk.send_temporary_key(member, "sms", 6, TEN_MINUTES)
    temporary = code_in(latest_message(kiosk, KNOWN["progressa"]))
    assert refused(kiosk.login, member, "000001") == "wrong_code"
    login = kiosk.login(member, temporary)
    assert login.status == "change_required"
    kiosk.change_key(login.proof, "749261", "749261", 6)
    assert kiosk.login(member, "749261").status in {"ok", "setup_required"}

    # The same for a document nobody holds: a decoy temporary key, tries counted.
    stranger = kiosk.identify(UNKNOWN)
    kiosk.send_temporary_key(stranger, "sms", 6, TEN_MINUTES)
    assert refused(kiosk.login, stranger, "000001") == "wrong_code"

    # A temporary key typed too late.
    clock.advance(seconds=31)
    kiosk.send_temporary_key(member, "sms", 6, TEN_MINUTES)
    late = code_in(latest_message(kiosk, KNOWN["progressa"]))
    clock.advance(minutes=11)
    assert refused(kiosk.login, member, late) == "code_expired"

    assert hasher.operations >= 10
    assert hasher.under_lock == []


def test_code_confirmed_changes_hash_outside_the_write_lock(watched):
    make, hasher = watched
    kiosk = make("coasmedas")
    member = kiosk.identify(KNOWN["coasmedas"])
    pending = kiosk.prepare_key_change(member, ("login",), "3917", "3917", 4, "recuperar",
                                       captcha=captcha_token(kiosk), visit=VISIT)
    kiosk.send_confirmation_code(member, "recuperar", 4, TEN_MINUTES)
    code = code_in(latest_message(kiosk, KNOWN["coasmedas"]))
    assert refused(kiosk.confirm_change, pending, str((int(code) + 1) % 10_000).zfill(4)) == "wrong_code"
    kiosk.confirm_change(pending, code)

    stranger = kiosk.identify(UNKNOWN)
    kiosk.send_confirmation_code(stranger, "recuperar", 4, TEN_MINUTES)
    assert refused(kiosk.verify_code, stranger, "recuperar", "0000") == "no_code"

    assert hasher.operations >= 6
    assert hasher.under_lock == []


def test_a_confirmation_code_is_checked_outside_the_write_lock(watched):
    make, hasher = watched
    kiosk = make("cootrasena")
    member = kiosk.identify(KNOWN["cootrasena"])
    kiosk.send_confirmation_code(member, "confirm", 6, TEN_MINUTES)
    code = code_in(latest_message(kiosk, KNOWN["cootrasena"]))
    assert refused(kiosk.verify_code, member, "confirm", "000000" if code != "000000" else "000001") == "wrong_code"
    assert kiosk.verify_code(member, "confirm", code).member_id == member.member_id
    assert refused(kiosk.verify_code, member, "confirm", code) == "no_code"  # used up

    assert hasher.operations >= 4
    assert hasher.under_lock == []
