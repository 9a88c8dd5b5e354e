"""``kiosk``: run the kiosk, seed the demo store, read the outbox."""

from __future__ import annotations

import argparse
import logging
import sys

from kiosk.config import DATA_DIR, Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Key-recovery kiosk.")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite under data/; env KIOSK_DATABASE_URL)")
    parser.add_argument("--institution", help="institution profile (env KIOSK_INSTITUTION; default progressa)")
    parser.add_argument("--lang", choices=("es", "en"), help="screen language (default es)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the kiosk (the default)")
    commands.add_parser("seed", help="add the demo members that are missing")
    outbox = commands.add_parser("outbox", help="print the simulated SMS / e-mail outbox, newest first")
    outbox.add_argument("--limit", type=int, default=10)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env(
        database_url=args.database_url, institution=args.institution, language=args.lang
    )
    command = args.command or "run"
    if command == "outbox":
        return _print_outbox(settings, args.limit)
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


def build_app(settings: Settings):
    """The kiosk exactly as ``kiosk run`` starts it (also used to time start-up)."""
    from kiosk.app import KioskApp
    from kiosk.core.clock import Clock
    from kiosk.core.sealing import Sealer
    from kiosk.core.service import KioskService
    from kiosk.flow.profile import load_profile
    from kiosk.i18n import set_language
    from kiosk.screens.registry import STEP_SCREENS

    profile = load_profile(settings.institution, step_types=set(STEP_SCREENS))
    set_language(settings.language)
    engine, _added, hasher = _open(settings, seed=False)
    service = KioskService(engine, hasher, Sealer(settings.pepper), Clock(), profile.slug, profile.name)
    return KioskApp(service, profile, settings.idle_timeout, settings.operator_pin)


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


def _print_outbox(settings: Settings, limit: int) -> int:
    from sqlmodel import Session

    from kiosk.core import outbox
    from kiosk.core.sealing import Sealer
    from kiosk.qr import links_in, qr_text
    from kiosk.store import open_store

    engine = open_store(settings.database_url)
    with Session(engine) as session:
        for message in outbox.recent(session, Sealer(settings.pepper), limit=limit):
            when = message.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            subject = f" · {message.subject}" if message.subject else ""
            body = message.body.replace("\n", "\n  ")
            print(f"[{when}] {message.channel.upper()} → {message.recipient}{subject}\n  {body}\n")
            for link in links_in(message.body):
                print(qr_text(link))
    return 0
