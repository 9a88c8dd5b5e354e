"""Guessing codes: the odds a stranger has, computed from the limits as
configured; an attacker script that guesses a Coasmedas member's 4-digit code
day after day and is stopped by the budget; the lock notices; a teller lifting
the lock.  Members and unknown documents answer alike throughout."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from kiosk.core import codes, guesses, limits
from kiosk.core.errors import Refusal
from kiosk.flow.profile import available_profiles
from kiosk.store.models import OutboxMessage
from tests.helpers import VISIT, add_teller, captcha_token, codes_sent, member, signed_in_teller

COASMEDAS = "7602264"
UNKNOWN = "7602265"
FIVE_MINUTES = timedelta(minutes=5)
INSTITUTIONS = Path(__file__).resolve().parents[2] / "data" / "institutions"


def code_lengths() -> set[int]:
    """Every length of a code a stranger could guess, as the profiles configure them."""
    lengths = set()
    for slug in available_profiles(INSTITUTIONS):
        for step in tomllib.loads((INSTITUTIONS / f"{slug}.toml").read_text())["steps"]:
            if "code_digits" in step:
                lengths.add(step["code_digits"])
    return lengths


def test_odds_of_guessing_a_code_from_the_limits_as_configured():
    lengths = code_lengths()
    assert 4 in lengths  # Coasmedas' SMS code, the shortest
    for digits in sorted(lengths):
        # Each checked wrong guess is one distinct value at a uniform code: by
        # the union bound the chance of ever being right is at most guesses / 10**digits.
        per_day = guesses.MAX_DAILY_WRONG_GUESSES / 10**digits
        before_teller = guesses.MAX_WRONG_GUESSES_BEFORE_TELLER / 10**digits
        assert per_day == guesses.odds_per_day(digits) and before_teller == guesses.odds_before_teller(digits)
        assert per_day <= 0.001, (digits, per_day)
        assert before_teller <= 0.01, (digits, before_teller)
    # Without the budget, the send limit and tries per code alone allowed this many a day.
    by_sends_alone = 24 * limits.MAX_SENDS * codes.MAX_TRIES
    assert by_sends_alone / 10**4 > 0.03 and guesses.MAX_DAILY_WRONG_GUESSES < by_sends_alone


def outcome(call, *args, **kwargs) -> str:
    try:
        call(*args, **kwargs)
    except Refusal as refusal:
        return f"{refusal.reason}: {refusal.message}"
    return "ok"


def lock_notices(engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.subject == "Bloqueo de seguridad")))


def wrong_guess(service, document: str, tried: int) -> str:
    """A value the attacker tries: never the member's current code (so the
    script is deterministic), different for every try at one code."""
    sent = codes_sent(service, document) if document == COASMEDAS else []
    value = f"{tried:04d}"
    return value if not sent or value != sent[-1] else f"{tried + 5000:04d}"


def attack(service, clock, document: str, days: int, key: str = "3917") -> tuple[list[int], list[str]]:
    """Day after day: the recovery form (captcha solved), a code sent, three
    guesses, again, until the kiosk says no more.  The wrong guesses checked
    each day, and every refusal that stopped a day."""
    identity = service.identify(document)
    per_day, stops = [], []
    tried = 0
    for _day in range(days):
        checked = 0
        for _round in range(40):
            pending = service.prepare_key_change(
                identity, ("login", "transactional"), key, key, 4, "recovery",
                temporary_for=timedelta(hours=24), captcha=captcha_token(service), visit=VISIT,
            )
            sent = outcome(service.send_confirmation_code, identity, "recovery", 4, FIVE_MINUTES)
            if sent.startswith("send_limit"):
                clock.advance(hours=1)
                continue
            if sent != "ok":
                stops.append(sent)
                break
            answers = [outcome(service.confirm_change, pending, wrong_guess(service, document, tried + i))
                       for i in range(codes.MAX_TRIES)]
            tried += codes.MAX_TRIES
            checked += sum(a.startswith(("wrong_code", "code_dead")) for a in answers)
            stop = [a for a in answers if a.startswith(("codes_paused", "codes_locked"))]
            if stop:
                checked += 1  # the guess that filled the budget was checked, and wrong
                stops.append(stop[0])
                break
            clock.advance(seconds=31)
        per_day.append(checked)
        clock.advance(hours=25)
    return per_day, stops


@pytest.mark.both_stores
def test_an_attacker_guessing_over_days_is_stopped_by_the_budget(service_for, engine, clock):
    service = service_for("coasmedas")
    results = {}
    for document in (COASMEDAS, UNKNOWN):
        results[document] = attack(service, clock, document, days=12)
    per_day, stops = results[COASMEDAS]
    daily, until_teller = guesses.MAX_DAILY_WRONG_GUESSES, guesses.MAX_WRONG_GUESSES_BEFORE_TELLER
    days_to_lock = until_teller // daily
    assert per_day == [daily] * days_to_lock + [0] * (12 - days_to_lock)
    assert sum(per_day) == until_teller
    assert [s.split(":")[0] for s in stops] == ["codes_paused"] * (days_to_lock - 1) + ["codes_locked"] * (
        12 - days_to_lock + 1
    )
    assert "oficina" in stops[-1] and "Coasmedas" in stops[-1]
    # A document nobody holds answers the same, day for day, word for word.
    assert results[UNKNOWN] == results[COASMEDAS]
    # The member was told once per lock: each day's pause, then the lock a teller lifts.
    notices = lock_notices(engine)
    assert len(notices) == days_to_lock
    assert all(n.member_id == member(engine, COASMEDAS).id for n in notices)


@pytest.mark.both_stores
def test_a_teller_lifts_the_lock_and_the_member_gets_a_code_through(service_for, desk_for, engine, clock):
    service = service_for("coasmedas")
    identity = service.identify(COASMEDAS)
    attack(service, clock, COASMEDAS, days=10)
    assert outcome(service.send_confirmation_code, identity, "recovery", 4, FIVE_MINUTES).startswith("codes_locked")
    desk = desk_for("coasmedas")
    add_teller(desk)
    teller = signed_in_teller(desk, clock)
    desk.record_identity_check(teller, identity.member_id, "CC", COASMEDAS)
    desk.reopen_self_service(teller, identity.member_id)
    pending = service.prepare_key_change(
        identity, ("login", "transactional"), "3917", "3917", 4, "recovery",
        temporary_for=timedelta(hours=24), captcha=captcha_token(service), visit=VISIT,
    )
    service.send_confirmation_code(identity, "recovery", 4, FIVE_MINUTES)
    assert service.confirm_change(pending, codes_sent(service, COASMEDAS)[-1]).member_id == identity.member_id
    with pytest.raises(Refusal) as again:
        desk.reopen_self_service(teller, identity.member_id)
    assert again.value.reason == "not_closed"


@pytest.mark.both_stores
def test_a_right_code_resets_the_count_before_a_teller_but_not_the_day(service_for, clock):
    service = service_for("coasmedas")
    identity = service.identify(COASMEDAS)
    attack(service, clock, COASMEDAS, days=9)  # 90 wrong: one day short of the teller's lock
    pending = service.prepare_key_change(
        identity, ("login", "transactional"), "3917", "3917", 4, "recovery",
        temporary_for=timedelta(hours=24), captcha=captcha_token(service), visit=VISIT,
    )
    service.send_confirmation_code(identity, "recovery", 4, FIVE_MINUTES)
    service.confirm_change(pending, codes_sent(service, COASMEDAS)[-1])
    clock.advance(minutes=1)
    per_day, stops = attack(service, clock, COASMEDAS, days=2, key="5294")
    assert per_day == [guesses.MAX_DAILY_WRONG_GUESSES] * 2
    assert [s.split(":")[0] for s in stops] == ["codes_paused"] * 2


@pytest.mark.both_stores
def test_bcs_verification_codes_count_in_the_same_budget(service_for, clock):
    """Banco Caja Social's 6-digit e-mailed code (reached only through a
    member's link, so no unknown document gets here): the same budget."""
    service = service_for("bancocajasocial")
    identity = service.identify("1019283746")
    got = []
    for _ in range(4):
        service.send_confirmation_code(identity, "code", 6, FIVE_MINUTES, "email")
        got += [outcome(service.verify_code, identity, "code", "000000").split(":")[0] for _ in range(3)]
        clock.advance(seconds=31)
    paused = got.index("codes_paused")
    assert paused == guesses.MAX_DAILY_WRONG_GUESSES - 1  # the tenth wrong guess fills the day
    assert set(got[:paused]) <= {"wrong_code", "code_dead"} and set(got[paused:]) == {"codes_paused"}
    assert outcome(service.send_confirmation_code, identity, "code", 6, FIVE_MINUTES, "email").startswith(
        "codes_paused"
    )


