"""The relay in one process (kiosk.relay, issue 23): every message kind
reaches its transport once, with its idempotency key; temporary failures are
retried after a pause, permanent ones end dead with the reason; an expired
code is never sent late; a relay that lost its claim marks nothing; with no
delivery file nothing is queued or claimed; bodies stay sealed at rest."""

from __future__ import annotations

import threading
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, col, select

from kiosk.core import outbox
from kiosk.core.service import KioskService
from kiosk.core.teller import TellerDesk
from kiosk.flow.profile import available_profiles, load_profile
from kiosk.relay import claims
from kiosk.relay.config import Pace
from kiosk.relay.gateway import JsonGateway
from kiosk.relay.smtp import SmtpTransport
from kiosk.relay.status import relay_status
from kiosk.relay.transport import Outgoing
from kiosk.relay.worker import Relay
from kiosk.screens.registry import STEP_SCREENS
from kiosk.store.models import Member, OutboxMessage
from tests.conftest import TELLER_SECRET
from tests.gateway_standin import GatewayStandIn
from tests.functional.test_smtp_transport import free_port
from tests.functional.test_questions import EMAIL as GLORIA_EMAIL, GLORIA, right_answers
from tests.helpers import ORDINARY, VISIT, add_teller, captcha_token, member, signed_in_teller

INSTITUTIONS = available_profiles()
EVERY_ROUTE = frozenset((i, c) for i in INSTITUTIONS for c in ("sms", "email"))


class MailBox:
    """A fake e-mail transport, for the tests of retries and claims."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def send(self, message: Outgoing) -> None:
        self.sent.append(message)


class SmtpMailBox:
    """The real e-mail transport to a real SMTP server on loopback (aiosmtpd):
    ``sent`` is what the server received, read back from the mail itself."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        mailbox = self

        class Accept:
            async def handle_DATA(self, server, session, envelope):
                mail = message_from_bytes(envelope.content, policy=policy.default)
                mailbox.sent.append(Outgoing(
                    idempotency_key=mail["X-Idempotency-Key"], institution="", channel="email",
                    recipient=envelope.rcpt_tos[0], subject=mail["Subject"],
                    body=mail.get_content().replace("\r\n", "\n").rstrip("\n"),
                ))
                return "250 OK"

        port = free_port()
        self._server = Controller(Accept(), hostname="127.0.0.1", port=port)
        self._server.start()
        self.transport = SmtpTransport(host="127.0.0.1", port=port, security="none", username=None, password=None,
                                       from_address="kiosco@progressa.coop", reply_to=None)

    def send(self, message: Outgoing) -> None:
        self.transport.send(message)

    def close(self) -> None:
        self.transport.close()
        self._server.stop()


@pytest.fixture
def gateway():
    with GatewayStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def mailbox():
    return MailBox()


@pytest.fixture
def smtp_mailbox():
    mailbox = SmtpMailBox()
    yield mailbox
    mailbox.close()


@pytest.fixture
def relayed_for(engine, hasher, sealer, clock, service_for):
    """An institution's core whose messages a relay delivers (the demo store seeded)."""
    service_for("progressa")  # seeds the demo members

    def make(slug: str = "progressa") -> KioskService:
        profile = load_profile(slug, step_types=set(STEP_SCREENS))
        return KioskService(engine, hasher, sealer, clock, profile.slug, profile.name, relayed=EVERY_ROUTE)

    return make


@pytest.fixture
def relay_for(engine, sealer, clock, gateway, mailbox):
    def make(pace: Pace | None = None, name: str = "relay-a", email=None) -> Relay:
        sms = JsonGateway(url=gateway.url, token=gateway.token, timeout=5)
        routes = {(i, "sms"): sms for i in INSTITUTIONS} | {(i, "email"): email or mailbox for i in INSTITUTIONS}
        return Relay(engine, sealer, routes, clock=clock, pace=pace or Pace(batch=7), name=name)

    return make


