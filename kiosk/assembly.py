"""The kiosk built from its settings, exactly as ``kiosk run`` starts it:
the store opened (once, when first needed) and the app around it.  Used by
the command line and by the bench."""

from __future__ import annotations

from kiosk.config import Settings


def open_store(settings: Settings):
    """The store, checked (kiosk.store.guard), and the settings with its pepper."""
    from dataclasses import replace

    from kiosk.store.guard import open_checked

    engine, pepper = open_checked(settings.database_url, pepper_hex(settings), settings.pepper_file)
    return engine, replace(settings, pepper=pepper)


def pepper_hex(settings: Settings) -> str | None:
    """KIOSK_PEPPER, or the pepper the settings were built with; None: its file."""
    return settings.pepper_hex or (settings.pepper.hex() if settings.pepper else None)


def open_seeded(settings: Settings, seed: bool):
    """The store, its hasher and the settings with the store's pepper; the
    demo members seeded into an empty store (or with ``seed``)."""
    from kiosk.core.clock import Clock
    from kiosk.core.hashing import Hasher
    from kiosk.demo import seed_demo, store_is_empty

    engine, settings = open_store(settings)
    hasher = Hasher(settings.pepper, settings.bcrypt_cost)
    added = 0
    if seed or store_is_empty(engine):
        added = seed_demo(engine, hasher, Clock())
    return engine, added, hasher, settings


class LazyStore:
    """The store and its hasher, opened once, when first needed: by the app's
    worker after its first screen is shown (kiosk.store_later)."""

    def __init__(self, settings: Settings) -> None:
        from kiosk import __version__
        from kiosk.core.visits import VisitRecorder
        from kiosk.relay.config import relayed_routes

        self.settings = settings
        self.engine = None
        self.seeding = None  # kiosk.demo.DemoSeeding, on a store of demo members only
        # Read before the kiosk starts, so a wrong delivery file stops it at once.
        self.relayed = relayed_routes(settings.delivery_file)
        # Supervision's visit events and heartbeats, written in a thread of their own once the store is open.
        self.visits = VisitRecorder(lambda: self.engine, settings.kiosk_id, settings.kiosk_branch, __version__)

    def open(self) -> "LazyStore":
        """The store open and brought up to date; on a store of demo members
        only, the missing ones are seeded in a thread (kiosk.demo.DemoSeeding),
        this kiosk's institution first, while the member reads the welcome screen."""
        if self.engine is None:
            from kiosk.core.clock import Clock
            from kiosk.core.hashing import Hasher
            from kiosk.demo import DemoSeeding, only_demo_members

            self.engine, self.settings = open_store(self.settings)
            self.hasher = Hasher(self.settings.pepper, self.settings.bcrypt_cost)
            # What the first visit needs is imported before the demo members'
            # bcrypt work takes both cores: loading it meanwhile took twice as long.
            load_for_visits()
            if only_demo_members(self.engine):
                self.seeding = DemoSeeding(self.engine, self.hasher, Clock(), first=self.settings.institution)
            self.visits.start()
        return self

    def service_for(self, profile):
        from kiosk.core.clock import Clock
        from kiosk.core.sealing import Sealer
        from kiosk.core.service import KioskService

        service = KioskService(
            self.engine, self.hasher, Sealer(self.settings.pepper), Clock(), profile.slug, profile.name,
            kiosk_id=self.settings.kiosk_id, relayed=self.relayed,
        )
        if self.seeding is not None:
            service.core.before_store = lambda: self.seeding.wait_for(profile.slug)
        return service


def load_for_visits() -> None:
    """The core service and every step screen imported (the store layer is by now)."""
    from importlib import import_module

    from kiosk.screens.registry import STEP_SCREENS

    import_module("kiosk.core.service")
    STEP_SCREENS.load_all()


def build_app(settings: Settings):
    """The kiosk exactly as ``kiosk run`` starts it (also used to time start-up)."""
    from kiosk.app import KioskApp
    from kiosk.flow.profile import available_profiles, load_profile
    from kiosk.i18n import set_language
    from kiosk.host import DemoConsole
    from kiosk.screens.registry import STEP_SCREENS

    set_language(settings.language)
    check_institution_files()
    store = LazyStore(settings)

    if settings.institution:  # a branch kiosk: one institution, no operator's choice
        profile = load_profile(settings.institution, step_types=set(STEP_SCREENS))
        store.visits.institution = profile.slug  # its heartbeats name it before the first visit
        return KioskApp(
            lambda: store.open().service_for(profile), profile, settings.idle_timeout, settings.operator_pin,
            visits=store.visits,
        )

    profiles = {slug: load_profile(slug, step_types=set(STEP_SCREENS)) for slug in available_profiles()}

    def open_institution(slug: str):
        return store.service_for(profiles[slug]), profiles[slug]

    demo = DemoConsole(
        [(p.slug, p.name, p.portal) for p in profiles.values()], open_institution, open_store=store.open
    )
    return KioskApp(None, None, settings.idle_timeout, settings.operator_pin, demo=demo, visits=store.visits)


def check_institution_files() -> None:
    """The institutions' demo members and English files, read once before
    any screen: a broken one stops the kiosk with its one line here, rather
    than when the store is seeded or a member switches to English."""
    from kiosk.config import institutions_dir
    from kiosk.demo_members import demo_members
    from kiosk.institution_texts import translations_in

    demo_members()
    translations_in(institutions_dir(), "en")
