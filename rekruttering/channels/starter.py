"""The channels every new centre starts with; its admin renames or retires them.

Partner channels are not here: they come from the partners a centre links.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from rekruttering.channels.service import add_channel
from rekruttering.config import current_settings
from rekruttering.models import Channel, ChannelKind

STARTER_CHANNELS: tuple[tuple[object, ChannelKind], ...] = (
    (_l("Word of mouth from participants and neighbours"), ChannelKind.WORD_OF_MOUTH),
    (_l("Posters and brochures"), ChannelKind.PRINT),
    (_l("Facebook and other social media"), ChannelKind.SOCIAL_MEDIA),
    (_l("Staff visits and drop-in hours"), ChannelKind.OUTREACH),
    (_l("Another activity at the centre"), ChannelKind.INTERNAL),
)


def add_starter_channels(centre_id: int) -> list[Channel]:
    """Add the starter set, named in the installation's language (they are the centre's
    data, not interface text: a later language switch does not rename them)."""
    with force_locale(current_settings().app.default_locale):
        return [add_channel(centre_id, str(name), kind) for name, kind in STARTER_CHANNELS]
