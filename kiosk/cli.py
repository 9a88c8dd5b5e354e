"""``kiosk``: run the kiosk, seed the demo store, read the outbox."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from kiosk.config import DATA_DIR, Settings


FOLLOW_POLL_SECONDS = 1.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Key-recovery kiosk.")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite under data/; env KIOSK_DATABASE_URL)")
    parser.add_argument(
        "--institution",
        help="institution profile (env KIOSK_INSTITUTION); without one, the demo console lets the operator pick",
    )
    parser.add_argument("--lang", choices=("es", "en"), help="screen language (default es)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the kiosk (the default)")
    commands.add_parser("seed", help="add the demo members that are missing")
    outbox = commands.add_parser("outbox", help="print the simulated SMS / e-mail outbox, newest first")
    outbox.add_argument("--limit", type=int, default=10)
    outbox.add_argument("--follow", action="store_true", help="keep printing new messages as they are sent")
    commands.add_parser("reset-demo", help="restore the demo store: every table emptied, the demo members seeded again")
    serve = commands.add_parser("serve", help="serve the kiosk to a web browser (textual-serve)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    serve.add_argument("--port", type=int, default=8000)
    teller = commands.add_parser("teller", help="open the teller console, or manage tellers")
    teller_commands = teller.add_subparsers(dest="teller_command")
    add = teller_commands.add_parser("add", help="add a teller (asks for the password twice)")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="full name, as shown on the console")
    add.add_argument("--document", required=True, help="the teller's own document, TYPE:NUMBER (e.g. CC:52000111)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    teller_commands.add_parser("list", help="list this institution's tellers")
    reset = teller_commands.add_parser("reset-authenticator", help="make a teller enrol a new authenticator")
    reset.add_argument("username")
    bench = commands.add_parser("bench", help="measure the performance budgets (README: Benchmarks)")
    bench.add_argument("--quick", action="store_true", help="small sizes, about a minute (CI)")
    return parser


def main(argv: list[str] | None = None) -> int:
    # Textual repaints at most 60 times a second by default, and a new screen
    # takes a few repaints to settle: at 120 it appears sooner (README: Benchmarks).
    os.environ.setdefault("TEXTUAL_FPS", "120")
    args = _parser().parse_args(argv)
    if args.command == "bench":  # its own throwaway stores: no settings, nothing under data/
        from kiosk.bench.run import main as bench

        return bench(quick=args.quick)
    settings = Settings.from_env(
        database_url=args.database_url, institution=args.institution, language=args.lang
    )
    command = args.command or "run"
    if command == "outbox":
        return _print_outbox(settings, args.limit, args.follow)
    if command == "reset-demo":
        return _reset_demo(settings)
    if command == "serve":
        return _serve(settings, args.host, args.port)
    if command == "teller":
        return _teller(settings, args)
    if command == "seed":
        added = _open(settings, seed=True)[1]
        print(f"{added} demo members added")
        return 0
    return _run(settings)


def _open(settings: Settings, seed: bool):
    from kiosk.core.clock import Clock
    from kiosk.core.hashing import Hasher
    from kiosk.demo import seed_demo, store_is_empty
    from kiosk.store import open_store

    engine = open_store(settings.database_url)
    hasher = Hasher(settings.pepper, settings.bcrypt_cost)
    added = 0
    if seed or store_is_empty(engine):
        added = seed_demo(engine, hasher, Clock())
    return engine, added, hasher


class _Store:
    """The store and its hasher, opened once, when first needed: by the app's
    worker after its first screen is shown (kiosk.store_later)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = None

    def open(self) -> "_Store":
        if self.engine is None:
            self.engine, _added, self.hasher = _open(self.settings, seed=False)
        return self

    def service_for(self, profile):
        from kiosk.core.clock import Clock
        from kiosk.core.sealing import Sealer
        from kiosk.core.service import KioskService

        return KioskService(
            self.engine, self.hasher, Sealer(self.settings.pepper), Clock(), profile.slug, profile.name,
            kiosk_id=self.settings.kiosk_id,
        )


def build_app(settings: Settings):
    """The kiosk exactly as ``kiosk run`` starts it (also used to time start-up)."""
    from kiosk.app import DemoConsole, KioskApp
    from kiosk.flow.profile import available_profiles, load_profile
    from kiosk.i18n import set_language
    from kiosk.screens.registry import STEP_SCREENS

    set_language(settings.language)
    store = _Store(settings)

    if settings.institution:  # a branch kiosk: one institution, no operator's choice
        profile = load_profile(settings.institution, step_types=set(STEP_SCREENS))
        return KioskApp(
            lambda: store.open().service_for(profile), profile, settings.idle_timeout, settings.operator_pin
        )

    profiles = {slug: load_profile(slug, step_types=set(STEP_SCREENS)) for slug in available_profiles()}

    def open_institution(slug: str):
        return store.service_for(profiles[slug]), profiles[slug]

    demo = DemoConsole(
        [(p.slug, p.name, p.portal) for p in profiles.values()], open_institution, open_store=store.open
    )
    return KioskApp(None, None, settings.idle_timeout, settings.operator_pin, demo=demo)


