"""The profile loader holds every profile to its step types' contracts
(kiosk.flow.contracts): what would stop or mislead a member's visit is refused
at load, in one Spanish line naming the file, the step and the field."""

from __future__ import annotations

import copy

import pytest

from kiosk.flow.contracts import STEP_OUTCOMES, STEP_PARAMS, login_outcome
from kiosk.flow.profile import HERE, WELCOME, ProfileError, available_profiles, load_profile, parse_profile
from kiosk.screens.registry import STEP_SCREENS

SOURCE = "data/institutions/prueba.toml"

# document -> channel choice -> code by the chosen channel -> new key -> notice.
BASE = {
    "slug": "prueba",
    "name": "Prueba",
    "portal": "Portal",
    "start": "user",
    "key_length": 6,
    "steps": [
        {"id": "user", "type": "document", "title": "Usuario"},
        {"id": "channel", "type": "channel_choice", "title": "Canal", "next": {"back": "user"}},
        {
            "id": "code", "type": "code_entry", "title": "Código", "text": "Escriba el código.",
            "send": "code", "channel": "choice", "purpose": "contact_check", "next": {"no_contact": WELCOME},
        },
        {"id": "new_key", "type": "new_key", "title": "Nueva clave"},
        {"id": "done", "type": "notice", "title": "Listo", "next": {"done": WELCOME}},
    ],
}


def profile_with(change=None, **fields):
    """BASE with ``fields`` at the top and ``change(steps_by_id)`` applied."""
    data = copy.deepcopy(BASE)
    data.update(fields)
    if change is not None:
        change({step["id"]: step for step in data["steps"]})
    return data


def refusal(data) -> str:
    with pytest.raises(ProfileError) as raised:
        parse_profile(data, set(STEP_SCREENS), source=SOURCE)
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"{SOURCE}: ")
    return message


def test_the_base_profile_loads_and_routes_by_its_contracts():
    profile = parse_profile(profile_with(), set(STEP_SCREENS), source=SOURCE)
    channel, code = profile.step("channel"), profile.step("code")
    assert profile.following(profile.step("user")) == {"done": "channel"}  # no «forgot» button: no such outcome
    assert profile.following(channel) == {"done": "code", "back": "user"}
    assert profile.following(code) == {"done": "new_key", "expired": HERE, "no_contact": WELCOME}
    assert profile.following(profile.step("done")) == {"done": WELCOME}


@pytest.mark.parametrize("slug", available_profiles())
def test_every_institution_profile_loads(slug):
    assert slug in available_profiles()
    profile = load_profile(slug, step_types=set(STEP_SCREENS))
    for step in profile.steps:  # every outcome any step can report leads somewhere
        for outcome, target in profile.following(step).items():
            assert target in {WELCOME, HERE} or profile.step(target), (step.id, outcome)


def test_every_step_type_declares_its_outcomes_and_has_a_screen():
    assert set(STEP_OUTCOMES) == set(STEP_PARAMS) == set(STEP_SCREENS)
    assert all("done" in outcomes or "ok" in outcomes for outcomes in STEP_OUTCOMES.values())


def test_an_unknown_parameter_is_refused():
    message = refusal(profile_with(lambda s: s["code"].update(digits=6)))
    assert message.startswith(f'{SOURCE}: paso "code", campo digits: no existe')


@pytest.mark.parametrize(
    ("value", "says"),
    [("6", 'debe ser un número entero entre 4 y 10, no "6"'), (3, "entre 4 y 10, no 3"), (True, "no true")],
)
def test_a_parameter_of_the_wrong_type_or_range_is_refused(value, says):
    message = refusal(profile_with(lambda s: s["code"].update(code_digits=value)))
    assert message.startswith(f'{SOURCE}: paso "code", campo code_digits: ') and says in message


@pytest.mark.parametrize(
    ("field", "value"),
    [("send", "temporary_key"), ("channel", "fax"), ("purpose", "code"), ("purpose", "new_key")],
)
def test_what_is_sent_where_and_for_what_comes_from_declared_names(field, value):
    message = refusal(profile_with(lambda s: s["code"].update({field: value})))
    assert message.startswith(f'{SOURCE}: paso "code", campo {field}: debe ser uno de ')


def test_a_code_step_without_a_purpose_is_refused():
    message = refusal(profile_with(lambda s: s["code"].pop("purpose")))
    assert message == f'{SOURCE}: paso "code", falta el campo purpose, que es obligatorio'


def test_an_outcome_the_step_can_report_with_no_route_is_refused():
    message = refusal(profile_with(lambda s: s["channel"].pop("next")))  # «Regresar» led nowhere
    assert message.startswith(f'{SOURCE}: paso "channel", campo next: falta a qué paso lleva "back"')


def test_done_on_the_last_step_must_be_routed():
    message = refusal(profile_with(lambda s: s["done"].pop("next")))
    assert message.startswith(f'{SOURCE}: paso "done", campo next: falta a qué paso lleva "done"')


def test_a_route_for_an_outcome_the_step_type_never_reports_is_refused():
    message = refusal(profile_with(lambda s: s["new_key"].update(next={"expired": "user"})))
    assert message.startswith(f'{SOURCE}: paso "new_key", campo next.expired: un paso de tipo new_key')
    assert "(termina en: done)" in message


