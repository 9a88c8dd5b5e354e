"""``kiosk relay``: run the relay until SIGTERM/SIGINT, drain once
(``--once``), or show how delivery goes (``--status``).  For the
institution's staff: in Spanish."""

from __future__ import annotations

import sys

from kiosk.config import Settings
from kiosk.i18n import _


def relay_command(settings: Settings, once: bool, status: bool) -> int:
    from kiosk.assembly import open_store
    from kiosk.i18n import set_language
    from kiosk.relay.config import DeliveryFileError, build_transports, load_delivery

    set_language(settings.language)
    if status:
        engine, settings = open_store(settings)
        _print_status(engine)
        return 0
    if settings.delivery_file is None:
        print(
            "kiosk: " + _("no hay archivo de entrega (KIOSK_DELIVERY_FILE): los mensajes siguen en el buzón simulado"),
            file=sys.stderr,
        )
        return 2
    try:
        delivery = load_delivery(settings.delivery_file)
        transports = build_transports(delivery)
    except DeliveryFileError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return 2
    from kiosk.core.sealing import Sealer
    from kiosk.relay.claims import commits_without_waiting_for_the_disk
    from kiosk.relay.worker import Relay, stop_on_signals

    engine, settings = open_store(settings)
    engine = commits_without_waiting_for_the_disk(engine)
    relay = Relay(engine, Sealer(settings.pepper), transports, pace=delivery.pace)
    stop_on_signals(relay)
    routes = ", ".join(f"{i}/{c}" for i, c in sorted(transports))
    if once:
        relay.drain()
        print(_("Mensajes atendidos: {n} ({routes})").format(n=relay.settled, routes=routes))
        return 0
    print(_("Relé en marcha para {routes}; se detiene con SIGTERM o Ctrl+C.").format(routes=routes), flush=True)
    relay.run()
    print(_("Relé detenido; mensajes atendidos: {n}.").format(n=relay.settled), flush=True)
    return 0


def _print_status(engine) -> None:
    from sqlmodel import Session

    from kiosk.core.clock import Clock
    from kiosk.core.dates import local_time
    from kiosk.core.typed import escaped
    from kiosk.relay.status import relay_status

    with Session(engine) as session:
        status = relay_status(session, Clock().now())
    since = local_time(status.since, "%Y-%m-%d %H:%M")
    print(_("Entrega de mensajes desde {since} (últimas 24 horas)").format(since=since))
    headers = (_("canal"), _("en cola"), _("enviados"), _("reintentados"), _("muertos"), _("simulados"),
               _("latencia p50"), _("p95"))
    rows = [
        (c.channel, str(c.queued), str(c.sent), str(c.retried), str(c.dead), str(c.simulated),
         _seconds(c.p50_seconds), _seconds(c.p95_seconds))
        for c in status.channels
    ]
    if not rows:
        print(_("Ningún mensaje en ese periodo."))
    else:
        widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]
        for row in (headers, *rows):
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    if status.dead_letters:
        print(_("Últimos mensajes muertos:"))
        for letter in status.dead_letters:
            print(f"  [{local_time(letter.created_at, '%Y-%m-%d %H:%M:%S')}] #{letter.id} "
                  f"{letter.institution} {letter.channel}: {escaped(letter.reason)}")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"
