"""The security questions (Cooperen before any code, Banco Caja Social after
its e-mailed code): options fixed per member, nothing in a set pointing at the
right option, the odds of a stranger from the limits as configured, the path
closed for good until a teller reopens it, the member told of every failed
set, and the shown temporary key that expires."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from kiosk.core import questions
from kiosk.core.errors import Refusal
from kiosk.core.service import Proof
from kiosk.flow.profile import load_profile
from kiosk.screens.registry import STEP_SCREENS
from kiosk.store.models import Member, OutboxMessage
from tests.helpers import UNKNOWN, VISIT, add_teller, captcha_token, member, signed_in_teller

pytestmark = pytest.mark.both_stores

GLORIA, EMAIL = "12147", "gloria.vargas@mail.com"
NO_LIMIT = 10**6


def options_of(asked: list[questions.Question]) -> dict[str, tuple[str, ...]]:
    return {q.id: q.options for q in asked}


def wrong_answers(asked, rng: random.Random) -> dict[str, str]:
    """A blind guess that is wrong somewhere (the first question's answer avoided)."""
    guess = {q.id: rng.choice(q.options) for q in asked}
    first = asked[0]
    guess[first.id] = next(o for o in first.options if o != first.answer)
    return guess


def right_answers(asked) -> dict[str, str]:
    return {q.id: q.answer for q in asked}


# -- an attacker who records every attempt -----------------------------------


@pytest.mark.parametrize("document", [GLORIA, UNKNOWN])
def test_recording_every_attempt_over_visits_kiosks_and_days_gains_nothing(service_for, clock, document):
    """Two kiosks, ten days, three failed sets a day: every set the attacker
    sees is the same, so intersecting them leaves every option."""
    kiosks = [service_for("cooperen"), service_for("cooperen")]
    rng = random.Random(18)
    seen: dict[str, list[tuple[str, ...]]] = {}
    for day in range(10):
        for attempt in range(3):
            kiosk = kiosks[attempt % 2]
            identity = kiosk.identify(document)
            asked = kiosk.recovery_questions(identity, max_failed_sets=NO_LIMIT)
            for qid, options in options_of(asked).items():
                seen.setdefault(qid, []).append(options)
            with pytest.raises(Refusal):
                kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=wrong_answers(asked, rng), max_failed_sets=NO_LIMIT)
            clock.advance(minutes=7)
        clock.advance(hours=25)
    assert set(seen) == {questions.BIRTH, questions.MOBILE, questions.DIGITS, questions.OPENED}
    for qid, sets in seen.items():
        assert len(sets) == 30 and len(set(sets)) == 1, qid  # never redrawn
        left = set.intersection(*(set(s) for s in sets))
        assert len(left) == len(sets[0]) == questions.LATTICES[qid][0], qid  # every option remains


def test_the_banks_questions_are_fixed_too(service_for, clock):
    bank = service_for("bancocajasocial")
    proof = _bank_proof(bank)
    first = options_of(bank.product_questions(proof, max_failed_sets=NO_LIMIT))
    for _day in range(3):
        asked = bank.product_questions(proof, max_failed_sets=NO_LIMIT)
        assert options_of(asked) == first
        with pytest.raises(Refusal):
            bank.answer_product_questions(proof, wrong_answers(asked, random.Random(4)), max_failed_sets=NO_LIMIT)
        clock.advance(hours=25)
    assert options_of(bank.product_questions(proof, max_failed_sets=NO_LIMIT)) == first


def _bank_proof(bank, document: str = "1019283746"):
    return Proof(bank.identify(document).member_id, "code_verified")


# -- nothing in a set points at the right option --------------------------------


def _synthetic_sets(count: int, seed: int):
    """Option sets of ``count`` synthetic members with their own keys."""
    rng = random.Random(seed)
    for _ in range(count):
        key = rng.randbytes(32)
        answers = questions.TrueAnswers(
            birth_date=date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 68)),
            mobile=rng.choice(questions.MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}",
            product="Cuenta de ahorros",
            product_number=f"{rng.randrange(10**10):010d}",
            product_opened=date(1990, 1, 1) + timedelta(days=rng.randrange(365 * 36)),
        )
        yield from questions.build(key, answers, name_product=rng.random() < 0.5)


def _chi_square(counts: Counter, cells: list, total: int) -> float:
    expected = total / len(cells)
    return sum((counts[c] - expected) ** 2 / expected for c in cells)


# Chi-square values a uniform distribution exceeds with probability 0.001.
CHI_SQUARE_0001 = {3: 16.27, 5: 20.52, 11: 31.26}


