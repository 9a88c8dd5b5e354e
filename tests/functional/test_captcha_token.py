"""«No soy un robot» is checked by the core: the recovery form's core call
(``prepare_key_change`` for a visit not signed in) refuses without a valid,
unused token minted for its visit, whether or not the document is a member's."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from kiosk.core.errors import Refusal
from tests.helpers import VISIT, captcha_token

COASMEDAS = "7602264"
UNKNOWN = "7602265"

pytestmark = pytest.mark.both_stores


def prepare(service, identity, **robot):
    return service.prepare_key_change(
        identity, ("login", "transactional"), "3917", "3917", 4, "recovery",
        temporary_for=timedelta(hours=24), **robot,
    )


def refused(call, *args, **kwargs) -> str:
    try:
        call(*args, **kwargs)
    except Refusal as refusal:
        return refusal.reason
    return "ok"


@pytest.mark.parametrize("document", [COASMEDAS, UNKNOWN])
def test_the_recovery_call_needs_a_valid_unused_token_of_its_visit(service_for, clock, document):
    service = service_for("coasmedas")
    identity = service.identify(document)
    assert refused(prepare, service, identity) == "captcha"  # no token at all
    assert refused(prepare, service, identity, captcha="", visit=VISIT) == "captcha"
    token = captcha_token(service)
    assert refused(prepare, service, identity, captcha=token, visit="another-visit") == "captcha"
    assert refused(prepare, service, identity, captcha=token, visit=VISIT) == "ok"
    assert refused(prepare, service, identity, captcha=token, visit=VISIT) == "captcha"  # used
    nonce, expires, mac = captcha_token(service).split(".")
    forged = f"{nonce}.{int(expires) + 3600}.{mac}"  # a longer life, same signature
    assert refused(prepare, service, identity, captcha=forged, visit=VISIT) == "captcha"
    late = captcha_token(service)
    clock.advance(minutes=5)
    assert refused(prepare, service, identity, captcha=late, visit=VISIT) == "captcha"  # expired


def test_a_token_from_another_kiosk_is_refused(service_for):
    """Each kiosk signs with its own key: a token earned elsewhere proves nothing here."""
    service, other = service_for("coasmedas"), service_for("coasmedas")
    assert other is not service and other.challenges is not service.challenges
    identity = service.identify(COASMEDAS)
    assert refused(prepare, service, identity, captcha=captcha_token(other), visit=VISIT) == "captcha"


def test_a_challenge_takes_one_answer(service_for):
    service = service_for("coasmedas")
    challenge, captcha = service.challenges.issue(random.Random(7))
    assert refused(service.challenges.solve, challenge.id, "WRONG", VISIT) == "captcha"
    # The right answer after a wrong one: the picture is spent, a new one is needed.
    assert refused(service.challenges.solve, challenge.id, captcha.answer, VISIT) == "captcha"
    challenge, captcha = service.challenges.issue(random.Random(8))
    token = service.challenges.solve(challenge.id, f" {captcha.answer.lower()} ", VISIT)
    assert refused(service.challenges.solve, challenge.id, captcha.answer, VISIT) == "captcha"
    assert refused(prepare, service, service.identify(COASMEDAS), captcha=token, visit=VISIT) == "ok"


def test_the_signed_in_change_a_code_confirms_needs_a_token_too(service_for):
    """The transactional key's change (Coasmedas: captcha and SMS code) checks the token in the core too."""
    service = service_for("coasmedas")
    identity = service.identify(COASMEDAS)
    proof = service.login(identity, "5830").proof
    change = dict(current="2971", differ_from="login")
    assert refused(service.prepare_key_change, proof, ("transactional",), "4871", "4871", 4, "transactional_code",
                   **change) == "captcha"
    pending = service.prepare_key_change(proof, ("transactional",), "4871", "4871", 4, "transactional_code",
                                         captcha=captcha_token(service), visit=VISIT, **change)
    assert pending.member_id == identity.member_id


@pytest.mark.both_stores
def test_cooperens_questions_need_the_visits_captcha_token(service_for):
    """Cooperen's «No soy un robot» guards the questions in the core: without
    a token, with another visit's, or with a used one, the answers are not
    even looked at (no failed set is counted) for a member or a stranger."""
    service = service_for("cooperen")
    for document in ("12147", UNKNOWN):
        identity = service.identify(document)
        asked = service.recovery_questions(identity)
        answers = {question.id: question.options[0] for question in asked}
        for token, visit in ((None, VISIT), (captcha_token(service, "another-visit"), VISIT)):
            with pytest.raises(Refusal) as refused:
                service.answer_questions(identity, "x@mail.com", answers, captcha=token, visit=visit)
            assert refused.value.reason == "captcha"
        used = captcha_token(service)
        with pytest.raises(Refusal) as wrong:
            service.answer_questions(identity, "x@mail.com", answers, captcha=used, visit=VISIT)
        assert wrong.value.reason == "wrong_answers"
        with pytest.raises(Refusal) as reused:
            service.answer_questions(identity, "x@mail.com", answers, captcha=used, visit=VISIT)
        assert reused.value.reason == "captcha"
        assert service.recovery_questions(identity)  # one failed set only: still open
