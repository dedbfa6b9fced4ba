"""QR codes for printing (segno: pure Python, no image library needed)."""

from __future__ import annotations

import io

import segno


def _qr(url: str) -> segno.QRCode:
    # Error correction "M" survives a scuffed poster and keeps the code small.
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="svg", scale=scale, border=4, xmldecl=True, svgns=True)
    return buffer.getvalue()


def qr_png(url: str, scale: int = 16) -> bytes:
    """About 600 px for a short URL: sharp on an A4 poster."""
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
