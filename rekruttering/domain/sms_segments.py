"""How many SMS segments a text costs: GSM-7 (with its extension table) or UCS-2.

An SMS carries 140 bytes. Text that fits the GSM 03.38 alphabet is packed 7 bits a
character: 160 characters in one message, 153 per part when it is split (the rest is
the header that joins the parts). The extension table (``€ [ ] { } ^ ~ | \\`` and form
feed) costs two characters each, and an escape pair is never split across parts. One
character outside the alphabet (an emoji, a curly apostrophe, Cyrillic, Arabic) turns
the whole message into UCS-2: 70 UTF-16 units in one message, 67 per part, and a
character outside the Basic Multilingual Plane (most emoji) takes two units that are
never split either. Norwegian æ ø å Æ Ø Å are in the GSM alphabet.

Counted without the provider's "smart encoding" (which may swap curly quotes for plain
ones): the count is what the text costs at worst, and ``ucs2_characters`` tells staff
which characters to replace to make it cheaper.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class SegmentCount:
    """What a text costs: its encoding, its length in that encoding's units, and parts."""

    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    #: Characters that force UCS-2 (in order of first appearance): replace them to save.
    ucs2_characters: tuple[str, ...] = ()


_GSM7 = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    """Every character in the GSM-7 alphabet or its extension table (a set's own loop:
    the dispatcher counts every claimed reminder's text, docs/performance.md)."""
    return _GSM7.issuperset(text)


def _unit_widths(text: str, encoding: Encoding) -> list[int]:
    """The width of each character in units; a wide character is never split."""
    if encoding is Encoding.GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _parts(widths: list[int], part_size: int) -> int:
    """Fill parts greedily, moving a character that does not fit whole to the next part."""
    parts, used = 1, 0
    for width in widths:
        if used + width > part_size:
            parts += 1
            used = 0
        used += width
    return parts


def count_segments(text: str) -> SegmentCount:
    """Encoding, length in units and number of segments of ``text`` (0 for empty text)."""
    encoding = Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2
    widths = _unit_widths(text, encoding)
    units = sum(widths)
    single, part = (
        (GSM7_SINGLE, GSM7_PART) if encoding is Encoding.GSM7 else (UCS2_SINGLE, UCS2_PART)
    )
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = _parts(widths, part)
    offending: tuple[str, ...] = ()
    if encoding is Encoding.UCS2:
        offending = tuple(
            dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION)
        )
    return SegmentCount(encoding, units, segments, offending)
