"""Sealing outbox messages at rest.

A message that carries a code must be readable by its member (and the demo
operator's outbox viewer) but not by whoever copies the database file, so its
body is stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) under a key derived
from the pepper, which never enters the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet


class Sealer:
    def __init__(self, pepper: bytes) -> None:
        key = hmac.new(pepper, b"kiosk outbox sealing key", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
