"""``kiosk``: run the kiosk, seed the demo store, read the outbox, back up
and restore the store.

Whatever goes wrong reaches the terminal as one line (``kiosk: ...``) and the
log (data/kiosk.log) with its cause; never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import date

from kiosk.config import DATA_DIR, Settings
from kiosk.flow.profile import ProfileError, available_profiles
from kiosk.relay.config import DeliveryFileError
from kiosk.store.files import PRIVATE_UMASK, NotWritable, private_dir, private_file
from kiosk.store.problems import StoreProblem, not_writable
# Building the kiosk from settings lives apart, so the bench can build it too
# without importing the command line that runs the bench.
from kiosk.assembly import build_app
from kiosk.assembly import open_seeded as _open, open_store as _open_store, pepper_hex as _pepper_hex

log = logging.getLogger("kiosk")
# Until the log file is open (or when it cannot be), what the kiosk logs goes
# nowhere rather than to the terminal (logging's last resort).
log.addHandler(logging.NullHandler())

FOLLOW_POLL_SECONDS = 1.0
LOG_FILE = DATA_DIR / "kiosk.log"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Key-recovery kiosk.")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite under data/; env KIOSK_DATABASE_URL)")
    parser.add_argument(
        "--institution",
        help="institution profile (env KIOSK_INSTITUTION), one of those in KIOSK_INSTITUTIONS_DIR: "
        f"{', '.join(available_profiles()) or 'none'}; without one, the demo console lets the operator pick",
    )
    parser.add_argument("--lang", choices=("es", "en"), help="screen language (default es)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the kiosk (the default)")
    commands.add_parser("seed", help="add the demo members that are missing")
    outbox = commands.add_parser("outbox", help="print the simulated SMS / e-mail outbox, newest first")
    outbox.add_argument("--limit", type=int, default=10)
    outbox.add_argument("--follow", action="store_true", help="keep printing new messages as they are sent")
    reset_demo = commands.add_parser(
        "reset-demo", help="restore the demo store: every table emptied, the demo members seeded again"
    )
    reset_demo.add_argument(
        "--including-tellers", action="store_true",
        help="also remove the tellers and their audit rows (refused without it when there are any)",
    )
    reset_demo.add_argument(
        "--history", action="store_true",
        help="also seed four weeks of demo visits in three branches, for `kiosk supervisor`",
    )
    commands.add_parser(
        "supervisor", help="abrir la vista de supervisión (asesores con rol supervisor u operador)"
    )
    backup = commands.add_parser("backup", help="copy the store (SQLite) to PATH, consistent while kiosks write")
    backup.add_argument("path")
    restore = commands.add_parser("restore", help="replace the store (SQLite) with the backup at PATH; stop the kiosks first")
    restore.add_argument("path")
    serve = commands.add_parser("serve", help="serve the kiosk to a web browser (textual-serve)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    serve.add_argument("--port", type=int, default=8000)
    # The teller commands are for the institution's staff: in Spanish.
    teller = commands.add_parser("teller", help="abrir la consola de asesores, o administrar asesores")
    teller_commands = teller.add_subparsers(dest="teller_command", title="comandos")
    add = teller_commands.add_parser("add", help="agregar un asesor (pide la contraseña dos veces)")
    add.add_argument("username", metavar="usuario")
    add.add_argument("--name", required=True, help="nombre completo, como se muestra en la consola")
    add.add_argument(
        "--document", required=True, help="documento del asesor, TIPO:NÚMERO (por ejemplo CC:52000111)"
    )
    add.add_argument("--password-stdin", action="store_true", help="leer la contraseña de la entrada estándar")
    role = add.add_mutually_exclusive_group()
    role.add_argument("--supervisor", dest="role", action="store_const", const="supervisor", default="teller",
                      help="también ve la vista de supervisión de su entidad (kiosk supervisor)")
    role.add_argument("--operator", dest="role", action="store_const", const="operator",
                      help="también ve la vista de supervisión de todas las entidades")
    teller_commands.add_parser("list", help="listar los asesores de la entidad")
    teller_commands.add_parser(
        "apply-due", help="aplicar los cambios de contactos cuya espera pasó sin objeción (para un temporizador)"
    )
    reset = teller_commands.add_parser(
        "reset-authenticator", help="hacer que un asesor registre una nueva aplicación autenticadora"
    )
    reset.add_argument("username", metavar="usuario")
    audit = commands.add_parser("audit", help="check the audit trail's chain, or export a member's own record")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser("verify", help="check every audit row against the chain (exit 1 on a break)")
    export = audit_commands.add_parser(
        "export", help="print a member's own record (activity, consents, messages) for a Ley 1581 request"
    )
    export.add_argument("--document", required=True, help="TYPE:NUMBER (e.g. CC:1010123456)")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    report = commands.add_parser(
        "report", help="the supervisor's figures over a period (visits, funnel, times, messages, locks, kiosks)"
    )
    report.add_argument("--from", dest="start", type=parse_day, required=True, help="first day, YYYY-MM-DD (UTC)")
    report.add_argument("--to", dest="end", type=parse_day, required=True, help="last day, included")
    report.add_argument("--branch", help="only this branch (KIOSK_BRANCH of its kiosks)")
    report.add_argument("--format", choices=("csv", "json"), default="csv")
    relay = commands.add_parser(
        "relay", help="entregar los mensajes del buzón por correo y SMS (KIOSK_DELIVERY_FILE) hasta SIGTERM"
    )
    relay.add_argument("--once", action="store_true", help="entregar lo pendiente y terminar")
    relay.add_argument("--status", action="store_true",
                       help="mostrar por canal los mensajes en cola, enviados, reintentados y muertos, y la latencia")
    bench = commands.add_parser("bench", help="measure the performance budgets (README: Benchmarks)")
    bench.add_argument("--quick", action="store_true", help="small sizes, about a minute (CI)")
    bench.add_argument("--compare-compose-ahead", action="store_true",
                       help="also drive each recovery with no step composed ahead, right after the usual one")
    return parser


def parse_day(text: str) -> date:
    """A day as YYYY-MM-DD (argparse's type: a wrong one is a usage error)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    """The ``kiosk`` command.  Everything it creates is private (umask 077,
    kiosk.store.files); a problem is one line on stderr and a non-zero code."""
    umask = os.umask(PRIVATE_UMASK)
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, where a closed pipe can still be handled
        return code
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt:
        return 130
    except (StoreProblem, ProfileError, DeliveryFileError) as problem:
        log.error("kiosk stopped: %s", problem, exc_info=problem)
        print(f"kiosk: {problem}", file=sys.stderr)
        return 1 if isinstance(problem, StoreProblem) else 2
    except Exception as error:  # noqa: BLE001 - never a traceback on the terminal; it is in the log
        log.exception("kiosk failed")
        print(f"kiosk: {type(error).__name__}; the details are in {LOG_FILE}", file=sys.stderr)
        return 1
    finally:
        os.umask(umask)


def _reader_gone() -> int:
    """The program reading our output (``kiosk outbox | head``) has closed it:
    stop quietly, and point stdout at /dev/null so that Python's own flush on
    the way out does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests' captured output)
        pass
    return 0


