"""The flow runner, the only router, with a fake host and fake screens: no
Textual app.  A screen reports an outcome; the runner alone decides what
shows next, ignores a screen the member has left, and ends visits."""

from __future__ import annotations

import pytest

from kiosk.flow.profile import WELCOME, ProfileError, parse_profile
from kiosk.flow.runner import FlowContext, FlowRunner
from kiosk.screens.registry import STEP_SCREENS

PROFILE = {
    "slug": "prueba",
    "name": "Prueba",
    "portal": "Portal",
    "start": "user",
    "key_length": 6,
    "steps": [
        {"id": "user", "type": "document", "title": "Usuario", "forgot": "¿Olvidó?", "next": {"forgot": "channel"}},
        {"id": "key", "type": "key_entry", "title": "Clave",
         "next": {"ok": "home", "change_required": "new_key"}},
        {"id": "channel", "type": "channel_choice", "title": "Canal", "next": {"back": "user"}},
        {"id": "code", "type": "code_entry", "title": "Código", "send": "code", "channel": "choice",
         "purpose": "contact_check", "next": {"done": "questions", "no_contact": "done"}},
        {"id": "questions", "type": "product_questions", "title": "Preguntas", "next": {"done": "new_key"}},
        {"id": "new_key", "type": "new_key", "title": "Nueva clave"},
        {"id": "done", "type": "notice", "title": "Listo", "next": {"done": WELCOME}},
        {"id": "home", "type": "member_home", "title": "Inicio", "next": {"done": WELCOME}},
    ],
}


class FakeScreen:
    def __init__(self, runner: FlowRunner, step) -> None:
        self.runner, self.step = runner, step


class FakeHost:
    def __init__(self) -> None:
        self.shown: list[FakeScreen] = []
        self.welcomed = 0
        self.runner: FlowRunner | None = None

    def show_step(self, screen: FakeScreen) -> None:
        self.shown.append(screen)

    def return_to_welcome(self) -> None:  # as KioskApp does: the visit is forgotten
        self.welcomed += 1
        self.runner.end()

    @property
    def at(self) -> str:
        return self.shown[-1].step.id


@pytest.fixture
def host() -> FakeHost:
    host = FakeHost()
    profile = parse_profile({**PROFILE, "steps": [dict(step) for step in PROFILE["steps"]]}, set(STEP_SCREENS))
    host.runner = FlowRunner(host, profile, {step_type: FakeScreen for step_type in STEP_SCREENS})
    host.runner.start()
    return host


def report(host: FakeHost, outcome: str = "done", banner: str | None = None) -> bool:
    screen = host.shown[-1]
    return screen.runner.advance(screen.step, outcome, banner)


def test_start_shows_the_start_step_with_a_fresh_context(host):
    assert host.at == "user" and host.runner.current is host.shown[-1].step
    assert isinstance(host.runner.context, FlowContext)


def test_outcomes_go_where_the_profile_routes_them_or_the_contract_defaults(host):
    assert report(host) and host.at == "key"  # done: the next step in the list
    assert report(host, "change_required") and host.at == "new_key"  # an explicit route
    host.runner.go("key")
    assert report(host, "office_change_required") and host.at == "new_key"  # as change_required goes
    host.runner.go("user")
    assert report(host, "forgot") and host.at == "channel"
    assert report(host, "back") and host.at == "user"
    host.runner.go("code")
    assert report(host) and host.at == "questions"


def test_each_screen_is_made_by_its_step_types_screen_for_its_step(host):
    report(host, "forgot")
    screen = host.shown[-1]
    assert isinstance(screen, FakeScreen) and screen.runner is host.runner and screen.step.type == "channel_choice"


def test_a_stale_screen_does_not_move_the_flow(host):
    stale = host.shown[-1]
    assert report(host) and host.at == "key"
    # The document screen answers late (a double press, a worker finishing).
    assert stale.runner.advance(stale.step, "forgot") is False
    assert stale.runner.advance(stale.step) is False
    assert host.at == "key" and len(host.shown) == 2


def test_an_expired_code_keeps_the_member_on_the_code_without_a_banner(host):
    host.runner.go("code")
    shown = len(host.shown)
    assert report(host, "expired", banner="El código venció.") is False
    assert len(host.shown) == shown and host.runner.current.id == "code"
    assert host.runner.context.banner is None  # not carried to some later screen


def test_another_attempt_shows_the_same_step_anew_with_the_banner(host):
    host.runner.go("questions")
    first = host.shown[-1]
    assert report(host, "again", banner="Respuestas incorrectas.")
    assert host.at == "questions" and host.shown[-1] is not first
    assert host.runner.context.banner == "Respuestas incorrectas."


def test_leaving_the_questions_ends_the_visit(host):
    host.runner.go("questions")
    host.runner.context.identity = object()
    assert report(host, "leave")
    assert host.welcomed == 1 and host.runner.current is None and host.runner.context.identity is None


def test_welcome_as_a_route_ends_the_visit(host):
    host.runner.go("done")
    host.runner.context.banner = "algo"
    assert report(host)
    assert host.welcomed == 1 and host.runner.current is None and host.runner.context.banner is None


def test_a_step_left_for_the_welcome_screen_is_stale(host):
    step = host.runner.current
    host.runner.leave()  # «Salida segura»
    assert host.welcomed == 1
    assert host.runner.advance(step) is False and len(host.shown) == 1


def test_end_forgets_the_visit(host):
    visit = host.runner.context.visit_id
    host.runner.context.channel = "email"
    host.runner.end()
    assert host.runner.current is None and host.runner.context.channel is None
    host.runner.start()
    assert host.runner.context.visit_id != visit and host.at == "user"


def test_an_outcome_the_step_cannot_report_is_a_profile_error_not_a_silent_jump(host):
    with pytest.raises(ProfileError):
        report(host, "wrong")
