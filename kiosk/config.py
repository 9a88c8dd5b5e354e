"""Settings, read once from the environment (and command-line overrides).

Every setting has one name, one default and one place: here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Where the kiosk keeps its state (SQLite file, pepper, log)...
DATA_DIR = Path(os.environ.get("KIOSK_DATA_DIR", PROJECT_DIR / "data"))
# ...and the institutions shipped with the code: each one's profile
# (<slug>.toml), demo members (<slug>.demo.toml) and English (<slug>.en.toml).
INSTITUTIONS_DIR = PROJECT_DIR / "data" / "institutions"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def institutions_dir() -> Path:
    """Where the institutions are read from: KIOSK_INSTITUTIONS_DIR, else the
    shipped ones.  Read when asked, so a test can point the kiosk elsewhere."""
    return Path(os.environ.get("KIOSK_INSTITUTIONS_DIR") or INSTITUTIONS_DIR)


def default_database_url() -> str:
    return f"sqlite:///{DATA_DIR / 'kiosk.db'}"


def _host_name() -> str:
    import socket  # only read when the setting is

    return socket.gethostname()


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    # Set once the store has checked it (kiosk.store.pepper); never read before.
    pepper: bytes = field(default=b"", repr=False)
    # Where the pepper comes from: KIOSK_PEPPER (hex), or else its file.
    pepper_hex: str | None = field(default=None, repr=False)
    pepper_file: Path = field(default_factory=lambda: DATA_DIR / "pepper")
    bcrypt_cost: int = 12
    idle_timeout: float = 60.0
    teller_idle_timeout: float = 300.0
    # Hours a teller's contact change nobody approved waits for the old contacts to stop it.
    contact_hold_hours: float = 24.0
    language: str = "es"
    # None: the demo console, where the operator picks the institution to show.
    institution: str | None = None
    operator_pin: str | None = None
    # Names this terminal for its own limit on documents looked up (kiosk.core.terminal).
    kiosk_id: str = field(default_factory=_host_name)
    # The branch office the kiosk stands in, as supervision groups kiosks (kiosk.core.visits).
    kiosk_branch: str = "principal"
    # The delivery file (kiosk.relay.config): which institutions and channels a
    # relay delivers, and how.  None: every message stays in the simulated outbox.
    delivery_file: Path | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        env = os.environ
        settings = cls(
            database_url=env.get("KIOSK_DATABASE_URL") or default_database_url(),
            pepper_hex=env.get("KIOSK_PEPPER") or None,
            pepper_file=Path(env.get("KIOSK_PEPPER_FILE", DATA_DIR / "pepper")),
            bcrypt_cost=int(env.get("KIOSK_BCRYPT_COST", cls.bcrypt_cost)),
            idle_timeout=float(env.get("KIOSK_IDLE_TIMEOUT", 60)),
            teller_idle_timeout=float(env.get("KIOSK_TELLER_IDLE_TIMEOUT", 300)),
            contact_hold_hours=float(env.get("KIOSK_CONTACT_HOLD_HOURS", 24)),
            language=env.get("KIOSK_LANG", "es"),
            institution=env.get("KIOSK_INSTITUTION") or None,
            operator_pin=env.get("KIOSK_OPERATOR_PIN") or None,
            kiosk_id=env.get("KIOSK_ID") or _host_name(),
            kiosk_branch=env.get("KIOSK_BRANCH") or cls.kiosk_branch,
            delivery_file=Path(env["KIOSK_DELIVERY_FILE"]) if env.get("KIOSK_DELIVERY_FILE") else None,
        )
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})
