"""The one exception the core raises for a request it refuses.

``reason`` is a stable code for tests and the audit trail; ``message`` is the
Spanish (or current-language) text the member reads.
"""

from __future__ import annotations


class Refusal(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
