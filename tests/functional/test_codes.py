"""One-time codes against a real store: hashed, single use, expiring, dying
after three wrong tries, throttled when resent, and retired by a newer code.

A ``Refusal`` that escapes ``with transaction(engine)`` rolls that transaction
back, so where a refusal must leave a trace (a try counted) it is caught inside
the block, as ``KioskService._write`` does.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from kiosk.core import codes
from kiosk.core.errors import Refusal
from kiosk.store import transaction
from kiosk.store.models import Member, OneTimeCode

pytestmark = pytest.mark.both_stores

PURPOSE = "temporary_key"
LIFETIME = timedelta(minutes=2)


@pytest.fixture
def member_id(engine, clock):
    with transaction(engine) as session:
        member = Member(
            institution="progressa", document_type="CC", document_number="1010123456",
            first_names="Ana María", last_names="Rojas Pérez", birth_date=date(1985, 3, 14),
            mobile="3111234567", email="mynameis@mail.com", created_at=clock.now(),
        )
        session.add(member)
        session.flush()
        return member.id


@pytest.fixture
def other_member_id(engine, clock):
    with transaction(engine) as session:
        member = Member(
            institution="progressa", document_type="CC", document_number="1020304050",
            first_names="Carlos Andrés", last_names="Gómez Díaz", birth_date=date(1990, 11, 2),
            mobile="3157654321", created_at=clock.now(),
        )
        session.add(member)
        session.flush()
        return member.id


def issue(engine, hasher, clock, member_id, digits=6, lifetime=LIFETIME, purpose=PURPOSE) -> str:
    with transaction(engine) as session:
        return codes.issue(session, clock.now(), member_id, purpose, "sms", codes.make(hasher, digits), lifetime)


def attempt(engine, hasher, member_id, value, purpose=PURPOSE) -> codes.Attempt:
    """The bcrypt check, against the latest code as read before any transaction."""
    with Session(engine) as session:
        return codes.attempt(hasher, codes.latest(session, member_id, purpose), value)


def settle(engine, clock, member_id, tried: codes.Attempt, purpose=PURPOSE) -> codes.CodeMatch:
    """Settle a check in its own transaction, committing the try counter even on refusal."""
    refusal = None
    with transaction(engine) as session:
        try:
            return codes.check(session, clock.now(), member_id, purpose, tried)
        except Refusal as caught:
            refusal = caught
    raise refusal


def check(engine, hasher, clock, member_id, value, purpose=PURPOSE) -> codes.CodeMatch:
    return settle(engine, clock, member_id, attempt(engine, hasher, member_id, value, purpose), purpose)


def reason(call, *args, **kwargs) -> str:
    with pytest.raises(Refusal) as caught:
        call(*args, **kwargs)
    assert caught.value.message
    return caught.value.reason


def wrong(code: str) -> str:
    return str((int(code) + 1) % 10 ** len(code)).zfill(len(code))


def rows(engine) -> list[OneTimeCode]:
    with Session(engine) as session:
        return list(session.exec(select(OneTimeCode).order_by(col(OneTimeCode.id))))


# -- the code itself ------------------------------------------------------------


@pytest.mark.parametrize("digits", [4, 6, 8])
def test_code_has_the_requested_digits(engine, hasher, clock, member_id, digits):
    code = issue(engine, hasher, clock, member_id, digits=digits)
    assert len(code) == digits
    assert code.isascii() and code.isdigit()


def test_wait_rounds_up_part_seconds(engine, hasher, clock, member_id):
    issue(engine, hasher, clock, member_id)
    clock.advance(seconds=10.5)
    with pytest.raises(Refusal) as caught:
        issue(engine, hasher, clock, member_id)
    assert "Espere 20 segundos" in caught.value.message


def test_four_digit_codes_cover_the_whole_range():
    # Zero-padded, so a quarter of the space is not silently missing.
    drawn = [codes.new_code(4) for _ in range(3000)]
    assert all(len(code) == 4 and code.isdigit() for code in drawn)
    assert any(code.startswith("0") for code in drawn)
    assert len(set(drawn)) > 1500


@pytest.mark.parametrize("digits", [0, 3, 11])
def test_code_length_outside_four_to_ten_refused(digits):
    with pytest.raises(ValueError):
        codes.new_code(digits)


def test_codes_are_fresh_each_time(engine, hasher, clock, member_id):
    issued = set()
    for _ in range(5):
        issued.add(issue(engine, hasher, clock, member_id, digits=8))
        clock.advance(seconds=31)
    assert len(issued) > 1  # five equal 8-digit codes would mean they are not random


def test_code_stored_only_as_a_hash(engine, hasher, clock, member_id):
    code = issue(engine, hasher, clock, member_id, digits=6)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM one_time_code")).mappings().one()
    for column, value in row.items():
        assert code not in str(value), f"the clear code is in column {column}"
    assert row["hash"] != code and row["hash"].startswith("$2")
    assert hasher.verify(code, row["hash"])
    assert row["member_id"] == member_id and row["purpose"] == PURPOSE and row["tries"] == 0
    assert row["used_at"] is None


def test_lifetime_capped_at_ten_minutes(engine, hasher, clock, member_id):
    issue(engine, hasher, clock, member_id, lifetime=timedelta(hours=24))
    (row,) = rows(engine)
    assert row.expires_at - row.created_at == codes.MAX_LIFETIME == timedelta(minutes=10)


# -- checking and using ---------------------------------------------------------------


def test_right_code_matches_the_stored_row(engine, hasher, clock, member_id):
    code = issue(engine, hasher, clock, member_id)
    match = check(engine, hasher, clock, member_id, code)
    (row,) = rows(engine)
    assert match.code_id == row.id
    assert row.tries == 0 and row.used_at is None  # checking does not use it up


def test_code_bound_to_its_member_and_purpose(engine, hasher, clock, member_id, other_member_id):
    code = issue(engine, hasher, clock, member_id)
    assert reason(check, engine, hasher, clock, other_member_id, code) == "no_code"
    assert reason(check, engine, hasher, clock, member_id, code, purpose="transactional_key") == "no_code"
    assert check(engine, hasher, clock, member_id, code).code_id == rows(engine)[0].id


def test_single_use(engine, hasher, clock, member_id):
    code = issue(engine, hasher, clock, member_id)
    match = check(engine, hasher, clock, member_id, code)
    with transaction(engine) as session:
        codes.consume(session, clock.now(), match.code_id)
    with transaction(engine) as session:
        with pytest.raises(Refusal) as caught:
            codes.consume(session, clock.now(), match.code_id)
    assert caught.value.reason == "code_used"
    assert rows(engine)[0].used_at == clock.now()
    # And the used code no longer checks.
    assert reason(check, engine, hasher, clock, member_id, code) == "no_code"


def test_consume_refused_when_another_kiosk_got_there_first(engine, hasher, clock, member_id):
    code = issue(engine, hasher, clock, member_id)
    match = check(engine, hasher, clock, member_id, code)
    # Two kiosks hold the same proof; only one may use it.
    with Session(engine) as first, Session(engine) as second:
        with first.begin():
            codes.consume(first, clock.now(), match.code_id)
        with second.begin():
            with pytest.raises(Refusal) as caught:
                codes.consume(second, clock.now(), match.code_id)
    assert caught.value.reason == "code_used"


def test_a_code_replaced_while_it_was_being_checked_is_not_accepted(engine, hasher, clock, member_id):
    # The bcrypt check runs before the write transaction; a new code sent in
    # between retires the one checked, and the try counts against neither.
    first = issue(engine, hasher, clock, member_id)
    right, wrong_value = attempt(engine, hasher, member_id, first), attempt(engine, hasher, member_id, wrong(first))
    clock.advance(seconds=31)
    issue(engine, hasher, clock, member_id)
    assert reason(settle, engine, clock, member_id, right) == "no_code"
    assert reason(settle, engine, clock, member_id, wrong_value) == "no_code"
    assert [row.tries for row in rows(engine)] == [0, 0]


def test_a_check_settled_after_the_code_died_is_not_accepted(engine, hasher, clock, member_id):
    code = issue(engine, hasher, clock, member_id)
    right = attempt(engine, hasher, member_id, code)
    for _ in range(codes.MAX_TRIES):  # another kiosk's wrong tries meanwhile
        reason(check, engine, hasher, clock, member_id, wrong(code))
    assert reason(settle, engine, clock, member_id, right) == "no_code"


def test_expiry(engine, hasher, clock, member_id):
    code = issue(engine, hasher, clock, member_id)
    clock.advance(seconds=119)
    assert check(engine, hasher, clock, member_id, code)
    clock.advance(seconds=1)  # exactly two minutes: gone
    assert reason(check, engine, hasher, clock, member_id, code) == "code_expired"
    clock.advance(hours=1)
    assert reason(check, engine, hasher, clock, member_id, code) == "code_expired"


def test_a_code_created_after_now_is_refused(engine, hasher, clock, member_id):
    """The clock stepped back: a code whose creation time is still ahead would
    otherwise live its lifetime plus the step; it is refused, and cannot be used up."""
    code = issue(engine, hasher, clock, member_id)
    clock.advance(minutes=-30)
    assert reason(check, engine, hasher, clock, member_id, code) == "code_expired"
    with transaction(engine) as session:
        [stored] = session.exec(select(OneTimeCode)).all()
        code_id = stored.id
    assert reason(lambda: _consume(engine, clock, code_id)) == "code_expired"
    # A member who asks again is not throttled by the void code.
    assert issue(engine, hasher, clock, member_id)
    clock.advance(minutes=30)  # the clock back where it was: the first code was retired
    reason(check, engine, hasher, clock, member_id, code)  # refused, whatever the reason


def _consume(engine, clock, code_id: int) -> None:
    with transaction(engine) as session:
        codes.consume(session, clock.now(), code_id)


def test_three_wrong_tries_kill_the_code(engine, hasher, clock, member_id):
    code = issue(engine, hasher, clock, member_id)
    bad = wrong(code)
    assert reason(check, engine, hasher, clock, member_id, bad) == "wrong_code"
    assert rows(engine)[0].tries == 1
    assert reason(check, engine, hasher, clock, member_id, bad) == "wrong_code"
    assert rows(engine)[0].tries == 2
    assert reason(check, engine, hasher, clock, member_id, bad) == "code_dead"
    assert rows(engine)[0].tries == 3
    # Dead: even the right code is refused now.
    assert reason(check, engine, hasher, clock, member_id, code) == "no_code"
    assert rows(engine)[0].tries == 3


def test_wrong_try_message_counts_down(engine, hasher, clock, member_id):
    code = issue(engine, hasher, clock, member_id)
    with pytest.raises(Refusal) as caught:
        check(engine, hasher, clock, member_id, wrong(code))
    assert "2" in caught.value.message


def test_a_right_code_does_not_reset_the_tries(engine, hasher, clock, member_id):
    code = issue(engine, hasher, clock, member_id)
    bad = wrong(code)
    reason(check, engine, hasher, clock, member_id, bad)
    reason(check, engine, hasher, clock, member_id, bad)
    check(engine, hasher, clock, member_id, code)
    assert reason(check, engine, hasher, clock, member_id, bad) == "code_dead"


def test_refusal_escaping_the_transaction_rolls_the_try_back(engine, hasher, clock, member_id):
    # Documents why try counting must commit before re-raising (KioskService._write).
    code = issue(engine, hasher, clock, member_id)
    tried = attempt(engine, hasher, member_id, wrong(code))
    with pytest.raises(Refusal):
        with transaction(engine) as session:
            codes.check(session, clock.now(), member_id, PURPOSE, tried)
    assert rows(engine)[0].tries == 0


# -- resending ---------------------------------------------------------------------


def test_resend_throttled_within_thirty_seconds(engine, hasher, clock, member_id):
    first = issue(engine, hasher, clock, member_id)
    clock.advance(seconds=29)
    with pytest.raises(Refusal) as caught:
        issue(engine, hasher, clock, member_id)
    assert caught.value.reason == "resend_throttled"
    assert "Espere 1 segundo para" in caught.value.message  # one second really is left
    assert len(rows(engine)) == 1
    # The first code is untouched by the refused resend.
    assert check(engine, hasher, clock, member_id, first)


def test_resend_allowed_after_thirty_seconds(engine, hasher, clock, member_id):
    issue(engine, hasher, clock, member_id)
    clock.advance(seconds=30)
    second = issue(engine, hasher, clock, member_id)
    assert len(rows(engine)) == 2
    assert check(engine, hasher, clock, member_id, second).code_id == rows(engine)[1].id


def test_throttle_is_per_member(engine, hasher, clock, member_id, other_member_id):
    issue(engine, hasher, clock, member_id)
    issue(engine, hasher, clock, other_member_id)
    assert len(rows(engine)) == 2


def test_new_code_retires_the_previous_one(engine, hasher, clock, member_id):
    first = issue(engine, hasher, clock, member_id)
    clock.advance(seconds=31)
    second = issue(engine, hasher, clock, member_id)
    old, new = rows(engine)
    assert old.expires_at == clock.now()  # retired at the moment the new one was made
    assert new.expires_at == clock.now() + LIFETIME
    assert check(engine, hasher, clock, member_id, second).code_id == new.id
    if first != second:  # one chance in a million they are equal
        assert reason(check, engine, hasher, clock, member_id, first) == "wrong_code"
