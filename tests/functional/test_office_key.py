"""A temporary key a teller sent to the member's mobile: at the kiosk it
leads, in every institution, to setting the definitive key, never to a link
or a code the member does not have."""

from __future__ import annotations

import re

import pytest

from kiosk.flow.profile import available_profiles, load_profile
from kiosk.screens.member_home import MemberHomeScreen
from kiosk.screens.registry import STEP_SCREENS
from tests.helpers import add_teller, click, fill, keypad_type, member, message_text, signed_in_teller
from tests.functional.test_cootrasena_flow import two_step_login

LOGIN_STEP_TYPES = {"key_login", "login_form", "key_entry"}


def office_key(desk_for, clock, institution: str, document: str) -> str:
    """A teller checks the member's document and sends a temporary key; returns it as the SMS reads."""
    desk = desk_for(institution)
    add_teller(desk)
    teller = signed_in_teller(desk, clock)
    member_id = member(desk.engine, document).id
    desk.record_identity_check(teller, member_id, "CC", document)
    desk.issue_temporary_key(teller, member_id)
    return re.search(r"clave temporal es (\d+)", desk.messages_for(member_id)[0].body).group(1)


@pytest.mark.parametrize("slug", available_profiles())
def test_every_login_routes_an_office_key_to_setting_the_definitive_key(slug):
    profile = load_profile(slug, step_types=set(STEP_SCREENS))
    for step in (s for s in profile.steps if s.type in LOGIN_STEP_TYPES):
        target = profile.step(profile.target(step, "office_change_required"))
        assert target.type in {"new_key", "key_change"}, (slug, step.id, target.id)
        assert target.param("kind", "login") == "login"


@pytest.mark.parametrize(
    "institution, document, new_key",
    [("cootrasena", "52345678", "729418"), ("bancocajasocial", "1019283746", "58136427")],
)
async def test_log_in_with_the_office_key_then_set_the_new_one(
    make_app, desk_for, service_for, clock, institution, document, new_key
):
    temporary = office_key(desk_for, clock, institution, document)
    app = make_app(institution=institution)
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#start")
        if institution == "cootrasena":
            await two_step_login(pilot, document, temporary)
        else:
            await fill(pilot, document=document, key=temporary)
            await click(pilot, "#continue")
        assert app.screen.step.id == "office_change", message_text(pilot)
        for _ in range(2):  # the new key, then its confirmation
            await keypad_type(pilot, new_key)
            await click(pilot, "#continue")
        assert isinstance(app.screen, MemberHomeScreen), message_text(pilot)
    service = service_for(institution)
    assert service.login(service.identify(document), new_key).status == "ok"