def rows(engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def send_code(service: KioskService, document: str = ORDINARY, channel: str = "sms") -> None:
    service.send_temporary_key(service.identify(document), channel, 6, timedelta(minutes=10))


@pytest.mark.both_stores
def test_every_message_kind_of_every_institution_is_delivered_once(
    relayed_for, relay_for, gateway, smtp_mailbox, engine, hasher, sealer, clock
):
    """SMS to the gateway stand-in, e-mail over SMTP to a real server on loopback."""
    mailbox = smtp_mailbox
    progressa = relayed_for("progressa")
    identity = progressa.identify(ORDINARY)
    send_code(progressa, channel="sms")  # a temporary key by SMS
    clock.advance(minutes=2)
    send_code(progressa, "1020304050", channel="email")  # ...by e-mail (another member: one key retires the other)
    clock.advance(minutes=2)
    progressa.send_confirmation_code(identity, "key_change", 6, timedelta(minutes=5))
    clock.advance(minutes=2)
    progressa.send_recovery_link(identity, 6, timedelta(hours=24), "6 números")  # a link with a temporary key
    cooperen = relayed_for("cooperen")  # the right answers: a new temporary password by e-mail
    gloria = cooperen.identify(GLORIA)
    asked = cooperen.recovery_questions(gloria)
    cooperen.answer_questions(gloria, GLORIA_EMAIL, captcha=captcha_token(cooperen), visit=VISIT,
                              answers=right_answers(asked))
    desk = TellerDesk(
        engine, hasher, sealer, clock, "progressa", "Progressa", temporary_key_length=6,
        new_secret=lambda: TELLER_SECRET, relayed=EVERY_ROUTE,
    )
    add_teller(desk)
    teller = signed_in_teller(desk, clock)
    ordinary = member(engine, ORDINARY)
    desk.record_identity_check(teller, ordinary.id, "CC", ORDINARY)
    desk.issue_temporary_key(teller, ordinary.id)  # the office's temporary key
    desk.update_contacts(teller, ordinary.id, "320 555 1234", "ana.nueva@mail.com")  # notices to the current contacts
    for slug in INSTITUTIONS:  # a security notice to every member of every institution
        service = relayed_for(slug)
        with Session(engine) as session:
            members = list(session.exec(select(Member).where(Member.institution == slug)))
        for each in members:
            service.core.write(
                lambda s, now, m=each: service.core.notify(s, now, m, "{name}: aviso de seguridad {date}.", "Aviso"),
            )
    queued = rows(engine)
    assert {m.state for m in queued} == {"queued"}
    assert {m.institution for m in queued} == set(INSTITUTIONS)

    assert relay_for(email=smtp_mailbox).drain() == len(queued)

    delivered = rows(engine)
    assert {m.state for m in delivered} == {"sent"}
    assert all(m.sent_at is not None and m.claimed_by is None and m.attempts == 1 for m in delivered)
    by_key = {m.idempotency_key: m for m in delivered}
    assert len(by_key) == len(delivered)  # one key per message
    assert all(count == 1 for count in gateway.keys().values())
    sms = [m for m in delivered if m.channel == "sms"]
    assert sorted(gateway.keys()) == sorted(m.idempotency_key for m in sms)
    for request in gateway.received:
        message = by_key[request.payload["idempotency_key"]]
        assert request.authorization == f"Bearer {gateway.token}"
        assert request.idempotency_header == message.idempotency_key
        assert request.payload == {
            "idempotency_key": message.idempotency_key, "to": message.recipient,
            "text": sealer.open(message.sealed_body), "institution": message.institution,
        }
    emails = [m for m in delivered if m.channel == "email"]
    assert sorted(m.idempotency_key for m in mailbox.sent) == sorted(m.idempotency_key for m in emails)
    assert all(by_key[m.idempotency_key].subject == m.subject for m in mailbox.sent)
    bodies = [r.payload["text"] for r in gateway.received] + [m.body for m in mailbox.sent]
    for kind in ("su clave temporal es", "su código de seguridad es", "siga este enlace", "su contraseña fue cambiada",
                 "Nadie de la entidad se la pedirá", "se pidió en una oficina cambiar", "aviso de seguridad"):
        assert any(kind in body for body in bodies), kind
    # What carries a code, key or link expires with it; notices do not.
    notices = ("Aviso", "Solicitud de cambio de contactos", "Clave cambiada")
    assert all((m.expires_at is None) == (m.subject in notices) for m in delivered), [
        (m.subject, m.expires_at) for m in delivered
    ]
    assert relay_for(name="relay-b").drain() == 0  # nothing left: nothing sent twice


def test_with_no_delivery_file_messages_stay_simulated_and_nothing_is_claimed(service_for, relay_for, gateway, engine):
    send_code(service_for("progressa"))  # a kiosk built without relayed routes: the demo as always
    [message] = rows(engine)
    assert message.state == "simulated" and message.next_attempt_at is None
    assert relay_for().drain() == 0
    assert gateway.received == [] and rows(engine)[0].state == "simulated"
    assert outbox.recent(Session(engine), relay_for().sealer)[0].body.startswith("Progressa: su clave temporal")


def test_a_route_the_relay_does_not_serve_stays_queued(relayed_for, engine, sealer, clock, gateway):
    send_code(relayed_for("progressa"))
    only_email = Relay(engine, sealer, {("progressa", "email"): MailBox()}, clock=clock)
    assert only_email.drain() == 0
    assert rows(engine)[0].state == "queued" and gateway.received == []


@pytest.mark.both_stores
def test_a_temporary_failure_is_retried_after_a_growing_pause_with_the_same_key(relayed_for, relay_for, gateway, engine, clock):
    send_code(relayed_for("progressa"))
    gateway.fail_next(503, 429)
    relay = relay_for(pace=Pace(backoff_seconds=10, backoff_max_seconds=1000))
    relay.drain()
    [message] = rows(engine)
    assert (message.state, message.attempts, message.last_error) == ("queued", 1, "pasarela: HTTP 503")
    first_pause = (message.next_attempt_at - clock.now()).total_seconds()
    assert 5 <= first_pause <= 10  # half to all of the first pause: jitter
    assert relay.drain() == 0  # not due yet
    clock.advance(seconds=first_pause)
    relay.drain()
    [message] = rows(engine)
    assert (message.state, message.attempts, message.last_error) == ("queued", 2, "pasarela: HTTP 429")
    second_pause = (message.next_attempt_at - clock.now()).total_seconds()
    assert 10 <= second_pause <= 20
    clock.advance(seconds=second_pause)
    relay.drain()
    [message] = rows(engine)
    assert (message.state, message.attempts, message.last_error) == ("sent", 3, None)
    assert gateway.keys() == {message.idempotency_key: 3}


def test_the_backoff_doubles_up_to_its_cap(relay_for):
    relay = relay_for(pace=Pace(backoff_seconds=5, backoff_max_seconds=60))
    for attempts, (low, high) in {1: (2.5, 5), 2: (5, 10), 3: (10, 20), 4: (20, 40), 9: (30, 60)}.items():
        pauses = [relay.backoff(attempts).total_seconds() for _ in range(50)]
        assert all(low <= p <= high for p in pauses) and len(set(pauses)) > 1


@pytest.mark.both_stores
def test_a_permanent_failure_is_dead_with_its_reason_and_never_tried_again(relayed_for, relay_for, gateway, engine, clock):
    send_code(relayed_for("progressa"))
    gateway.refuse("3111234567", 400)
    relay = relay_for()
    relay.drain()
    [message] = rows(engine)
    assert (message.state, message.last_error, message.sent_at) == ("dead", "pasarela: HTTP 400", None)
    clock.advance(hours=1)
    relay.drain()
    assert len(gateway.received) == 1


def test_after_the_last_attempt_a_message_is_dead(relayed_for, relay_for, gateway, engine, clock):
    send_code(relayed_for("progressa"))
    gateway.fail_next(*[500] * 10)
    relay = relay_for(pace=Pace(max_attempts=3, backoff_seconds=1))
    for _ in range(5):
        relay.drain()
        clock.advance(seconds=10)
    [message] = rows(engine)
    assert (message.state, message.attempts) == ("dead", 3)
    assert message.last_error == "3 intentos; el último: pasarela: HTTP 500"
    assert len(gateway.received) == 3


def test_a_refused_gateway_token_is_permanent(relayed_for, relay_for, gateway, engine):
    send_code(relayed_for("progressa"))
    wrong = JsonGateway(url=gateway.url, token="not-the-token", timeout=5)
    relay = relay_for()
    relay.transports[("progressa", "sms")] = wrong
    relay.drain()
    assert (rows(engine)[0].state, rows(engine)[0].last_error) == ("dead", "pasarela: HTTP 401")


def test_no_gateway_listening_is_temporary(relayed_for, relay_for, engine):
    send_code(relayed_for("progressa"))
    relay = relay_for()
    relay.transports[("progressa", "sms")] = JsonGateway(url="http://127.0.0.1:9/v1/messages", token="t", timeout=2)
    relay.drain()
    [message] = rows(engine)
    assert message.state == "queued" and message.last_error.startswith("pasarela: sin conexión")


@pytest.mark.both_stores
def test_an_expired_code_is_never_sent_late(relayed_for, relay_for, gateway, engine, clock):
    send_code(relayed_for("progressa"))  # valid 10 minutes
    clock.advance(minutes=10)
    relay_for().drain()
    [message] = rows(engine)
    assert (message.state, message.last_error) == ("dead", claims.EXPIRED)
    assert gateway.received == []


def test_a_code_that_expires_while_it_waits_to_be_retried_is_not_sent(relayed_for, relay_for, gateway, engine, clock):
    send_code(relayed_for("progressa"))
    gateway.fail_next(503)
    relay = relay_for(pace=Pace(backoff_seconds=400))
    relay.drain()
    clock.advance(minutes=11)
    relay.drain()
    assert (rows(engine)[0].state, rows(engine)[0].last_error) == ("dead", claims.EXPIRED)
    assert len(gateway.received) == 1


def test_a_relay_whose_claim_lapsed_marks_nothing(relayed_for, engine, clock, gateway):
    send_code(relayed_for("progressa"))
    routes = [("progressa", "sms")]
    [first] = claims.claim(engine, "relay-a:1", clock.now(), routes, 10, timedelta(seconds=30), 8)
    assert claims.claim(engine, "relay-b:1", clock.now(), routes, 10, timedelta(seconds=30), 8) == []  # held
    clock.advance(seconds=31)  # relay A is presumed dead
    [second] = claims.claim(engine, "relay-b:1", clock.now(), routes, 10, timedelta(seconds=30), 8)
    assert second.idempotency_key == first.idempotency_key and second.attempts == 2
    assert not claims.mark_sent(engine, first, "relay-a:1", clock.now())  # A wakes up: not its claim any more
    assert not claims.mark_dead(engine, first, "relay-a:1", "x")
    assert rows(engine)[0].state == "sending" and rows(engine)[0].claimed_by == "relay-b:1"
    assert claims.mark_sent(engine, second, "relay-b:1", clock.now())
    assert rows(engine)[0].state == "sent"


def test_stopping_finishes_the_message_in_hand_and_gives_back_the_rest(relayed_for, relay_for, engine):
    for document in ("1010123456", "1020304050", "1040506070"):
        relayed_for("progressa").core.write(
            lambda s, now, d=document: relayed_for("progressa").core.notify(s, now, member(engine, d), "{name}: aviso", "Aviso")
        )
    relay = relay_for()

    class StopsWhileSending(MailBox):
        def send(self, message: Outgoing) -> None:
            relay.stop.set()  # SIGTERM arrives while this message is in hand
            super().send(message)

    stopper = StopsWhileSending()
    relay.transports = {k: stopper for k in relay.transports}
    assert relay.drain() == 3
    states = [(m.state, m.attempts, m.claimed_by) for m in rows(engine)]
    assert states == [("sent", 1, None), ("queued", 0, None), ("queued", 0, None)]
    assert len(stopper.sent) == 1


def test_a_transport_that_crashes_is_retried_not_the_relay_s_end(relayed_for, relay_for, engine):
    send_code(relayed_for("progressa"))

    class Broken:
        def send(self, message: Outgoing) -> None:
            raise RuntimeError("bug")

    relay = relay_for()
    relay.transports[("progressa", "sms")] = Broken()
    relay.drain()
    assert (rows(engine)[0].state, rows(engine)[0].last_error) == ("queued", "error del transporte: RuntimeError")


def test_bodies_stay_sealed_at_rest(relayed_for, relay_for, gateway, engine):
    send_code(relayed_for("progressa"))
    relay_for().drain()
    [request] = gateway.received
    text = request.payload["text"]
    assert "su clave temporal es" in text
    engine.dispose()
    database = Path(engine.url.database)
    for path in (database, Path(f"{database}-wal")):
        if path.exists():
            assert text.encode() not in path.read_bytes()
            assert b"su clave temporal" not in path.read_bytes()


@pytest.mark.both_stores
def test_status_counts_per_channel_latency_and_dead_letters(relayed_for, relay_for, gateway, engine, clock):
    progressa = relayed_for("progressa")
    send_code(progressa, channel="sms")
    send_code(relayed_for("cootrasena"), "52345678", channel="email")
    relay_for().drain()
    clock.advance(minutes=3)
    send_code(progressa, channel="email")
    gateway.refuse("3111234567", 404)
    clock.advance(minutes=3)
    progressa.send_confirmation_code(progressa.identify(ORDINARY), "key_change", 6, timedelta(minutes=5))
    clock.advance(seconds=2)
    relay_for().drain()
    with Session(engine) as session:
        status = relay_status(session, clock.now())
    by_channel = {c.channel: c for c in status.channels}
    assert (by_channel["sms"].sent, by_channel["sms"].dead, by_channel["sms"].queued) == (1, 1, 0)
    assert (by_channel["email"].sent, by_channel["email"].dead) == (2, 0)
    # created → sent: at once (the first drain), and 3 min 2 s (queued between the two drains)
    assert by_channel["email"].p50_seconds == 0 and by_channel["email"].p95_seconds == 182.0
    [letter] = status.dead_letters
    assert (letter.channel, letter.reason) == ("sms", "pasarela: HTTP 404")


@pytest.mark.both_stores
def test_dead_letters_reach_the_teller_s_card_and_the_supervisor_s_figures(
    relayed_for, relay_for, gateway, engine, hasher, sealer, clock
):
    from datetime import date

    from kiosk.core.supervision import Scope, all_figures

    progressa = relayed_for("progressa")
    send_code(progressa)  # refused by the gateway: dead
    send_code(progressa, "1020304050", channel="email")  # sent
    gateway.refuse("3111234567", 400)
    relay_for().drain()
    desk = TellerDesk(
        engine, hasher, sealer, clock, "progressa", "Progressa", temporary_key_length=6,
        new_secret=lambda: TELLER_SECRET, relayed=EVERY_ROUTE,
    )
    add_teller(desk)
    teller = signed_in_teller(desk, clock)
    ordinary = member(engine, ORDINARY)
    card = desk.member_card(teller, ordinary.id)
    [(at, channel, reason)] = card.undelivered
    assert (channel, reason) == ("sms", "pasarela: HTTP 400") and at <= clock.now()
    assert "clave temporal es" not in repr(card)  # the body never reaches the desk
    assert desk.member_card(teller, member(engine, "1020304050").id).undelivered == ()

    day = clock.now().date()
    figures = all_figures(engine, Scope(day, day, institution="progressa"))
    assert figures["message_delivery"] == [
        {"channel": "email", "state": "sent", "reason": "", "count": 1},
        {"channel": "sms", "state": "dead", "reason": "pasarela: HTTP 400", "count": 1},
    ]
    assert all_figures(engine, Scope(day, day, institution="cooperen"))["message_delivery"] == []
    assert all_figures(engine, Scope(date(2026, 1, 1), date(2026, 1, 2)))["message_delivery"] == []


@pytest.mark.both_stores
def test_a_newer_code_replaces_one_still_waiting_so_a_retired_code_never_arrives_last(
    relayed_for, relay_for, gateway, engine, clock
):
    progressa = relayed_for("progressa")
    identity = progressa.identify(ORDINARY)
    send_code(progressa)
    progressa.send_confirmation_code(identity, "key_change", 6, timedelta(minutes=5))  # another purpose
    gateway.fail_next(503, 503)  # the gateway is down: both wait to be tried again
    relay = relay_for(pace=Pace(backoff_seconds=60))
    relay.drain()
    clock.advance(seconds=31)  # the member asks again: a new temporary key retires the first
    send_code(progressa)
    first, confirmation, second = rows(engine)
    assert (first.state, first.last_error) == ("dead", outbox.SUPERSEDED)
    assert confirmation.state == "queued" and second.state == "queued"
    clock.advance(minutes=2)
    relay.drain()
    assert [m.state for m in rows(engine)] == ["dead", "sent", "sent"]
    assert gateway.keys() == {first.idempotency_key: 1, confirmation.idempotency_key: 2, second.idempotency_key: 1}


def outgoing(number: int) -> Outgoing:
    return Outgoing(f"key-{number}", "progressa", "sms", "3111234567", "", f"mensaje {number}")


def test_the_gateway_adapter_keeps_its_connection_and_makes_a_dropped_one_again():
    from kiosk.relay.transport import TemporaryFailure

    with GatewayStandIn(drop_after_each=True) as dropping:  # closes each connection without saying so
        adapter = JsonGateway(url=dropping.url, token=dropping.token, timeout=5)
        for number in range(3):
            adapter.send(outgoing(number))
        assert dropping.keys() == {"key-0": 1, "key-1": 1, "key-2": 1}
    with GatewayStandIn() as slow:
        slow.delay = 2
        adapter = JsonGateway(url=slow.url, token=slow.token, timeout=0.5)
        with pytest.raises(TemporaryFailure, match="sin respuesta a tiempo"):
            adapter.send(outgoing(9))


def test_the_gateway_adapter_follows_no_redirect():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from kiosk.relay.transport import PermanentFailure

    class Redirects(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.send_response(307)
            self.send_header("Location", "http://127.0.0.1:9/steal-the-token")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirects)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        adapter = JsonGateway(url=f"http://127.0.0.1:{server.server_address[1]}/", token="t", timeout=5)
        with pytest.raises(PermanentFailure, match="HTTP 307"):
            adapter.send(outgoing(1))
    finally:
        server.shutdown()
        server.server_close()
