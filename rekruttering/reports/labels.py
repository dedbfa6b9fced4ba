"""Words for the reports: stages, rates, target groups and channel kinds."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from rekruttering.analytics import Rate
from rekruttering.analytics import sentences as plain
from rekruttering.domain.target_groups import TargetGroup
from rekruttering.models import ChannelKind

STAGE_LABELS = {
    "heard": _l("Heard of it"),
    "asked": _l("Asked"),
    "showed_up": _l("Showed up"),
    "regular": _l("Regular"),
}

RATE_LABELS = {
    "heard_to_asked": _l("Heard → asked"),
    "asked_to_showed_up": _l("Asked → showed up"),
    "showed_up_to_regular": _l("Showed up → regular"),
    "heard_to_showed_up": _l("Heard → showed up"),
    "heard_to_regular": _l("Heard → regular"),
}

TARGET_GROUP_LABELS = {
    TargetGroup.IMMIGRANT.value: _l("People with immigrant background"),
    TargetGroup.CHILDREN_YOUTH.value: _l("Children, young people and their parents"),
    TargetGroup.VOLUNTEERS_SENIORS.value: _l("Volunteers and pensioners"),
    TargetGroup.OTHERS.value: _l("Others"),
}

CHANNEL_KIND_LABELS = {
    ChannelKind.WORD_OF_MOUTH.value: _l("Word of mouth"),
    ChannelKind.PRINT.value: _l("Brochures and posters"),
    ChannelKind.SOCIAL_MEDIA.value: _l("Social media"),
    ChannelKind.PARTNER.value: _l("Partners"),
    ChannelKind.OUTREACH.value: _l("Outreach by staff"),
    ChannelKind.INTERNAL.value: _l("Other activities at the centre"),
    ChannelKind.OTHER.value: _l("Other channels"),
    "none": _l("Channel not recorded"),
}


def translated_now(labels: Mapping[str, object]) -> dict[str, Markup]:
    """``labels`` (lazy) in the request's language, each translated once: a lazy label
    is translated again every time it is printed (the conversion table prints a rate
    label 45 times). Markup, as Jinja takes a lazy label (its ``__html__`` is its text)."""
    return {key: Markup(str(label)) for key, label in labels.items()}  # noqa: S704 - the catalogue's text


def target_group_label(value: str | None) -> str:
    if not value:
        return gettext("No target group")
    return str(TARGET_GROUP_LABELS.get(value, value))


def channel_kind_label(value: str | None) -> str:
    return str(CHANNEL_KIND_LABELS.get(value or "none", value or ""))


def rate_sentence(rate: Rate, reached: str) -> str:
    return plain.rate_sentence(rate, reached, gettext, ngettext)
