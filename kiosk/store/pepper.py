"""The pepper is checked against the store, never replaced.

Every key and code hash holds the pepper (kiosk.core.hashing), so a store
read with another pepper would count every member's right key as a failure
until they are blocked.  The store keeps a check value, an HMAC of a fixed
text under the pepper (``store_meta.pepper_check``); a pepper that is
missing, changed, malformed or unreadable stops the kiosk with one line
saying what to restore.  A new pepper is made only for a store nobody is in
yet; a store from before the check gets it from the pepper it runs with.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kiosk.store import problems
from kiosk.store.db import lock_subject, transaction
from kiosk.store.files import PRIVATE_FILE, private_dir
from kiosk.store.models import Member, StoreMeta, Teller

CHECK_TEXT = b"kiosk-pepper-check"
PEPPER_BYTES = 32
MIN_PEPPER_BYTES = 16  # what kiosk.core.hashing.Hasher accepts
ENV_NAME = "KIOSK_PEPPER"


def check_value(pepper: bytes) -> str:
    return hmac.new(pepper, CHECK_TEXT, hashlib.sha256).hexdigest()


def matches(pepper: bytes, stored_check: str) -> bool:
    return hmac.compare_digest(check_value(pepper), stored_check)


def read_pepper(pepper_hex: str | None, pepper_file: Path) -> bytes | None:
    """The pepper from KIOSK_PEPPER (``pepper_hex``) or else its file; None
    when neither exists.  Malformed or unreadable: a ``StoreProblem``."""
    if pepper_hex is not None:
        return _parse(pepper_hex, ENV_NAME)
    try:
        text = pepper_file.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise problems.pepper_unreadable(str(pepper_file), reason) from error
    return _parse(text, str(pepper_file))


def _parse(text: str, source: str) -> bytes:
    try:
        pepper = bytes.fromhex(text.strip())
    except ValueError:
        raise problems.pepper_malformed(source) from None  # never the value in a message
    if len(pepper) < MIN_PEPPER_BYTES:
        raise problems.pepper_malformed(source)
    return pepper


def settle_pepper(engine: Engine, pepper_hex: str | None, pepper_file: Path) -> bytes:
    """The pepper this store's hashes were made with, or a ``StoreProblem``."""
    source = ENV_NAME if pepper_hex is not None else str(pepper_file)
    with Session(engine) as session:  # the usual start: nothing to write, no write lock
        pepper = read_pepper(pepper_hex, pepper_file)
        meta = session.get(StoreMeta, 1)
        if pepper is not None and meta is not None and matches(pepper, meta.pepper_check):
            return pepper
    with transaction(engine) as session:  # kiosks starting together take turns
        lock_subject(session, "kiosk-pepper")
        pepper = read_pepper(pepper_hex, pepper_file)
        in_use = _in_use(session)
        if pepper is None:
            if in_use:
                raise problems.pepper_missing(source)
            pepper = _create(pepper_file)
        check = check_value(pepper)
        meta = session.get(StoreMeta, 1)
        if meta is None:  # a new store, or one from before the check (its members' pepper is this one)
            session.add(StoreMeta(id=1, pepper_check=check))
        elif not hmac.compare_digest(meta.pepper_check, check):
            if in_use:
                raise problems.pepper_changed(source)
            meta.pepper_check = check  # nobody's hash depends on the old one
            session.add(meta)
    return pepper


def _in_use(session: Session) -> bool:
    """Whether anyone's hashes depend on the pepper: members' keys, tellers' passwords."""
    return any(session.exec(select(model.id).limit(1)).first() is not None for model in (Member, Teller))


def _create(path: Path) -> bytes:
    private_dir(path.parent)
    pepper = secrets.token_bytes(PEPPER_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "w") as handle:
        handle.write(pepper.hex())
    os.chmod(path, PRIVATE_FILE)
    return pepper
