"""The kiosk's files are private: its data directory 0700, the database (and
SQLite's -wal/-shm), the log and the pepper 0600, whatever the umask.

They hold names, documents, birth dates and contacts; no other account on
the machine has any business reading them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# Whatever the process creates later (SQLite's -wal and -shm, a backup) is
# born private too.
PRIVATE_UMASK = 0o077


class NotWritable(OSError):
    """A directory (or file) the kiosk must write to does not allow it."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is not writable")
        self.path = path


def private_dir(path: Path) -> Path:
    """``path`` (and any missing parent) created 0700, and ``path`` made 0700.
    A directory the kiosk cannot write to raises ``NotWritable``."""
    try:
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        _chmod_own(path, PRIVATE_DIR)
    except PermissionError as error:
        raise NotWritable(path) from error
    except OSError as error:  # a read-only file system
        raise NotWritable(path) from error
    if not os.access(path, os.W_OK | os.X_OK):
        raise NotWritable(path)
    return path


def writable_dir(path: Path) -> Path:
    """``path`` created if missing (0700), never re-moded: for a directory that
    is not the kiosk's own (a database's parent given by URL)."""
    if not path.exists():
        return private_dir(path)
    if not os.access(path, os.W_OK | os.X_OK):
        raise NotWritable(path)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty with mode 0600 if missing, and made 0600 if not."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    except OSError as error:
        raise NotWritable(path) from error
    os.close(fd)
    _chmod_own(path, PRIVATE_FILE)
    return path


def make_private(*paths: Path) -> None:
    """Those of ``paths`` that exist (and belong to this user) made 0600."""
    for path in paths:
        try:
            _chmod_own(path, PRIVATE_FILE)
        except FileNotFoundError:
            continue


def _chmod_own(path: Path, mode: int) -> None:
    info = path.stat()
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)
