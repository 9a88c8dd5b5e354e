"""Vetting ahead from the screens (issue 20): a complete new key tapped on
the scrambled keypad starts its bcrypt work at once, and the press then
finds it done and completes the change.  Coasmedas' recovery has all three
kinds of form: the recovery form (by document, where a stranger must cost
the same), and the signed-in changes of the login key (with the current key)
and of the transactional key (which must differ from the login key)."""

from __future__ import annotations

from kiosk.core.vetting_ahead import VettingAhead
from tests.helpers import click, code_in, latest_message, member, wait_until
from tests.touch_walks import (
    COASMEDAS_TEMPORARY, MEMBERS, NEW_KEYS, _pad_typing_into, at_home, at_step, tap_captcha, tap_characters, tap_into,
)


def watch_presses(monkeypatch) -> list[bool]:
    """For each press that looked for work started ahead: whether it found it."""
    found: list[bool] = []
    key_work_for = VettingAhead.key_work_for

    def noted(self, ahead, *args):
        work = key_work_for(self, ahead, *args)
        found.append(work is not None)
        return work

    monkeypatch.setattr(VettingAhead, "key_work_for", noted)
    return found


async def vetted_ahead(pilot) -> None:
    remembered = pilot.app.service.key_changes.ahead
    await wait_until(pilot, lambda: len(remembered) == 1, "the new key's work started ahead")


async def test_coasmedas_keys_tapped_are_vetted_ahead_and_the_presses_complete(
    make_app, service_for, engine, hasher, monkeypatch
):
    service = service_for("coasmedas")
    found = watch_presses(monkeypatch)
    document, temporary = MEMBERS["coasmedas"], COASMEDAS_TEMPORARY
    login_key, transactional_key = NEW_KEYS["coasmedas"]
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#start")
        await click(pilot, "#accept")
        await at_step(pilot, "login")
        await click(pilot, "#forgot")
        await at_step(pilot, "recovery")
        await tap_into(pilot, "document", document)
        await tap_into(pilot, "key", temporary)
        await vetted_ahead(pilot)  # by document: the form knows no member yet
        await tap_into(pilot, "confirmation", temporary)
        await tap_captcha(pilot)
        await click(pilot, "#continue")
        await at_step(pilot, "recovery_code")
        await tap_into(pilot, "code", code_in(latest_message(service, document)))
        await click(pilot, "#continue")
        await at_step(pilot, "recovery_done")
        await click(pilot, "#continue")
        await at_step(pilot, "login")
        await tap_into(pilot, "document", document)
        await tap_into(pilot, "key", temporary)
        await click(pilot, "#continue")
        await at_step(pilot, "change_login")
        assert len(app.service.key_changes.ahead) == 0  # the recovery form's press used it up
        await tap_into(pilot, "current", temporary)
        await tap_into(pilot, "key", login_key)
        await vetted_ahead(pilot)
        await tap_into(pilot, "confirmation", login_key)
        await click(pilot, "#continue")
        await at_step(pilot, "change_transactional")
        await tap_into(pilot, "current", temporary)
        await tap_into(pilot, "key", transactional_key)
        await vetted_ahead(pilot)
        await tap_into(pilot, "confirmation", transactional_key)
        await tap_captcha(pilot)
        await click(pilot, "#continue")
        await at_step(pilot, "transactional_code")
        await tap_into(pilot, "code", code_in(latest_message(service, document)))
        await click(pilot, "#continue")
        await at_home(pilot)
    assert found == [True, True, True]  # each press found its key's work done ahead
    assert len(app.service.key_changes.ahead) == 0
    # The keys set are the ones tapped.
    proof = service.login(service.identify(document), login_key).proof
    assert proof.member_id == member(engine, document).id


async def test_an_incomplete_or_refused_key_starts_nothing(make_app, service_for, monkeypatch):
    """Fewer digits than the policy's length, or a key the policy refuses: no work ahead."""
    service_for("coasmedas")
    app = make_app(institution="coasmedas")
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#start")
        await click(pilot, "#accept")
        await at_step(pilot, "login")
        await click(pilot, "#forgot")
        await at_step(pilot, "recovery")
        await tap_into(pilot, "document", MEMBERS["coasmedas"])
        await tap_into(pilot, "key", "111")
        await settled(pilot)
        assert len(app.service.key_changes.ahead) == 0
        await tap_characters(pilot, _pad_typing_into(pilot, "key"), "1")  # complete, but the policy refuses it
        await wait_until(pilot, lambda: app.screen.query_one("#key").value == "1111", "the fourth digit")
        await settled(pilot)
        assert len(app.service.key_changes.ahead) == 0


async def settled(pilot) -> None:
    """Time for a worker the last tap started to have run."""
    await pilot.app.workers.wait_for_complete()
    for _frame in range(5):
        await pilot.pause()
