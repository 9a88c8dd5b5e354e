"""Bad input in the Coasmedas procedure: each its own Spanish message, nothing lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from kiosk.core.errors import Refusal
from kiosk.store.models import MemberKey, OutboxMessage
from kiosk.widgets import RobotCheck
from tests.helpers import (
    UNKNOWN, VISIT, captcha_token, click, codes_sent, fill, member, message_text, screen_text, solve_robot_check,
)
from tests.functional.test_coasmedas_flow import COASMEDAS, TEMPORARY, log_in, recover_temporary_key

NO_MOBILE = "99999999"


def keys_of(engine, document):
    with Session(engine) as session:
        rows = session.exec(select(MemberKey).where(MemberKey.member_id == member(engine, document).id))
        return {k.kind: (k.hash, k.temporary) for k in rows}


async def open_recovery(pilot) -> None:
    await click(pilot, "#start")
    await click(pilot, "#accept")
    await click(pilot, "#forgot")


async def confirm_last_code(pilot, service, document=COASMEDAS) -> None:
    await fill(pilot, code=codes_sent(service, document)[-1])
    await click(pilot, "#continue")


async def hold_temporary_key(pilot, service) -> None:
    """Recover, confirm with the SMS code, and be back on the login holding the temporary key."""
    await recover_temporary_key(pilot, service)
    await confirm_last_code(pilot, service)
    await click(pilot, "#continue")  # «Volver»
    assert pilot.app.screen.step.id == "login"


async def test_nothing_but_the_terms_first(make_app):
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        assert app.screen.step.id == "terms"
        assert [b.id for b in app.screen.query("#card Button")] == ["accept"]


async def test_the_seeds_own_example_is_a_mismatch(make_app, service_for, engine):
    service = service_for("coasmedas")
    before = keys_of(engine, COASMEDAS)
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_recovery(pilot)
        await fill(pilot, document=COASMEDAS, key="8754", confirmation="4932")
        await solve_robot_check(pilot)
        await click(pilot, "#continue")
        assert app.screen.step.id == "recovery"
        assert "no coinciden" in message_text(pilot)
        assert app.screen.query_one("#document").value == COASMEDAS  # the document is kept
    assert codes_sent(service, COASMEDAS) == [] and keys_of(engine, COASMEDAS) == before


async def test_failed_image_challenge_gives_a_new_picture(make_app, service_for):
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_recovery(pilot)
        await fill(pilot, document=COASMEDAS, key=TEMPORARY, confirmation=TEMPORARY)
        first = app.screen.query_one(RobotCheck).captcha
        await fill(pilot, **{"captcha-answer": "ZZZZZ"})
        await click(pilot, "#continue")
        assert app.screen.step.id == "recovery"
        assert "no coincide con la imagen" in message_text(pilot)
        assert app.screen.query_one(RobotCheck).captcha != first
    assert codes_sent(service_for("coasmedas"), COASMEDAS) == []


async def test_a_single_press_cannot_pass_the_challenge(make_app):
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_recovery(pilot)
        await fill(pilot, document=COASMEDAS, key=TEMPORARY, confirmation=TEMPORARY)
        text = screen_text(pilot)
        assert app.screen.query_one(RobotCheck).captcha.answer not in text
        await click(pilot, "#continue")
        assert app.screen.step.id == "recovery"


async def test_weak_temporary_key_refused(make_app):
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_recovery(pilot)
        await fill(pilot, document=COASMEDAS, key="1234", confirmation="1234")
        await solve_robot_check(pilot)
        await click(pilot, "#continue")
        assert "secuencia" in message_text(pilot)


async def test_wrong_codes_count_down_and_the_third_kills_the_code(make_app, service_for, engine):
    service = service_for("coasmedas")
    before = keys_of(engine, COASMEDAS)
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await recover_temporary_key(pilot, service)
        right = codes_sent(service, COASMEDAS)[-1]
        wrong = f"{(int(right) + 1) % 10000:04d}"
        messages = []
        for _ in range(3):
            await fill(pilot, code=wrong)
            await click(pilot, "#continue")
            messages.append(message_text(pilot))
        assert "Intentos restantes: 2" in messages[0] and "Intentos restantes: 1" in messages[1]
        assert "Demasiados intentos" in messages[2]
        await fill(pilot, code=right)
        await click(pilot, "#continue")
        assert app.screen.step.id == "recovery_code"
    assert keys_of(engine, COASMEDAS) == before


async def test_expired_code_refused(make_app, service_for, clock):
    service = service_for("coasmedas")
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await recover_temporary_key(pilot, service)
        clock.advance(minutes=6)
        await confirm_last_code(pilot, service)
        assert "venció" in message_text(pilot)


async def test_resend_is_throttled(make_app, service_for):
    service = service_for("coasmedas")
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await recover_temporary_key(pilot, service)
        await click(pilot, "#resend")
        assert "Espere" in message_text(pilot)
    assert len(codes_sent(service, COASMEDAS)) == 1


def test_a_used_code_cannot_confirm_again(service_for):
    service = service_for("coasmedas")
    identity = service.identify(COASMEDAS)
    pending = service.prepare_key_change(identity, ("login",), "3907", "3907", 4, purpose="recovery",
                                         temporary_for=timedelta(hours=24),
                                         captcha=captcha_token(service), visit=VISIT)
    service.send_confirmation_code(identity, "recovery", 4, timedelta(minutes=5))
    code = codes_sent(service, COASMEDAS)[-1]
    service.confirm_change(pending, code)
    with pytest.raises(Refusal) as refused:
        service.confirm_change(pending, code)
    assert refused.value.reason in {"no_code", "code_used"}


async def test_temporary_key_older_than_24_hours_is_refused(make_app, service_for, clock):
    service = service_for("coasmedas")
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await hold_temporary_key(pilot, service)
        clock.advance(hours=24, seconds=1)
        await log_in(pilot, COASMEDAS, TEMPORARY)
        assert app.screen.step.id == "login"
        assert "Su clave temporal venció" in message_text(pilot)


async def test_transactional_key_must_differ_from_the_login_key(make_app, service_for, engine):
    service = service_for("coasmedas")
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await hold_temporary_key(pilot, service)
        await log_in(pilot, COASMEDAS, TEMPORARY)
        await fill(pilot, current=TEMPORARY, key="3907", confirmation="3907")
        await click(pilot, "#continue")
        await fill(pilot, current=TEMPORARY, key="3907", confirmation="3907")
        await solve_robot_check(pilot)
        await click(pilot, "#continue")
        assert app.screen.step.id == "change_transactional"
        assert "distinta de la clave de ingreso" in message_text(pilot)
    assert keys_of(engine, COASMEDAS)["transactional"][1] is True  # still the temporary one


async def test_wrong_current_key_and_weak_new_key_refused(make_app, service_for):
    service = service_for("coasmedas")
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await hold_temporary_key(pilot, service)
        await log_in(pilot, COASMEDAS, TEMPORARY)
        await fill(pilot, current="0000", key="3907", confirmation="3907")
        await click(pilot, "#continue")
        assert "La clave actual no es correcta" in message_text(pilot)
        await fill(pilot, current=TEMPORARY, key="1111", confirmation="1111")
        await click(pilot, "#continue")
        assert "repetir" in message_text(pilot)
        assert app.screen.step.id == "change_login"


async def test_unknown_document_walks_the_same_path_and_nothing_is_sent(make_app, engine):
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_recovery(pilot)
        await fill(pilot, document=UNKNOWN, key=TEMPORARY, confirmation=TEMPORARY)
        await solve_robot_check(pilot)
        await click(pilot, "#continue")
        assert app.screen.step.id == "recovery_code"
        assert "****" in screen_text(pilot)
        await fill(pilot, code="4821")
        await click(pilot, "#continue")
        assert "El código no es correcto. Intentos restantes: 2." in message_text(pilot)
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


async def test_member_without_mobile_walks_as_a_stranger_and_is_told_where_to_go(make_app, service_for, engine):
    """No refusal of its own (it would tell a stranger the document is a
    member's): the profile's notice for a code with nowhere to go, which
    decoys without a mobile are shown too (tests/test_honest_screens.py),
    no code field, and nothing sent."""
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_recovery(pilot)
        await fill(pilot, document=NO_MOBILE, key=TEMPORARY, confirmation=TEMPORARY)
        await solve_robot_check(pilot)
        await click(pilot, "#continue")
        assert app.screen.step.id == "no_mobile"
        assert "Acérquese a una oficina de Coasmedas" in screen_text(pilot)
        assert not app.screen.query("#code")
    assert codes_sent(service_for("coasmedas"), NO_MOBILE) == []
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []
