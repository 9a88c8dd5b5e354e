"""Contrast between two colours as WCAG 2 measures it (relative luminance,
https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio): what a focus mark must
keep against what it replaces, 3:1 or more (WCAG 2.2 SC 1.4.11 and 2.4.13)."""

from __future__ import annotations

from textual.color import Color

# A focus mark changes the cells it is drawn on by at least this much.
FOCUS_CONTRAST = 3.0


def relative_luminance(colour: Color) -> float:
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.r) + 0.7152 * linear(colour.g) + 0.0722 * linear(colour.b)


def contrast_ratio(one: Color, other: Color) -> float:
    lighter, darker = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def focus_colour(preferred: Color, replaced: Color, others: tuple[Color, ...]) -> Color:
    """``preferred`` if it stands out enough from ``replaced``, else whichever of
    ``others`` stands out most (a focus ring around a key of the accent's own hue)."""
    if contrast_ratio(preferred, replaced) >= FOCUS_CONTRAST:
        return preferred
    return max(others, key=lambda colour: contrast_ratio(colour, replaced))