def test_the_right_options_position_and_rank_are_uniform():
    """Over 6000 synthetic members (fixed seeds: the test cannot flake), the
    right option sits at each position of its set about equally often, and
    the set is shown in its natural order, so the position is its rank."""
    positions: dict[str, Counter] = {qid: Counter() for qid in questions.LATTICES}
    members = 6000
    for question in _synthetic_sets(members, seed=2026):
        positions[question.id][question.options.index(question.answer)] += 1
        natural = sorted(question.options, key=_natural_order(question.id))
        assert list(question.options) == natural
        assert len(set(question.options)) == len(question.options)
    for qid, counts in positions.items():
        n = questions.LATTICES[qid][0]
        assert _chi_square(counts, list(range(n)), members) < CHI_SQUARE_0001[n - 1], (qid, counts)


def _natural_order(qid: str):
    if qid == questions.OPENED:
        return questions.MONTHS.index
    return lambda option: option


def test_no_option_value_is_more_often_right_than_another():
    """How often a value appears as the right option vs as a distractor tells
    nothing: for every month (and every quarter of the birth year, every first
    digit of a product's ending), the share of its appearances that are right
    is 1/options."""
    right: Counter = Counter()
    shown: Counter = Counter()
    buckets = {
        questions.OPENED: lambda o: o,
        questions.BIRTH: lambda o: (int(o[5:7]) - 1) // 3,
        questions.DIGITS: lambda o: o[0],
        questions.MOBILE: lambda o: o[-5],
    }
    for question in _synthetic_sets(6000, seed=7):
        bucket = buckets[question.id]
        for option in question.options:
            shown[question.id, bucket(option)] += 1
            right[question.id, bucket(option)] += option == question.answer
    for (qid, value), times in shown.items():
        share = right[qid, value] / times
        assert abs(share - 1 / questions.LATTICES[qid][0]) < 0.04, (qid, value, share, times)


def test_distractors_are_plausible():
    """The same format as the right answer: dates of the same year, the
    member's own operator prefix and masked digits, 4 digits, month names."""
    for question in _synthetic_sets(300, seed=3):
        right = question.answer
        for option in question.options:
            if question.id == questions.BIRTH:
                assert date.fromisoformat(option).year == date.fromisoformat(right).year
            elif question.id == questions.MOBILE:
                assert option[:3] in questions.MOBILE_PREFIXES and option[:6] == right[:6]
                assert len(option.replace(" ", "")) == 10 and option.replace(" ", "").isdigit()
            elif question.id == questions.DIGITS:
                assert len(option) == 4 and option.isdigit()
            else:
                assert option in questions.MONTHS


# -- the odds, from the limits as configured -------------------------------------


@pytest.mark.parametrize("slug", ["cooperen", "bancocajasocial"])
def test_a_stranger_who_knows_the_document_and_email_succeeds_at_most_one_time_in_a_hundred(
    service_for, clock, slug
):
    """P = (failed sets allowed before a teller must act) x prod(1 / options),
    from the profile's limits and the options the service really shows."""
    profile = load_profile(slug, step_types=set(STEP_SCREENS))
    step = profile.step("questions")
    attempts = step.param("max_failed_sets")
    kiosk = service_for(slug)
    if slug == "cooperen":
        asked = kiosk.recovery_questions(kiosk.identify(GLORIA))
    else:
        asked = kiosk.product_questions(_bank_proof(kiosk))
    odds = attempts * math.prod(1 / len(q.options) for q in asked)
    assert odds == pytest.approx(questions.odds_of_guessing(attempts))
    assert odds <= 0.01, f"{slug}: {attempts} sets x 1/{math.prod(len(q.options) for q in asked)} = {odds:.4f}"


# -- closed for good after the cap; only a teller reopens ------------------------


def test_after_the_cap_only_a_tellers_reopening_works(service_for, desk_for, clock, engine):
    kiosk = service_for("cooperen")
    identity = kiosk.identify(GLORIA)
    limits = {"max_attempts": 3, "max_failed_sets": 4}
    reasons = []
    for _ in range(4):
        asked = kiosk.recovery_questions(identity, **limits)
        with pytest.raises(Refusal) as refused:
            kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=wrong_answers(asked, random.Random(1)), **limits)
        reasons.append(refused.value.reason)
        if refused.value.reason == "recovery_closed":
            clock.advance(hours=25)  # the daily lockout passes by itself
    assert reasons == ["wrong_answers", "wrong_answers", "recovery_closed", "recovery_closed_office"]
    for _week in range(3):
        clock.advance(days=7)
        with pytest.raises(Refusal) as closed:
            kiosk.recovery_questions(identity, **limits)
        assert closed.value.reason == "recovery_closed_office"
        assert "un asesor la reabrirá" in closed.value.message
        with pytest.raises(Refusal) as closed:  # even the right answers
            kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=right_answers(asked), **limits)
        assert closed.value.reason == "recovery_closed_office"

    desk = desk_for("cooperen")
    add_teller(desk)
    teller = signed_in_teller(desk, clock)
    desk.record_identity_check(teller, identity.member_id, "CC", GLORIA)
    desk.reopen_self_service(teller, identity.member_id)
    asked = kiosk.recovery_questions(identity, **limits)
    assert kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=right_answers(asked), **limits).isdigit()


