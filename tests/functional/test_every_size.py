"""Every step screen of every institution fits at the four terminal sizes a
branch kiosk may have: nothing below the fold, nothing past the card's right
edge, no field or button cut.  The kiosk is put on each step as a visit would
be (a demo member identified and logged in), one app per institution and size."""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.widget import Widget

from kiosk.demo_members import demo_members
from kiosk.flow.profile import available_profiles

SIZES = [(80, 24), (100, 30), (120, 36), (160, 48)]


def ordinary_member(slug: str):
    """A demo member of ``slug`` with a working key: identified and logged in, every step can be shown."""
    return next(m for m in demo_members() if m.institution == slug and m.key and not m.blocked and not m.temporary_key)


def misfits(screen) -> list[str]:
    card = screen.query_one("#card")
    problems = []
    if card.max_scroll_y > 0:
        problems.append(f"card scrolls by {card.max_scroll_y} rows")
    if card.max_scroll_x > 0:
        problems.append(f"card scrolls by {card.max_scroll_x} columns")
    visible = card.region.intersection(Region(0, 0, *screen.size))
    for widget in screen.query("#card Input, #card Button, #card Select, #card RadioSet, #card KeyGrid").results(Widget):
        if not widget.display or not widget.region.area:
            continue
        if not visible.contains_region(widget.region):
            problems.append(f"{widget!r} at {tuple(widget.region)} outside the card's {tuple(visible)}")
    return problems


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("slug", available_profiles())
async def test_every_step_fits(slug, size, make_app, service_for):
    app = make_app(institution=slug)
    app.composes_ahead = False  # each step is made as the test goes to it: nothing made ahead is used
    member = ordinary_member(slug)
    found: dict[str, list[str]] = {}
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        service = app.service
        for step in app.runner.profile.steps:
            identity = service.identify(member.document, "CC")
            app.runner.context.identity = identity
            app.runner.context.proof = service.login(identity, member.key).proof
            app.runner.context.shown_key = "4821"
            app.runner.context.channel = "sms"  # as chosen before a step that sends by «choice»
            app.runner.go(step.id)
            for _ in range(40):
                await pilot.pause(0.05)
                await app.workers.wait_for_complete()
                if getattr(app.screen, "step", None) is step:
                    break
            assert getattr(app.screen, "step", None) is step, f"{step.id} never shown: {app.screen!r}"
            await pilot.pause()
            if problems := misfits(app.screen):
                found[step.id] = problems
            app.return_to_welcome()
            await pilot.pause()
    assert not found, "\n".join(f"{slug} {step}: {'; '.join(p)}" for step, p in found.items())
