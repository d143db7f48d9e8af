"""QR codes as inline SVG, generated locally (the kiosk runs offline)."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, *, scale: int = 4, title: str = "") -> SafeString:
    """An inline <svg> element (no XML declaration, no namespace URL) encoding `data`."""
    code = segno.make(data, error="m", micro=False)
    svg = code.svg_inline(
        scale=scale,
        border=2,
        dark="#000",
        light="#fff",
        title=title or None,
        svgclass="ow-qr",
        omitsize=True,  # sized by CSS through the viewBox
    )
    # segno escapes the title; the rest is generated markup.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308
