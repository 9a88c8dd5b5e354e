"""The SMTP transport against a real SMTP server on loopback (aiosmtpd, started here):
plain, STARTTLS and implicit TLS, login, the server's temporary and permanent
refusals, the same Message-ID on a repeat, and the body never in a failure."""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
import traceback
from dataclasses import dataclass, field, replace

import pytest

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.relay.smtp import SmtpTransport
from kiosk.relay.transport import Outgoing, PermanentFailure, TemporaryFailure

HOST = "127.0.0.1"
USER, PASSWORD = "kiosk-relay", "clave-de-prueba"
UNICODE_PASSWORD = "contraseña-añeja"
SECRET_CODE = "482913"
BODY = f"Su código de verificación es {SECRET_CODE}.\nSeñor Núñez, no lo comparta con nadie: ni la cooperativa se lo pedirá."
SUBJECT = "Recuperación de clave — Cooperativa Progressa (año, niño, acción)"

# Recipients the stand-in server refuses, and how.
TEMPORARY_RCPT = "lleno@example.co"
PERMANENT_RCPT = "no-existe@example.co"
TEMPORARY_DATA = "datos-luego@example.co"
PERMANENT_DATA = "datos-nunca@example.co"


def outgoing(recipient: str = "socia@example.co", key: str = "progressa-17-a1b2c3") -> Outgoing:
    return Outgoing(
        idempotency_key=key,
        institution="progressa",
        channel="email",
        recipient=recipient,
        subject=SUBJECT,
        body=BODY,
    )


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    peer: tuple
    tls: bool
    authenticated: bool


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    mechanisms: list[str] = field(default_factory=list)
    password: str = PASSWORD

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == TEMPORARY_RCPT:
            return "451 4.2.2 Buzón lleno, intente más tarde"
        if address == PERMANENT_RCPT:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if TEMPORARY_DATA in envelope.rcpt_tos:
            return "451 4.3.0 Cola llena"
        if PERMANENT_DATA in envelope.rcpt_tos:
            return "554 5.6.0 Mensaje rechazado por política"
        self.received.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=email.message_from_bytes(envelope.original_content, policy=email.policy.default),
                peer=session.peer,
                tls=server.transport.get_extra_info("ssl_object") is not None,
                authenticated=bool(session.authenticated),
            )
        )
        return "250 Message accepted"

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        self.mechanisms.append(mechanism)
        accepted = auth_data.login == USER.encode() and auth_data.password == self.password.encode()
        # handled=False: aiosmtpd answers 535 itself (the default leaves the client waiting).
        return AuthResult(success=accepted, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A throwaway self-signed certificate for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return server, client


class Server:
    """An aiosmtpd server on a free loopback port, stopped at the end of the test."""

    def __init__(self) -> None:
        self.controllers: list[Controller] = []

    def start(self, handler: Handler, port: int | None = None, **options) -> int:
        port = port or free_port()
        controller = Controller(handler, hostname=HOST, port=port, **options)
        controller.start()
        self.controllers.append(controller)
        return port

    def stop_all(self) -> None:
        while self.controllers:
            self.controllers.pop().stop()


@pytest.fixture
def server():
    running = Server()
    yield running
    running.stop_all()


def transport(port: int, **overrides) -> SmtpTransport:
    settings = dict(
        host=HOST,
        port=port,
        security="none",
        username=None,
        password=None,
        from_address="Cooperativa Progressa <no-responder@progressa.example.co>",
        reply_to="soporte@progressa.example.co",
        timeout=5.0,
    )
    settings.update(overrides)
    return SmtpTransport(**settings)


def assert_body_hidden(failure: BaseException) -> None:
    text = "".join(traceback.format_exception(failure))
    assert SECRET_CODE not in text
    assert "verificación" not in text


def test_plain_delivery_keeps_headers_accents_and_the_envelope(server):
    handler = Handler()
    port = server.start(handler)
    with transport(port) as sender:
        sender.send(outgoing())
    [got] = handler.received
    assert got.mail_from == "no-responder@progressa.example.co"
    assert got.rcpt_tos == ["socia@example.co"]
    message = got.message
    assert message["Subject"] == SUBJECT
    assert message["To"] == "socia@example.co"
    assert message["From"] == "Cooperativa Progressa <no-responder@progressa.example.co>"
    assert message["Reply-To"] == "soporte@progressa.example.co"
    assert message["Message-ID"] == "<progressa-17-a1b2c3@progressa.example.co>"
    assert message["X-Idempotency-Key"] == "progressa-17-a1b2c3"
    assert message["Date"] is not None
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n").rstrip("\n") == BODY
    assert not got.tls and not got.authenticated


def test_a_display_name_with_accents_is_encoded_and_read_back(server):
    handler = Handler()
    port = server.start(handler)
    sender_name = "Cooperativa Cootrasena — Atención al Asociado Ñ <no-responder@cootrasena.example.co>"
    with transport(port, from_address=sender_name, reply_to="Soporte Núñez <soporte@cootrasena.example.co>") as s:
        s.send(replace(outgoing(), subject="Plain ASCII subject"))
    [got] = handler.received
    assert got.message["From"] == sender_name
    assert got.message["Reply-To"] == "Soporte Núñez <soporte@cootrasena.example.co>"
    assert got.message["Subject"] == "Plain ASCII subject"
    assert got.mail_from == "no-responder@cootrasena.example.co"
    assert got.message["Message-ID"] == "<progressa-17-a1b2c3@cootrasena.example.co>"


def test_no_reply_to_header_when_none_is_configured(server):
    handler = Handler()
    port = server.start(handler)
    with transport(port, reply_to=None) as sender:
        sender.send(outgoing())
    assert "Reply-To" not in handler.received[0].message


def test_a_repeat_carries_the_same_message_id_and_reuses_the_connection(server):
    handler = Handler()
    port = server.start(handler)
    with transport(port) as sender:
        sender.send(outgoing())
        sender.send(outgoing())  # the relay retrying after a crash before marking it sent
        sender.send(outgoing(key="progressa-18-d4e5f6"))
    with transport(port) as another_relay:
        another_relay.send(outgoing())
    ids = [got.message["Message-ID"] for got in handler.received]
    assert ids[0] == ids[1] == ids[3] == "<progressa-17-a1b2c3@progressa.example.co>"
    assert ids[2] == "<progressa-18-d4e5f6@progressa.example.co>"
    peers = [got.peer for got in handler.received]
    assert peers[0] == peers[1] == peers[2], "one relay keeps one connection"
    assert peers[3] != peers[0]


def test_a_key_unfit_for_a_message_id_still_gives_one_stable_id(server):
    handler = Handler()
    port = server.start(handler)
    odd_key = "progressa/17 <a@b>"
    with transport(port) as sender:
        sender.send(outgoing(key=odd_key))
        sender.send(outgoing(key=odd_key))
    first, second = (got.message["Message-ID"] for got in handler.received)
    assert first == second
    assert first.startswith("<") and first.endswith("@progressa.example.co>")
    assert " " not in first and "/" not in first
    assert handler.received[0].message["X-Idempotency-Key"] == odd_key


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_starttls_with_login(server, certificate, mechanism):
    server_context, client_context = certificate
    handler = Handler()
    other = {"PLAIN": "LOGIN", "LOGIN": "PLAIN"}[mechanism]
    port = server.start(
        handler,
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        authenticator=handler.authenticator,
        auth_exclude_mechanism=[other],
    )
    with transport(port, security="starttls", username=USER, password=PASSWORD, ssl_context=client_context) as sender:
        sender.send(outgoing())
    [got] = handler.received
    assert got.tls and got.authenticated
    assert handler.mechanisms == [mechanism]
    assert got.message.get_content().replace("\r\n", "\n").rstrip("\n") == BODY


def test_implicit_tls_with_login(server, certificate):
    server_context, client_context = certificate
    handler = Handler()
    # aiosmtpd counts only STARTTLS as TLS for AUTH; this whole connection is TLS.
    port = server.start(
        handler,
        ssl_context=server_context,
        auth_required=True,
        auth_require_tls=False,
        authenticator=handler.authenticator,
    )
    with transport(port, security="tls", username=USER, password=PASSWORD, ssl_context=client_context) as sender:
        sender.send(outgoing())
        sender.send(outgoing(key="progressa-18-d4e5f6"))
    assert [got.tls and got.authenticated for got in handler.received] == [True, True]
    assert handler.mechanisms == ["PLAIN"], "one login for both messages"


def test_login_over_plain_text_on_loopback(server):
    handler = Handler()
    port = server.start(handler, auth_required=True, auth_require_tls=False, authenticator=handler.authenticator)
    with transport(port, username=USER, password=PASSWORD) as sender:
        sender.send(outgoing())
    assert handler.received[0].authenticated


def test_a_password_with_an_enye_logs_in_with_plain(server, certificate):
    server_context, client_context = certificate
    handler = Handler(password=UNICODE_PASSWORD)
    port = server.start(
        handler, tls_context=server_context, require_starttls=True, auth_required=True, authenticator=handler.authenticator
    )
    with transport(
        port, security="starttls", username=USER, password=UNICODE_PASSWORD, ssl_context=client_context
    ) as sender:
        sender.send(outgoing())
    assert handler.received[0].authenticated
    assert handler.mechanisms == ["PLAIN"]


def test_a_password_with_an_enye_and_no_plain_is_a_clear_temporary_failure(server, certificate):
    server_context, client_context = certificate
    handler = Handler(password=UNICODE_PASSWORD)
    port = server.start(
        handler,
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        authenticator=handler.authenticator,
        auth_exclude_mechanism=["PLAIN"],
    )
    sender = transport(port, security="starttls", username=USER, password=UNICODE_PASSWORD, ssl_context=client_context)
    with pytest.raises(TemporaryFailure, match="AUTH PLAIN") as failure:
        sender.send(outgoing())
    assert UNICODE_PASSWORD not in "".join(traceback.format_exception(failure.value))
    assert handler.received == []


def test_the_default_verification_refuses_a_self_signed_certificate(server, certificate):
    server_context, _ = certificate
    handler = Handler()
    port = server.start(handler, ssl_context=server_context)
    sender = transport(port, security="tls")
    with pytest.raises(TemporaryFailure, match="unreachable"):
        sender.send(outgoing())
    assert handler.received == []


def test_the_default_verification_refuses_a_self_signed_certificate_after_starttls(server, certificate):
    server_context, _ = certificate
    handler = Handler()
    port = server.start(
        handler, tls_context=server_context, require_starttls=True, auth_required=True, authenticator=handler.authenticator
    )
    sender = transport(port, security="starttls", username=USER, password=PASSWORD)
    with pytest.raises(TemporaryFailure, match="(?i)certificate") as failure:
        sender.send(outgoing())
    assert PASSWORD not in "".join(traceback.format_exception(failure.value))
    assert handler.received == [] and handler.mechanisms == []


def test_threads_sharing_one_transport_each_get_their_message_through(server):
    handler = Handler()
    port = server.start(handler)
    failures: list[BaseException] = []

    def send_many(thread: int) -> None:
        try:
            for i in range(25):
                sender.send(outgoing(key=f"hilo-{thread}-{i}"))
        except BaseException as error:  # reported below
            failures.append(error)

    with transport(port) as sender:
        threads = [threading.Thread(target=send_many, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    keys = sorted(got.message["X-Idempotency-Key"] for got in handler.received)
    assert keys == sorted(f"hilo-{t}-{i}" for t in range(4) for i in range(25))


def test_starttls_asked_but_not_offered_never_falls_back_to_plain_text(server):
    handler = Handler()
    port = server.start(handler)  # no tls_context: no STARTTLS in the EHLO reply
    sender = transport(port, security="starttls", username=USER, password=PASSWORD)
    with pytest.raises(TemporaryFailure, match="STARTTLS") as failure:
        sender.send(outgoing())
    assert handler.received == [] and handler.mechanisms == []
    assert PASSWORD not in str(failure.value)


def test_a_wrong_password_is_temporary_and_says_so(server, certificate):
    """Every message would hit a wrong password alike: the queue waits for the fix
    instead of dead-lettering every member's message."""
    server_context, client_context = certificate
    handler = Handler()
    port = server.start(
        handler,
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        authenticator=handler.authenticator,
    )
    sender = transport(port, security="starttls", username=USER, password="otra-clave", ssl_context=client_context)
    with pytest.raises(TemporaryFailure, match="refused the login") as failure:
        sender.send(outgoing())
    assert "otra-clave" not in "".join(traceback.format_exception(failure.value))
    assert_body_hidden(failure.value)
    assert handler.received == []


@pytest.mark.parametrize(
    ("recipient", "kind", "code"),
    [
        (TEMPORARY_RCPT, TemporaryFailure, "451"),
        (PERMANENT_RCPT, PermanentFailure, "550"),
        (TEMPORARY_DATA, TemporaryFailure, "451"),
        (PERMANENT_DATA, PermanentFailure, "554"),
    ],
)
def test_server_refusals_are_mapped_and_the_connection_stays_usable(server, recipient, kind, code):
    handler = Handler()
    port = server.start(handler)
    with transport(port) as sender:
        with pytest.raises(kind) as failure:
            sender.send(outgoing(recipient=recipient))
        sender.send(outgoing())
    assert code in str(failure.value)
    assert not isinstance(failure.value, PermanentFailure if kind is TemporaryFailure else TemporaryFailure)
    assert_body_hidden(failure.value)
    [got] = handler.received
    assert got.rcpt_tos == ["socia@example.co"]


def test_a_kept_connection_the_server_dropped_is_opened_again(server):
    handler = Handler()
    port = server.start(handler)
    with transport(port) as sender:
        sender.send(outgoing())
        server.stop_all()  # the server restarts: the kept connection is dead
        server.start(handler, port=port)
        sender.send(outgoing(key="progressa-18-d4e5f6"))
    assert [got.message["X-Idempotency-Key"] for got in handler.received] == [
        "progressa-17-a1b2c3",
        "progressa-18-d4e5f6",
    ]
    assert handler.received[0].peer != handler.received[1].peer


class ClosingHandler(Handler):
    """Answers 421 (closing) to the next MAIL FROM, as a server that timed out an idle session."""

    def __init__(self) -> None:
        super().__init__()
        self.closing = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.closing:
            self.closing -= 1
            return "421 4.4.2 Timeout exceeded, closing connection"
        envelope.mail_from = address
        return "250 OK"


def test_a_kept_connection_answered_421_is_opened_again(server):
    handler = ClosingHandler()
    port = server.start(handler)
    with transport(port) as sender:
        sender.send(outgoing())
        handler.closing = 1
        sender.send(outgoing(key="progressa-18-d4e5f6"))
    assert len(handler.received) == 2
    assert handler.received[0].peer != handler.received[1].peer


def test_a_421_on_a_fresh_connection_is_temporary(server):
    handler = ClosingHandler()
    handler.closing = 1
    port = server.start(handler)
    with transport(port) as sender:
        with pytest.raises(TemporaryFailure, match="421") as failure:
            sender.send(outgoing())
        sender.send(outgoing())  # the next message opens a new connection
    assert_body_hidden(failure.value)
    assert len(handler.received) == 1


def test_nothing_listening_is_temporary():
    sender = transport(free_port())
    with pytest.raises(TemporaryFailure, match="unreachable") as failure:
        sender.send(outgoing())
    assert_body_hidden(failure.value)


def test_a_server_that_never_answers_times_out_as_temporary():
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    try:
        sender = transport(listener.getsockname()[1], timeout=0.5)
        with pytest.raises(TemporaryFailure) as failure:
            sender.send(outgoing())
        assert "timed out" in str(failure.value).lower() or "Timeout" in str(failure.value)
        assert_body_hidden(failure.value)
    finally:
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_line_break_in_a_header_is_permanent_and_nothing_is_sent(server):
    handler = Handler()
    port = server.start(handler)
    injected = replace(outgoing(), subject="Hola\r\nBcc: extraño@example.co")
    with transport(port) as sender:
        with pytest.raises(PermanentFailure) as failure:
            sender.send(injected)
    assert_body_hidden(failure.value)
    assert handler.received == []


def test_configuration_errors_are_caught_when_the_transport_is_built():
    with pytest.raises(ValueError, match="unencrypted"):
        transport(25, host="mail.progressa.example.co", username=USER, password=PASSWORD)
    with pytest.raises(ValueError, match="security"):
        transport(25, security="ssl")
    with pytest.raises(ValueError, match="no password"):
        transport(25, security="starttls", username=USER, password=None)
    with pytest.raises(ValueError, match="no domain"):
        transport(25, from_address="no-responder")
