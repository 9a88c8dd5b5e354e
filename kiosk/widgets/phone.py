"""The member's phone and inbox beside the kiosk, for demonstrations only:
the SMS and e-mails the kiosk "sent" to the member of the current visit,
newest first, with each e-mailed link as a QR code.  A branch kiosk never has
it (it shows codes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from kiosk.core.dates import local_time
from kiosk.i18n import _
from kiosk.qr import links_in, qr_text
from kiosk.host import KioskHost, kiosk_host

if TYPE_CHECKING:  # the outbox (and the store under it) loads after the first screen
    from kiosk.core.outbox import Delivered

SHOWN = 6  # messages; the oldest scroll out of the simulated phone


def message_text(message: Delivered) -> str:
    """One message as the phone shows it: who it went to, when, and what it says."""
    from kiosk.core.outbox import SMS

    kind = _("SMS") if message.channel == SMS else _("Correo")
    when = local_time(message.created_at, "%H:%M")
    heading = f"{kind} · {message.recipient} · {when}"
    if message.subject and message.channel != SMS:
        heading += f"\n{message.subject}"
    return f"{heading}\n{message.body}"


def phone_panel(host: KioskHost) -> ComposeResult:
    """The simulated phone for a screen, in demo mode only (it shows the codes sent)."""
    if host.demo:
        yield PhonePanel()


class PhonePanel(VerticalScroll):
    """Shown beside every kiosk screen while the operator has it on (F2)."""

    DEFAULT_CSS = """
    PhonePanel { dock: right; width: 100%; height: 100%; display: none;
                 border-left: thick $accent; background: $panel; padding: 0 1; }
    PhonePanel .phone-title { text-style: bold; background: $accent; color: $text; width: 100%; padding: 0 1; }
    PhonePanel .phone-message { border: round $primary; padding: 0 1; margin: 1 0 0 0; height: auto; }
    PhonePanel .phone-qr { width: auto; height: auto; margin: 1 0 0 0; }
    """

    def __init__(self) -> None:
        super().__init__(id="phone")
        self.shown_ids: tuple[int, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static(_("Teléfono y correo · F2 lo oculta"), classes="phone-title")
        yield Static(_("Sin mensajes para esta visita."), id="phone-empty")

    def on_show(self) -> None:
        # As the panel comes into view (F2, or a screen shown while the phone
        # is on, made now or composed ahead), the messages are read for it.
        kiosk_host(self).refresh_phone()

    def show_messages(self, messages: list[Delivered]) -> None:
        """Redraw only when something new arrived, so the operator's scroll stays put."""
        ids = tuple(m.id for m in messages)
        if ids == self.shown_ids:
            return
        self.shown_ids = ids
        self.query(".phone-message, .phone-qr").remove()
        self.query_one("#phone-empty").display = not messages
        for message in messages:
            self.mount(Static(message_text(message), classes="phone-message", markup=False))
            for link in links_in(message.body):
                self.mount(Static(qr_text(link, border=1, small=True), classes="phone-qr"))