@pytest.mark.both_stores
def test_a_code_from_the_future_confirms_nothing(service_for, clock):
    """The clock stepped back after the code was sent: the code is refused."""
    service = service_for("coasmedas")
    identity = service.identify(COASMEDAS)
    pending = service.prepare_key_change(
        identity, ("login", "transactional"), "3917", "3917", 4, "recovery",
        temporary_for=timedelta(hours=24), captcha=captcha_token(service), visit=VISIT,
    )
    service.send_confirmation_code(identity, "recovery", 4, FIVE_MINUTES)
    clock.advance(minutes=-10)
    assert outcome(service.confirm_change, pending, codes_sent(service, COASMEDAS)[-1]).startswith("code_expired")
    assert service.login(identity, "5830").status == "ok"  # the key is unchanged


@pytest.mark.both_stores
def test_a_temporary_key_from_the_future_logs_nobody_in(service_for, clock):
    service = service_for("progressa")
    identity = service.identify("1010123456")
    service.send_temporary_key(identity, "sms", 6, timedelta(minutes=10))
    clock.advance(minutes=-10)
    assert outcome(service.login, identity, codes_sent(service, "1010123456")[-1]).startswith("code_expired")


@pytest.mark.both_stores
def test_guessing_progressa_temporary_keys_at_the_login_counts_in_the_budget(service_for, clock):
    """A temporary key tried at the login is a code guessed: the same budget,
    the same answers for a document nobody holds."""
    service = service_for("progressa")
    answers = {}
    for document in ("1010123456", "1010123457"):
        identity = service.identify(document)
        got = []
        for _ in range(5):
            got.append(outcome(service.send_temporary_key, identity, "sms", 6, timedelta(minutes=10)).split(":")[0])
            got += [outcome(service.login, identity, "000000").split(":")[0] for _ in range(codes.MAX_TRIES)]
            clock.advance(seconds=31)
        answers[document] = got
    member_got = answers["1010123456"]
    logins = [a for i, a in enumerate(member_got) if i % (codes.MAX_TRIES + 1)]
    assert logins.index("codes_paused") == guesses.MAX_DAILY_WRONG_GUESSES - 1
    assert member_got[-codes.MAX_TRIES - 1] == "codes_paused"  # no temporary key sent while paused
    assert answers["1010123457"] == member_got


@pytest.mark.both_stores
def test_a_teller_lifts_the_send_lock(service_for, desk_for, clock):
    service = service_for("coasmedas")
    identity = service.identify(COASMEDAS)
    for _ in range(limits.MAX_SENDS):
        service.send_confirmation_code(identity, "recovery", 4, FIVE_MINUTES)
        clock.advance(seconds=31)
    assert outcome(service.send_confirmation_code, identity, "recovery", 4, FIVE_MINUTES).startswith("send_limit")
    desk = desk_for("coasmedas")
    add_teller(desk)
    teller = signed_in_teller(desk, clock)
    desk.record_identity_check(teller, identity.member_id, "CC", COASMEDAS)
    desk.reopen_self_service(teller, identity.member_id)
    assert outcome(service.send_confirmation_code, identity, "recovery", 4, FIVE_MINUTES) == "ok"
