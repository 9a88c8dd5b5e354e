"""The look of the teller console at 80x24: sign-in, the authenticator
enrolment (a fixed test secret, so its QR code is stable), the search and a
member's card before and after the identity check."""

from __future__ import annotations

from tests.helpers import BLOCKED, TELLER_PASSWORD, add_teller, click, fill, wait_until
from tests.functional.test_snapshots import SIZE, freeze
from tests.functional.test_teller_console import check_identity, open_member, sign_in


def teller_app(make_teller_app):
    app = make_teller_app()
    add_teller(app.desk)
    return app


def test_sign_in(snap_compare, make_teller_app):
    async def run_before(pilot):
        await pilot.pause()  # the sign-in screen mounted
        await fill(pilot, username="ana.gomez")
        await freeze(pilot)

    assert snap_compare(teller_app(make_teller_app), terminal_size=SIZE, run_before=run_before)


def test_enrolment(snap_compare, make_teller_app):
    async def run_before(pilot):
        await pilot.pause()  # the sign-in screen mounted
        await fill(pilot, username="ana.gomez", password=TELLER_PASSWORD)
        await click(pilot, "#sign-in")
        await freeze(pilot)

    assert snap_compare(teller_app(make_teller_app), terminal_size=SIZE, run_before=run_before)


def test_search_results(snap_compare, make_teller_app, clock):
    async def run_before(pilot):
        await pilot.pause()  # the sign-in screen mounted
        await sign_in(pilot, clock)
        await fill(pilot, name="ar")
        await click(pilot, "#by-name")
        await freeze(pilot)

    assert snap_compare(teller_app(make_teller_app), terminal_size=SIZE, run_before=run_before)


def test_member_before_the_identity_check(snap_compare, make_teller_app, clock):
    async def run_before(pilot):
        await pilot.pause()  # the sign-in screen mounted
        await sign_in(pilot, clock)
        await open_member(pilot, BLOCKED)
        await freeze(pilot)

    assert snap_compare(teller_app(make_teller_app), terminal_size=SIZE, run_before=run_before)


def test_member_after_the_check_and_an_unblock(snap_compare, make_teller_app, clock):
    async def run_before(pilot):
        await pilot.pause()  # the sign-in screen mounted
        await sign_in(pilot, clock)
        await open_member(pilot, BLOCKED)
        await check_identity(pilot, BLOCKED)
        await click(pilot, "#unblock")
        await freeze(pilot)

    assert snap_compare(teller_app(make_teller_app), terminal_size=SIZE, run_before=run_before)


def test_member_with_a_pending_contact_change(snap_compare, make_teller_app, clock):
    """The maker's view: the change waits for another teller; only cancelling is open to the maker."""

    async def run_before(pilot):
        await pilot.pause()  # the sign-in screen mounted
        await sign_in(pilot, clock)
        await open_member(pilot, BLOCKED)
        await check_identity(pilot, BLOCKED)
        await fill(pilot, **{"new-mobile": "3207778899"})
        await click(pilot, "#contacts")
        # The card scrolls to «Cancelar el cambio» once it is laid out anew (MemberScreen._reload).
        await wait_until(pilot, lambda: getattr(pilot.app.focused, "id", None) == "cancel-change", "the focus on it")
        # The scroll to it comes a refresh after the focus (Widget.scroll_visible).
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.query_one("#body").region.contains_region(
            screen.query_one("#cancel-change").region), "«Cancelar el cambio» scrolled into view")
        await pilot.pause()
        await freeze(pilot)

    assert snap_compare(teller_app(make_teller_app), terminal_size=SIZE, run_before=run_before)