def _start_log() -> None:
    """The log under the data directory, both private; a directory the kiosk
    cannot write to stops it here, before anything else."""
    try:
        private_dir(DATA_DIR)
        private_file(LOG_FILE)
    except NotWritable as error:
        raise not_writable(DATA_DIR) from error
    logging.basicConfig(filename=LOG_FILE, level=logging.WARNING)


def _main(argv: list[str] | None) -> int:
    # Textual repaints at most 60 times a second by default, and a new screen
    # takes a few repaints to settle: at 120 it appears sooner (README: Benchmarks).
    os.environ.setdefault("TEXTUAL_FPS", "120")
    args = _parser().parse_args(argv)
    if args.command == "bench":  # its own throwaway stores: no settings, nothing under data/
        from kiosk.bench.run import main as bench

        return bench(quick=args.quick, compare_compose_ahead=args.compare_compose_ahead)
    _start_log()
    settings = Settings.from_env(
        database_url=args.database_url, institution=args.institution, language=args.lang
    )
    command = args.command or "run"
    if command == "outbox":
        return _print_outbox(settings, args.limit, args.follow)
    if command == "reset-demo":
        return _reset_demo(settings, args.including_tellers, args.history)
    if command in ("backup", "restore"):
        return _backup_or_restore(settings, command, args.path)
    if command == "serve":
        return _serve(settings, args.host, args.port)
    if command == "teller":
        return _teller(settings, args)
    if command == "supervisor":
        return _supervisor(settings)
    if command == "audit":
        return _audit(settings, args)
    if command == "report":
        return _report(settings, args)
    if command == "relay":
        from kiosk.relay.command import relay_command

        return relay_command(settings, args.once, args.status)
    if command == "seed":
        added = _open(settings, seed=True)[1]
        print(f"{added} demo members added")
        return 0
    return _run(settings)


def _run(settings: Settings) -> int:
    app = build_app(settings)
    try:
        app.run()
    finally:
        if app.visits is not None:
            app.visits.close()  # the events still queued, and a last heartbeat
    if app.store_problem is not None:  # the kiosk stopped before serving anyone (kiosk.store_later)
        raise app.store_problem
    return app.return_code or 0


