"""The teller's member card shows each message a relay gave up on (when,
channel, reason), never its body, and a reason is shown as written, never
read as markup."""

from __future__ import annotations

from sqlalchemy import update
from textual.widgets import Static

from kiosk.core import outbox
from kiosk.core.dates import local_time
from kiosk.store import transaction
from kiosk.store.models import OutboxMessage
from tests.functional.test_teller_console import SIZE, open_member, sign_in
from tests.helpers import ORDINARY, add_teller, member


async def test_the_card_shows_a_line_per_dead_message_without_its_body(make_teller_app, engine, sealer, clock):
    app = make_teller_app()
    add_teller(app.desk)
    ordinary = member(engine, ORDINARY)
    with transaction(engine) as session:
        outbox.queue(session, sealer, clock.now(), ordinary, "sms", "Progressa: su clave temporal es 482913.",
                     relayed={("progressa", "sms")})
    with transaction(engine) as session:  # as a relay leaves it when the gateway refuses the number
        session.execute(update(OutboxMessage).values(state="dead", last_error="pasarela: HTTP 400 [bold]x[/bold]"))
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, clock)
        await open_member(pilot, ORDINARY)
        data = str(app.screen.query_one("#member-data", Static).render())
    assert f"Mensaje no entregado: {local_time(clock.now())} · SMS · pasarela: HTTP 400 [bold]x[/bold]" in data
    assert "482913" not in data
