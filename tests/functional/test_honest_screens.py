"""Every screen says one thing (issue 20): a code with nowhere to go gets no
code field but the profile's notice (Coasmedas: go to an office), and a first
access (no security image chosen yet) is shown no image nor phrase and no
warning to compare them (Progressa).

Neither tells a stranger anything: decoys for documents nobody holds lack a
mobile, and are a first access, at the members' rates, and walk the same
screens with the same texts as a member in the same situation.
"""

from __future__ import annotations

import math

import pytest
from sqlmodel import Session, select

from kiosk.core import population
from kiosk.flow.profile import available_profiles, load_profile
from kiosk.screens.registry import STEP_SCREENS
from kiosk.store.models import OutboxMessage
from tests.helpers import FIRST_ACCESS, click, fill, screen_text, solve_robot_check, type_document
from tests.population import realistic_members
from tests.functional.test_coasmedas_bad_input import NO_MOBILE, open_recovery

SAMPLE = 3000


def rates_agree(decoys: int, members: int, n_decoys: int, n_members: int) -> tuple[float, float, float]:
    """(decoys' rate, members' rate, four standard errors of their difference)."""
    p_decoys, p_members = decoys / n_decoys, members / n_members
    pooled = (decoys + members) / (n_decoys + n_members)
    return p_decoys, p_members, 4 * math.sqrt(pooled * (1 - pooled) * (1 / n_decoys + 1 / n_members))


def unknown_numbers(service, count: int, start: int = 8_000_000_000):
    for number in range(start, start + count):
        identity = service.identify(str(number))
        assert identity.member_id is None
        yield str(number), identity


def test_decoys_lack_a_mobile_at_the_members_rate(service_for):
    service = service_for("coasmedas")
    decoys = sum(service.contacts(identity).mobile is None for _, identity in unknown_numbers(service, SAMPLE))
    members = sum(member.mobile is None for member in realistic_members(SAMPLE, seed=20))
    p_decoys, p_members, margin = rates_agree(decoys, members, SAMPLE, SAMPLE)
    print(f"no mobile: decoys {p_decoys:.3f}, members {p_members:.3f} (±{margin:.3f})")
    assert abs(p_decoys - p_members) <= margin
    assert abs(p_decoys - population.NO_MOBILE_RATE) <= margin
    assert 0 < decoys < SAMPLE  # some, not all: the notice is one answer among two


def test_decoys_are_a_first_access_at_the_members_rate(service_for):
    service = service_for("progressa")
    decoys = sum(service.security_display(identity) is None for _, identity in unknown_numbers(service, SAMPLE))
    members = sum(member.image is None for member in realistic_members(SAMPLE, seed=20))
    p_decoys, p_members, margin = rates_agree(decoys, members, SAMPLE, SAMPLE)
    print(f"first access: decoys {p_decoys:.3f}, members {p_members:.3f} (±{margin:.3f})")
    assert abs(p_decoys - p_members) <= margin
    assert abs(p_decoys - population.NO_IMAGE_RATE) <= margin


def test_a_decoys_situation_is_stable_for_its_document(service_for):
    service = service_for("progressa")
    identity = service.identify("8000000001")
    assert {service.security_display(identity) for _ in range(3)}.__len__() == 1
    assert len({service.contacts(identity) for _ in range(3)}) == 1


def test_a_first_access_member_is_shown_no_image(service_for):
    service = service_for("progressa")
    assert service.security_display(service.identify(FIRST_ACCESS)) is None


def test_every_code_step_of_every_institution_routes_a_code_with_nowhere_to_go():
    routed = []
    for slug in available_profiles():
        profile = load_profile(slug, step_types=set(STEP_SCREENS))
        for step in profile.steps:
            if step.type == "code_entry":
                target = profile.step(profile.target(step, "no_contact"))
                assert target.type == "notice", (slug, step.id)
                assert "oficina" in target.param("text"), (slug, step.id)
                routed.append((slug, step.id))
    assert len(routed) >= 3  # Coasmedas' two and Banco Caja Social's


def a_decoy(service, situation) -> str:
    """A document nobody holds whose decoy is in ``situation`` (a predicate on its identity)."""
    return next(number for number, identity in unknown_numbers(service, 500, 8_100_000_000) if situation(identity))


async def walk_recovery_without_mobile(app, document: str) -> list[tuple[str, str, bool]]:
    """Coasmedas' recovery as far as it goes: (step, what it says, a code field?) of each screen after the form."""
    seen = []
    async with app.run_test(size=(100, 40)) as pilot:
        await open_recovery(pilot)
        await fill(pilot, document=document, key="8754", confirmation="8754")
        await solve_robot_check(pilot)
        await click(pilot, "#continue")
        screen = app.screen
        seen.append((screen.step.id, screen_text(pilot), bool(screen.query("#code"))))
        await click(pilot, "#continue")
        seen.append((type(app.screen).__name__, "", False))
    return seen


@pytest.mark.both_stores
async def test_no_mobile_member_and_decoy_see_the_same_office_notice(make_app, service_for, engine):
    service = service_for("coasmedas")
    decoy = a_decoy(service, lambda identity: service.contacts(identity).mobile is None)
    as_member = await walk_recovery_without_mobile(make_app(institution="coasmedas"), NO_MOBILE)
    as_decoy = await walk_recovery_without_mobile(make_app(institution="coasmedas"), decoy)
    assert as_member == as_decoy
    step, text, code_field = as_member[0]
    assert step == "no_mobile" and not code_field
    assert "no hay un celular registrado" in text and "Acérquese a una oficina de Coasmedas" in text
    assert "Escríbalo" not in text and "Enviamos" not in text  # one thing: no code is asked for
    assert as_member[1][0] == "WelcomeScreen"  # «Volver al inicio»
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


async def key_panel(app, document: str) -> str:
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        await type_document(pilot, document)
        assert app.screen.step.id == "key"
        return str(app.screen.query_one("#security").render())


async def test_first_access_member_and_decoy_see_the_same_panel_without_image(make_app, service_for):
    service = service_for("progressa")
    decoy = a_decoy(service, lambda identity: service.security_display(identity) is None)
    as_member = await key_panel(make_app(), FIRST_ACCESS)
    assert as_member == await key_panel(make_app(), decoy)
    assert "Primer ingreso" in as_member
    assert "Aún no hay una imagen ni una frase de seguridad" in as_member
    assert "«" not in as_member  # no phrase
    assert "no ingrese su clave de acceso" not in as_member  # the compare-your-image warning is not there


async def test_a_decoy_with_an_image_is_still_shown_one(make_app, service_for):
    service = service_for("progressa")
    decoy = a_decoy(service, lambda identity: service.security_display(identity) is not None)
    shown = service.security_display(service.identify(decoy))
    panel = await key_panel(make_app(), decoy)
    assert f"«{shown.phrase}»" in panel and "no ingrese su clave de acceso" in panel