def _reset_demo(settings: Settings, including_tellers: bool, history: bool = False) -> int:
    from kiosk.core.clock import Clock
    from kiosk.core.errors import Refusal
    from kiosk.core.hashing import Hasher
    from kiosk.demo import reset_demo

    started = time.monotonic()
    engine, settings = _open_store(settings)
    try:
        reset = reset_demo(engine, Hasher(settings.pepper, settings.bcrypt_cost), Clock(), including_tellers)
    except Refusal as refusal:
        print(f"kiosk: {refusal.message}", file=sys.stderr)
        return 1
    removed = ", ".join(f"{count} {table}" for table, count in reset.removed.items() if count) or "nothing"
    print(f"removed: {removed}")
    if history:
        from kiosk.demo_history import DEMO_VISITS, seed_history

        events = seed_history(engine, Clock())
        print(f"demo history: {DEMO_VISITS} visits ({events} step events) over four weeks")
    print(f"demo store restored: {reset.added} demo members in {time.monotonic() - started:.1f} s")
    return 0


def _backup_or_restore(settings: Settings, command: str, path: str) -> int:
    """``kiosk backup PATH`` / ``kiosk restore PATH`` (kiosk.store.backup)."""
    from pathlib import Path

    from kiosk.store import backup

    if command == "backup":
        copied = backup.backup(settings.database_url, Path(path))
        print(f"store backed up to {path} ({copied.members} members, {copied.size} bytes)")
        return 0
    # Not the store as it is (it may be the damaged one being replaced): the pepper alone.
    from kiosk.store.pepper import read_pepper

    pepper = read_pepper(_pepper_hex(settings), settings.pepper_file)
    restored = backup.restore(settings.database_url, Path(path), pepper)
    print(f"store restored from {path} ({restored.members} members)")
    return 0


def _serve(settings: Settings, host: str, port: int) -> int:
    """The kiosk in a browser: each visitor gets their own kiosk process,
    started exactly as ``kiosk`` starts.  The settings reach it through the
    environment, never its command line, where ``ps`` would show a database
    password."""
    import shlex

    from textual_serve.server import Server

    os.environ["KIOSK_DATABASE_URL"] = settings.database_url
    os.environ["KIOSK_LANG"] = settings.language
    if settings.institution:
        os.environ["KIOSK_INSTITUTION"] = settings.institution
    from kiosk.web import offline_templates

    Server(
        shlex.join([sys.executable, "-m", "kiosk"]), host=host, port=port, title="kiosk",
        templates_path=offline_templates(DATA_DIR / "web"),  # no font from the internet
    ).serve()
    return 0


# Tellers serve one institution: without one named, this one (README: Tellers)...
DEFAULT_TELLER_INSTITUTION = "progressa"


def teller_institution(settings: Settings) -> str:
    """...or, in an institutions directory without it, the only one there."""
    if settings.institution:
        return settings.institution
    found = available_profiles()
    if DEFAULT_TELLER_INSTITUTION in found or not found:
        return DEFAULT_TELLER_INSTITUTION  # (none found: load_profile says where it looked)
    if len(found) == 1:
        return found[0]
    raise ProfileError(f"elija la entidad con --institution: {', '.join(found)}")


def build_desk(settings: Settings, profile=None):
    """The teller console's core for the configured institution."""
    from kiosk.core.clock import Clock
    from kiosk.core.sealing import Sealer
    from kiosk.core.teller import TellerDesk
    from kiosk.core.teller_signin import this_terminal
    from kiosk.flow.profile import load_profile
    from kiosk.relay.config import relayed_routes
    from kiosk.screens.registry import STEP_SCREENS

    profile = profile or load_profile(teller_institution(settings), step_types=set(STEP_SCREENS))
    engine, _added, hasher, settings = _open(settings, seed=False)
    return TellerDesk(
        engine, hasher, Sealer(settings.pepper), Clock(), profile.slug, profile.name,
        temporary_key_length=profile.setting("key_length"),
        contact_hold_hours=settings.contact_hold_hours,
        terminal=this_terminal(settings.kiosk_id),  # where sign-ins come from (throttled, audited)
        relayed=relayed_routes(settings.delivery_file),  # whose messages a relay delivers
    )


def _teller(settings: Settings, args: argparse.Namespace) -> int:
    from kiosk.core.errors import Refusal
    from kiosk.core.typed import escaped
    from kiosk.i18n import _, set_language

    set_language(settings.language)
    desk = build_desk(settings)
    try:
        if args.teller_command == "add":
            return _add_teller(desk, args)
        if args.teller_command == "list":
            for teller in desk.tellers():
                state = _("autenticador registrado") if teller.totp_enrolled_at else _("autenticador pendiente")
                document = f"{teller.document_type} {teller.document_number}"
                # Stored before names were checked, or edited in the database: shown, never obeyed.
                print("\t".join(escaped(field) for field in (teller.username, teller.full_name, document, state)))
            return 0
        if args.teller_command == "apply-due":
            print(_("Cambios de contactos aplicados: {n}").format(n=desk.apply_due_by_admin()))
            return 0
        if args.teller_command == "reset-authenticator":
            desk.reset_authenticator(args.username)
            print(
                _("{username} registrará una nueva aplicación autenticadora en su próximo ingreso.").format(
                    username=escaped(args.username.strip().lower())
                )
            )
            return 0
    except Refusal as refusal:
        print(f"kiosk: {refusal.message}", file=sys.stderr)
        return 1
    from kiosk.teller_app import TellerApp

    TellerApp(desk, settings.teller_idle_timeout).run()
    return 0