def _run(settings: Settings) -> int:
    from kiosk.flow.profile import ProfileError

    logging.basicConfig(filename=DATA_DIR / "kiosk.log", level=logging.WARNING)
    try:
        app = build_app(settings)
    except ProfileError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return 2
    app.run()
    return 0


def _reset_demo(settings: Settings) -> int:
    from kiosk.core.clock import Clock
    from kiosk.core.errors import Refusal
    from kiosk.core.hashing import Hasher
    from kiosk.demo import reset_demo
    from kiosk.store import open_store

    started = time.monotonic()
    engine = open_store(settings.database_url)
    try:
        added = reset_demo(engine, Hasher(settings.pepper, settings.bcrypt_cost), Clock())
    except Refusal as refusal:
        print(f"kiosk: {refusal.message}", file=sys.stderr)
        return 1
    print(f"demo store restored: {added} demo members in {time.monotonic() - started:.1f} s")
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
    Server(shlex.join([sys.executable, "-m", "kiosk"]), host=host, port=port, title="kiosk").serve()
    return 0


def build_desk(settings: Settings, profile=None):
    """The teller console's core for the configured institution."""
    from kiosk.core.clock import Clock
    from kiosk.core.sealing import Sealer
    from kiosk.core.teller import TellerDesk
    from kiosk.flow.profile import load_profile
    from kiosk.screens.registry import STEP_SCREENS

    # Tellers serve one institution; without one named, Progressa's.
    profile = profile or load_profile(settings.institution or "progressa", step_types=set(STEP_SCREENS))
    engine, _added, hasher = _open(settings, seed=False)
    return TellerDesk(
        engine, hasher, Sealer(settings.pepper), Clock(), profile.slug, profile.name,
        temporary_key_length=profile.setting("key_length"),
    )


def _teller(settings: Settings, args: argparse.Namespace) -> int:
    from kiosk.core.errors import Refusal
    from kiosk.flow.profile import ProfileError
    from kiosk.i18n import set_language

    set_language(settings.language)
    try:
        desk = build_desk(settings)
    except ProfileError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return 2
    try:
        if args.teller_command == "add":
            return _add_teller(desk, args)
        if args.teller_command == "list":
            for teller in desk.tellers():
                state = "enrolled" if teller.totp_enrolled_at else "not enrolled yet"
                document = f"{teller.document_type} {teller.document_number}"
                print(f"{teller.username}\t{teller.full_name}\t{document}\t{state}")
            return 0
        if args.teller_command == "reset-authenticator":
            desk.reset_authenticator(args.username)
            print(f"{args.username} will enrol a new authenticator at the next sign-in")
            return 0
    except Refusal as refusal:
        print(f"kiosk: {refusal.message}", file=sys.stderr)
        return 1
    from kiosk.teller_app import TellerApp

    logging.basicConfig(filename=DATA_DIR / "kiosk.log", level=logging.WARNING)
    TellerApp(desk, settings.teller_idle_timeout).run()
    return 0


def _add_teller(desk, args: argparse.Namespace) -> int:
    import getpass

    document_type, _colon, number = args.document.partition(":")
    if args.password_stdin:
        password = confirmation = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        confirmation = getpass.getpass("Password again: ")
    desk.add_teller(args.username, args.name, document_type.upper(), number, password, confirmation)
    print(f"teller {args.username.strip().lower()} added; the first sign-in enrols an authenticator app")
    return 0


def _print_outbox(settings: Settings, limit: int, follow: bool = False) -> int:
    """The newest messages; with ``follow``, then every new one as it is sent, until ctrl+c."""
    from sqlmodel import Session

    from kiosk.core import outbox
    from kiosk.core.sealing import Sealer
    from kiosk.store import open_store

    engine = open_store(settings.database_url)
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
    from kiosk.qr import links_in, qr_text

    when = local_time(message.created_at, "%Y-%m-%d %H:%M:%S")
    subject = f" · {message.subject}" if message.subject else ""
    body = message.body.replace("\n", "\n  ")
    print(f"[{when}] {message.channel.upper()} → {message.recipient}{subject}\n  {body}\n")
    for link in links_in(message.body):
        print(qr_text(link))
    sys.stdout.flush()  # a follower piped into another program sees each message at once
