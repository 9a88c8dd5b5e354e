"""QR codes drawn with text, for the e-mail view: a recovery link a phone
camera (or the kiosk's scanner) can read off the operator's screen."""

from __future__ import annotations

import io
import re

URL = re.compile(r"https?://\S+")


def qr_text(data: str) -> str:
    import qrcode  # only the outbox view draws QR codes

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()


def links_in(text: str) -> list[str]:
    return URL.findall(text)
