"""`kiosk serve`'s page, made to work offline: textual-serve's own page asks
Google Fonts for Roboto Mono, which a branch tablet on a closed network never
reaches (the terminal then falls back to another font and measures its cells
wrong).  textual-serve ships the font files itself; this page points at them."""

from __future__ import annotations

import re
from pathlib import Path

import textual_serve

PAGE = "app_index.html"
GOOGLE_FONTS = re.compile(r'<link\s+rel="stylesheet"\s+href="https://fonts\.googleapis\.com/[^"]*"\s*/>')
LOCAL_FONTS = """<style>
      @font-face {
        font-family: "Roboto Mono";
        font-style: normal;
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
      }
      @font-face {
        font-family: "Roboto Mono";
        font-style: italic;
        src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype");
      }
    </style>"""


def offline_templates(directory: Path) -> Path:
    """Write textual-serve's page into ``directory`` with its fonts served
    locally, and return ``directory`` (for ``Server(templates_path=...)``)."""
    upstream = (Path(textual_serve.__file__).parent / "templates" / PAGE).read_text(encoding="utf-8")
    page, replaced = GOOGLE_FONTS.subn(LOCAL_FONTS, upstream)
    if replaced != 1 or "https://" in re.sub(r'xmlns="http[^"]*"', "", page):
        raise RuntimeError(f"textual-serve's {PAGE} changed: check what it loads from the internet")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / PAGE).write_text(page, encoding="utf-8")
    return directory