def test_a_route_for_a_button_the_step_does_not_show_is_refused():
    # A document step shows «¿Olvidó…?» only with its ``forgot`` text.
    message = refusal(profile_with(lambda s: s["user"].update(next={"forgot": "channel"})))
    assert message.startswith(f'{SOURCE}: paso "user", campo next.forgot: ')
    # With the text, the button is there and its route must be given.
    message = refusal(profile_with(lambda s: s["user"].update(forgot="¿Olvidó su clave?")))
    assert message.startswith(f'{SOURCE}: paso "user", campo next: falta a qué paso lleva "forgot"')


def test_a_route_to_an_unknown_step_is_refused():
    message = refusal(profile_with(lambda s: s["channel"].update(next={"back": "usuario"})))
    assert message == f'{SOURCE}: paso "channel", campo next.back: no existe el paso "usuario"'


def test_an_unreachable_step_is_refused():
    def orphan(steps):
        steps["new_key"]["next"] = {"done": WELCOME}
        steps["done"]["next"] = {"done": WELCOME}

    message = refusal(profile_with(orphan))
    assert message == f'{SOURCE}: paso "done": ningún camino desde el inicio (start) lleva a este paso'


def test_the_chosen_channel_needs_a_channel_choice_on_every_way_there():
    def skip_channel_choice(steps):  # «¿Olvidó…?» to the choice, but «Continuar» straight to the code
        steps["user"].update(forgot="Elegir canal", next={"done": "code", "forgot": "channel"})
        steps["channel"]["next"] = {"back": "user", "done": "code"}

    message = refusal(profile_with(skip_channel_choice))
    assert message.startswith(f'{SOURCE}: paso "code", campo channel: "choice" necesita que el asociado elija')
    # A fixed channel needs no choice.
    fixed = profile_with(lambda steps: (skip_channel_choice(steps), steps["code"].update(channel="email")))
    parse_profile(fixed, set(STEP_SCREENS), source=SOURCE)


def test_a_login_step_must_route_the_setup_only_where_the_profile_asks_for_one():
    login = {"id": "login", "type": "login_form", "title": "Ingresar",
             "next": {"ok": "done", "change_required": "new_key", "forgot": "user"}}

    def with_login(steps):
        steps["done"]["next"] = {"done": "login"}

    data = profile_with(with_login, start="login")
    data["steps"].insert(0, login)
    parse_profile(copy.deepcopy(data), set(STEP_SCREENS), source=SOURCE)  # no setup asked: loads
    message = refusal({**data, "security_image": True})
    assert message.startswith(f'{SOURCE}: paso "login", campo next: falta a qué paso lleva "setup_required"')


def test_a_key_change_confirmed_by_code_names_its_purpose():
    def change(steps):
        steps["new_key"].update(type="key_change", confirm_by_code=True)

    message = refusal(profile_with(change))
    assert message == f'{SOURCE}: paso "new_key", falta el campo purpose, que es obligatorio con confirm_by_code = true'


LINK_TEXT = "{name}: siga {url} (código {token}), vence en {hours} horas."


def _link_profile(**params):
    def change(steps):
        steps["user"].update(type="recovery_link", next={"back": "channel"}, email_subject="Enlace",
                             email_text=LINK_TEXT, with_temporary_key=False)
        steps["user"].update(params)
    return profile_with(change)


def test_the_link_e_mail_wording_is_the_profiles_and_its_placeholders_are_checked():
    profile = parse_profile(_link_profile(), set(STEP_SCREENS), source=SOURCE)
    assert profile.step("user").param("email_text") == LINK_TEXT
    message = refusal(_link_profile(email_text="{name}: su enlace {enlace}"))
    assert message.startswith(f'{SOURCE}: paso "user", campo email_text: usa {{enlace}}, que no existe')


def test_the_link_e_mail_says_the_temporary_key_exactly_when_it_carries_one():
    message = refusal(_link_profile(with_temporary_key=True))
    assert message.startswith(f'{SOURCE}: paso "user", campo email_text: debe decir la clave temporal')
    message = refusal(_link_profile(email_text=LINK_TEXT + " Clave: {key}"))
    assert message.startswith(f'{SOURCE}: paso "user", campo email_text: no puede usar {{key}}')


def test_the_link_e_mail_wording_is_required():
    data = _link_profile()
    data["steps"][0].pop("email_text")
    assert refusal(data) == f'{SOURCE}: paso "user", falta el campo email_text, que es obligatorio'


def test_a_contract_default_is_what_a_step_reads_when_the_profile_says_nothing():
    profile = parse_profile(profile_with(), set(STEP_SCREENS), source=SOURCE)
    code = profile.step("code")
    assert code.param("code_minutes") == 5 and code.param("code_digits") == 6
    assert code.param("code_minutes", 7) == 7 and code.param("channel") == "choice"


def test_login_results_become_outcomes_in_one_place():
    assert login_outcome("ok") == "ok"
    assert login_outcome("office_change_required") == "office_change_required"
    assert login_outcome("transactional_change_required") == "transactional_change_required"
    assert login_outcome("login_change_required") == "change_required"
    with pytest.raises(ValueError):
        login_outcome("locked")
