"""QR codes drawn with text: a recovery link a phone camera (or the kiosk's
scanner) can read off the operator's screen, and a teller's authenticator
enrolment."""

from __future__ import annotations

import io
import re

URL = re.compile(r"https?://\S+")


def qr_text(data: str, border: int = 2, small: bool = False) -> str:
    """``data`` as a QR code in half-block characters.  ``small`` trades error
    correction for size, for a code read off a clean screen at arm's length."""
    import qrcode  # only the outbox view and the teller's enrolment draw QR codes

    level = qrcode.constants.ERROR_CORRECT_L if small else qrcode.constants.ERROR_CORRECT_M
    code = qrcode.QRCode(border=border, error_correction=level)
    code.add_data(data)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()


def links_in(text: str) -> list[str]:
    return URL.findall(text)