def _supervisor(settings: Settings) -> int:
    from kiosk.core.supervisor import SupervisorDesk
    from kiosk.i18n import set_language
    from kiosk.supervisor_app import SupervisorApp

    set_language(settings.language)
    desk = build_desk(settings)
    SupervisorApp(desk, SupervisorDesk(desk.engine, desk.clock), settings.teller_idle_timeout).run()
    return 0


def _add_teller(desk, args: argparse.Namespace) -> int:
    import getpass

    from kiosk.core.typed import escaped
    from kiosk.i18n import _

    document_type, _colon, number = args.document.partition(":")
    if args.password_stdin:
        password = confirmation = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(_("Contraseña: "))
        confirmation = getpass.getpass(_("Repita la contraseña: "))
    desk.add_teller(args.username, args.name, document_type.upper(), number, password, confirmation, args.role)
    print(
        _("Asesor {username} agregado; en su primer ingreso registrará una aplicación autenticadora.").format(
            username=escaped(args.username.strip().lower())
        )
    )
    return 0


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    """``kiosk audit verify`` / ``kiosk audit export`` (kiosk.core.audit_chain, kiosk.core.member_record)."""
    from sqlmodel import Session

    from kiosk.core import audit_chain, member_record
    from kiosk.core.hashing import Hasher
    from kiosk.core.typed import escaped

    engine, settings = _open_store(settings)
    with Session(engine) as session:
        if args.audit_command == "verify":
            verdict = audit_chain.verify(session, Hasher(settings.pepper, settings.bcrypt_cost).audit_key())
            print(verdict.message if verdict.ok else f"kiosk: audit trail broken: {verdict.message}",
                  file=sys.stdout if verdict.ok else sys.stderr)
            return 0 if verdict.ok else 1
        document_type, _colon, number = args.document.strip().partition(":")
        record = member_record.member_record(session, document_type.strip().upper(), number.strip())
    if record is None:
        print(f"kiosk: no member holds the document {escaped(args.document)}", file=sys.stderr)
        return 1
    print(member_record.as_csv(record) if args.format == "csv" else member_record.as_json(record), end="")
    if args.format == "json":
        print()
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from kiosk.core.supervision import Scope
    from kiosk.report import report

    if args.end < args.start:
        print("kiosk: --to is before --from", file=sys.stderr)
        return 2
    engine, settings = _open_store(settings)
    scope = Scope(args.start, args.end, institution=settings.institution, branch=args.branch)
    report(engine, scope, args.format, sys.stdout)
    return 0


def _print_outbox(settings: Settings, limit: int, follow: bool = False) -> int:
    """The newest messages; with ``follow``, then every new one as it is sent, until ctrl+c."""
    from sqlmodel import Session

    from kiosk.core import outbox
    from kiosk.core.sealing import Sealer

    engine, settings = _open_store(settings)
    sealer = Sealer(settings.pepper)
    with Session(engine) as session:
        shown = outbox.recent(session, sealer, limit=limit)
    for message in reversed(shown) if follow else shown:  # following reads like a phone: oldest first
        _print_message(message)
    last = max((m.id for m in shown), default=0)
    try:
        while follow:
            time.sleep(FOLLOW_POLL_SECONDS)
            with Session(engine) as session:
                for message in outbox.since(session, sealer, last):
                    _print_message(message)
                    last = message.id
    except KeyboardInterrupt:
        pass
    return 0


def _print_message(message) -> None:
    from kiosk.core.dates import local_time
    from kiosk.core.typed import escaped
    from kiosk.qr import links_in, qr_text

    # Recipients, subjects and bodies may hold what somebody typed: control
    # characters are printed as \x1b and the like, never sent to the terminal.
    when = local_time(message.created_at, "%Y-%m-%d %H:%M:%S")
    subject = f" · {escaped(message.subject)}" if message.subject else ""
    body = escaped(message.body, keep_newlines=True).replace("\n", "\n  ")
    print(f"[{when}] {message.channel.upper()} → {escaped(message.recipient)}{subject}\n  {body}\n")
    for link in links_in(message.body):
        print(qr_text(link))
    sys.stdout.flush()  # a follower piped into another program sees each message at once