def test_a_success_starts_the_count_again(service_for, clock):
    kiosk = service_for("cooperen")
    identity = kiosk.identify(GLORIA)
    limits = {"max_attempts": 3, "max_failed_sets": 4}
    for _round in range(3):  # 3 failures + success, three times: never closed for good
        for _ in range(2):
            asked = kiosk.recovery_questions(identity, **limits)
            with pytest.raises(Refusal):
                kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=wrong_answers(asked, random.Random(2)), **limits)
        clock.advance(hours=25)
        asked = kiosk.recovery_questions(identity, **limits)
        kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=right_answers(asked), **limits)


def test_a_stranger_is_closed_the_same_way(service_for, clock):
    kiosk = service_for("cooperen")
    identity = kiosk.identify(UNKNOWN)
    limits = {"max_attempts": 3, "max_failed_sets": 4}
    reasons = []
    for _ in range(5):
        try:
            asked = kiosk.recovery_questions(identity, **limits)
            kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=right_answers(asked), **limits)
        except Refusal as refusal:
            reasons.append(refusal.reason)
        clock.advance(hours=25)
    assert reasons == ["wrong_answers", "wrong_answers", "wrong_answers", "recovery_closed_office",
                       "recovery_closed_office"]


def test_the_bank_closes_for_good_too(service_for, clock):
    bank = service_for("bancocajasocial")
    proof = _bank_proof(bank)
    reasons = []
    for _ in range(5):
        try:
            asked = bank.product_questions(proof)
            bank.answer_product_questions(proof, wrong_answers(asked, random.Random(5)))
        except Refusal as refusal:
            reasons.append(refusal.reason)
        clock.advance(hours=25)
    assert reasons == ["wrong_answers", "wrong_answers", "wrong_answers", "recovery_closed_office",
                       "recovery_closed_office"]


# -- the member is told --------------------------------------------------------------


def _bodies(kiosk, engine, document: str) -> list[str]:
    return [m.body for m in kiosk.messages_for(member(engine, document).id)]


def test_every_failed_set_and_the_closing_are_notified(service_for, clock, engine):
    kiosk = service_for("cooperen")
    identity = kiosk.identify(GLORIA)
    for _ in range(3):
        asked = kiosk.recovery_questions(identity)
        with pytest.raises(Refusal):
            kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=wrong_answers(asked, random.Random(3)))
        clock.advance(minutes=5)
    bodies = _bodies(kiosk, engine, GLORIA)  # newest first
    assert len(bodies) == 3
    assert all("21/11/2026" in b and "Si no fue usted" in b for b in bodies)
    assert "cerramos la recuperación" in bodies[0]
    assert all("intentó recuperar su clave en Cooperen" in b for b in bodies[1:])


def test_a_stranger_sends_nothing(service_for, clock, engine):
    kiosk = service_for("cooperen")
    identity = kiosk.identify(UNKNOWN)
    with Session(engine) as session:
        before = len(session.exec(select(OutboxMessage)).all())
    for _ in range(3):
        asked = kiosk.recovery_questions(identity)
        with pytest.raises(Refusal):
            kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=right_answers(asked))
    with Session(engine) as session:
        assert len(session.exec(select(OutboxMessage)).all()) == before


# -- the shown temporary key expires ---------------------------------------------------


def test_the_shown_key_expires(service_for, clock):
    kiosk = service_for("cooperen")
    identity = kiosk.identify(GLORIA)
    lifetime = timedelta(minutes=load_profile("cooperen").step("questions").param("temporary_minutes"))
    asked = kiosk.recovery_questions(identity)
    shown = kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=right_answers(asked), key_lifetime=lifetime)
    clock.advance(seconds=lifetime.total_seconds() - 1)
    assert kiosk.login(identity, shown).status == "change_required"  # in time

    shown = kiosk.answer_questions(identity, EMAIL, captcha=captcha_token(kiosk), visit=VISIT, answers=right_answers(asked), key_lifetime=lifetime)
    clock.advance(seconds=lifetime.total_seconds())
    with pytest.raises(Refusal) as expired:
        kiosk.login(identity, shown)
    assert expired.value.reason == "temporary_expired"
    assert "Su clave temporal venció" in expired.value.message


def test_a_bank_member_without_a_mobile_is_told_not_asked(service_for, engine):
    bank = service_for("bancocajasocial")
    proof = _bank_proof(bank)
    with Session(engine) as session:
        session.execute(update(Member).where(Member.id == proof.member_id).values(mobile=None))
        session.commit()
    for call in (lambda: bank.product_questions(proof), lambda: bank.answer_product_questions(proof, {})):
        with pytest.raises(Refusal) as refused:
            call()
        assert refused.value.reason == "questions_need_mobile" and "celular registrado" in refused.value.message
