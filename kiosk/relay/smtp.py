"""E-mail over SMTP.

One connection is kept open and reused from message to message (a new TCP and
TLS handshake per message would not reach 200 messages a second); it is
dropped on any failure that may leave it in an unknown state and opened again
on the next message.  Every attempt at the same outbox message carries the
same ``Message-ID``, so a repeat after a crash is recognisable as a repeat.

Failure reasons name the server's reply code and text, never the body: the
body carries a member's code or temporary key."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import smtplib
import ssl
import threading
from email.charset import QP, Charset
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr

from kiosk.relay.loopback import is_loopback
from kiosk.relay.transport import Outgoing, PermanentFailure, TemporaryFailure

SECURITIES = ("starttls", "tls", "none")
# Reply codes that close the session: the connection must not be reused.
_SERVICE_CLOSING = 421
_MESSAGE_ID_SAFE = re.compile(r"[A-Za-z0-9._-]{1,128}")
_REPLY_LIMIT = 200
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP

log = logging.getLogger(__name__)


def message_id(idempotency_key: str, domain: str) -> str:
    """The Message-ID of every attempt at one outbox message."""
    local = idempotency_key
    if not _MESSAGE_ID_SAFE.fullmatch(local):
        local = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{local}@{domain}>"


class SmtpTransport:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        username: str | None,
        password: str | None,
        from_address: str,
        reply_to: str | None,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITIES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITIES)}, not {security!r}")
        if username and password is None:
            raise ValueError(f"SMTP user {username!r} has no password")
        if username and security == "none" and not is_loopback(host):
            raise ValueError(f"refusing to send the SMTP password unencrypted to {host}: use starttls or tls")
        envelope_from = parseaddr(from_address)[1]
        if "@" not in envelope_from:
            raise ValueError(f"the SMTP from address {from_address!r} has no domain")
        self._host = host
        self._port = port
        self._security = security
        self._username = username
        self._password = password
        self._envelope_from = envelope_from
        self._domain = envelope_from.rsplit("@", 1)[1]
        self._from_header = _address_header(from_address)
        self._reply_to_header = _address_header(reply_to) if reply_to else None
        self._timeout = timeout
        # Production keeps the default: the server's certificate and name are verified.
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._connection: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> None:
        email = self._compose(message)
        with self._lock:
            for _ in range(2):
                kept = self._connection is not None
                connection = self._connected()
                try:
                    connection.send_message(email, from_addr=self._envelope_from, to_addrs=[message.recipient])
                    return
                except smtplib.SMTPServerDisconnected as error:
                    self._drop()
                    if kept:
                        # A kept connection the server closed while idle: one try on a fresh one.
                        log.info("SMTP %s:%s closed the kept connection; reconnecting", self._host, self._port)
                        continue
                    raise TemporaryFailure(f"SMTP {self._host}:{self._port} disconnected: {error}") from error
                except Exception as error:
                    if kept and _closing(error):
                        # A server that timed out a kept connection answers 421 to the next command.
                        self._drop()
                        continue
                    raise self._sending_failure(error) from error
            raise TemporaryFailure(f"SMTP {self._host}:{self._port} closed the connection twice")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                try:
                    self._connection.quit()
                except (smtplib.SMTPException, OSError):
                    pass
                self._drop()

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _compose(self, message: Outgoing) -> MIMEText:
        headers = (message.recipient, message.subject, message.idempotency_key)
        if any("\r" in value or "\n" in value for value in headers):
            # A line break in a header (an injection attempt or a bad record): no retry fixes it.
            raise PermanentFailure("the recipient, subject or key cannot be written as a mail header")
        # compat32 MIMEText rather than EmailMessage: the header registry's parsing cost
        # several milliseconds a message, a third of the time to a local server.
        # Quoted-printable UTF-8: the accents and the ñ pass through any server, 8BITMIME or not.
        email = MIMEText(message.body, "plain", _UTF8)
        email["From"] = self._from_header
        email["To"] = message.recipient
        if self._reply_to_header:
            email["Reply-To"] = self._reply_to_header
        email["Subject"] = Header(message.subject, "utf-8") if not message.subject.isascii() else message.subject
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = message_id(message.idempotency_key, self._domain)
        email["X-Idempotency-Key"] = message.idempotency_key
        return email

    def _connected(self) -> smtplib.SMTP:
        if self._connection is None:
            self._connection = self._open()
        return self._connection

    def _open(self) -> smtplib.SMTP:
        """A logged-in connection; every failure here is the relay's, not the message's,
        so it is temporary."""
        where = f"SMTP {self._host}:{self._port}"
        try:
            if self._security == "tls":
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    self._host, self._port, timeout=self._timeout, context=self._ssl_context
                )
            else:
                connection = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"{where} unreachable: {_describe(error)}") from error
        try:
            connection.ehlo()
            if self._security == "starttls":
                # Never falls back to plain text: no STARTTLS offered is a failure.
                connection.starttls(context=self._ssl_context)
                connection.ehlo()
            if self._username:
                self._login(connection, self._username, self._password or "")
        except smtplib.SMTPAuthenticationError as error:
            connection.close()
            # A wrong user or password is a configuration error every message hits
            # alike.  Temporary, so the queue waits for an administrator to fix it
            # instead of dead-lettering every member's message; the reason says so.
            raise TemporaryFailure(
                f"{where} refused the login of {self._username!r} ({error.smtp_code}): "
                "check the username and the password variable"
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            connection.close()
            raise TemporaryFailure(f"{where} does not offer what the configuration asks for: {error}") from error
        except (smtplib.SMTPException, OSError) as error:
            connection.close()
            raise TemporaryFailure(f"{where} failed while opening the session: {_describe(error)}") from error
        return connection

    @staticmethod
    def _login(connection: smtplib.SMTP, username: str, password: str) -> None:
        if (username + password).isascii():
            connection.login(username, password)
            return
        # smtplib writes credentials as ASCII only; AUTH PLAIN (RFC 4616) carries UTF-8.
        if "PLAIN" not in connection.esmtp_features.get("auth", "").upper().split():
            raise smtplib.SMTPNotSupportedError("a user or password with non-ASCII letters needs AUTH PLAIN")
        token = base64.b64encode(b"\0" + username.encode() + b"\0" + password.encode()).decode("ascii")
        code, reply = connection.docmd("AUTH", "PLAIN " + token)
        if code not in (235, 503):  # 503: already logged in, as smtplib counts it
            raise smtplib.SMTPAuthenticationError(code, reply)

    def _sending_failure(self, error: Exception) -> Exception:
        where = f"SMTP {self._host}:{self._port}"
        code: int | None = None
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            code, reply = next(iter(error.recipients.values()))
            text = f"{where} refused the recipient ({code} {_reply(reply)})"
        elif isinstance(error, smtplib.SMTPResponseException):
            code = error.smtp_code
            text = f"{where} refused the message ({code} {_reply(error.smtp_error)})"
        elif isinstance(error, smtplib.SMTPNotSupportedError):
            # The recipient needs SMTPUTF8 and this server does not offer it.
            return PermanentFailure(f"{where} cannot carry this recipient: {error}")
        else:
            self._drop()
            return TemporaryFailure(f"{where} failed while sending: {_describe(error)}")
        # smtplib has reset the transaction after a refusal: the connection stays
        # usable unless the server said it is closing.
        if _closing(error):
            self._drop()
        if 400 <= code < 500:
            return TemporaryFailure(text)
        return PermanentFailure(text)

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except OSError:
                pass
        self._connection = None


def _address_header(address: str) -> str:
    """``Name <addr>`` with a non-ASCII name encoded (RFC 2047), as compat32 will not."""
    if any(ch in address for ch in "\r\n"):
        raise ValueError(f"a mail address cannot hold a line break: {address!r}")
    name, addr = parseaddr(address)
    return formataddr((name, addr), charset="utf-8") if name else addr


def _closing(error: Exception) -> bool:
    """The server said it is closing the session (421), whatever the command."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code == _SERVICE_CLOSING for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == _SERVICE_CLOSING


def _reply(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:_REPLY_LIMIT]


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_reply(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"[:_REPLY_LIMIT] if str(error) else type(error).__name__
