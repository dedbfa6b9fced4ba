"""The person page's timeline, written in Python: ``{{ timeline_entries(history.timeline) }}``.

A person at the bench's largest centre has ~37 entries (check-ins, contacts, stage
changes), and Jinja spent more on them than on the rest of the page: per entry a
moment, two or three filter calls, a ``_()`` each through the template's call
machinery, and an escape per expression (docs/performance.md). This writes the same
markup, byte for byte, as the loop it replaced in ``people/detail.html`` did (its
whitespace included: ``trim_blocks`` and ``lstrip_blocks``), with the same words: the
render's own ``gettext`` (autoescaped, values escaped as ``Markup % values`` does), the
template's filters (people does not import outreach) and the render's date formats.
Every value is escaped with ``markupsafe.escape``, as autoescape did. A fixed word
(a badge, an outcome, a role) is translated and escaped once a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import url_for
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from rekruttering.number_format import formats_of
from rekruttering.people.timeline import (
    ATTENDANCE,
    CONSENT,
    CONSENT_WITHDRAWN,
    CONTACT,
    DECLINED,
    MESSAGE,
    NOT_NOW,
    REFERRAL,
    STAGE,
    Entry,
)


class _Words:
    """One render's words: ``say`` is the template's ``_()``, ``filter_`` its
    ``{{ value|name }}``, both escaped; fixed words are worked out once."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.gettext = context.resolve("gettext")
        self.said: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = {}
        self.filtered: dict[tuple[str, Any], str] = {}

    def say(self, text: str, /, **variables: Any) -> str:
        # The same words with the same values ("by %(name)s" and one member of staff)
        # come back on many entries: each is worked out once.
        key = (text, tuple(variables.items()))
        found = self.said.get(key)
        if found is None:
            found = str(escape(self.context.call(self.gettext, text, **variables)))
            self.said[key] = found
        return found

    def filter_(self, name: str, value: Any) -> str:
        key = (name, value)
        found = self.filtered.get(key)
        if found is None:
            found = str(
                escape(self.context.environment.call_filter(name, value, context=self.context))
            )
            self.filtered[key] = found
        return found


def _volunteer(words: _Words, item: Any) -> str:
    return f"({words.filter_('role_label', item.role)})" if item.role == "volunteer" else ""


def _contact(words: _Words, item: Any, day: Callable[[Any], str]) -> str:
    """A ``ContactRow``."""
    if item.activity_name is not None:
        what = str(escape(item.activity_name))
    else:
        what = words.say("The centre in general")
    html = (
        f'          <div><span class="badge {words.filter_("outcome_badge", item.outcome)}">'
        f"{words.filter_('outcome_label', item.outcome)}</span>\n"
        f"{what}{_volunteer(words, item)}          </div>\n"
        '          <div class="small dot-list">\n'
    )
    if item.channel_name is not None:
        html += f"<span>{words.say('Channel:')} {escape(item.channel_name)}</span>"
    if item.by_user_name is not None:
        html += f"<span>{words.say('by %(name)s', name=item.by_user_name)}</span>"
    brought = item.recruited_by_name
    if brought is not None:
        to = escape(url_for("people.detail", person_id=item.recruited_by_id))
        html += f'<span>{words.say("brought by")} <a href="{to}">{escape(brought)}</a></span>'
    html += "          </div>\n"
    if item.note:
        html += f'<div class="small text-pre">{escape(item.note)}</div>'
    if item.follow_up_on:
        follow = words.say("Follow up on %(day)s", day=day(item.follow_up_on))
        done = ""
        if item.follow_up_done_at:
            done = f'<span class="badge text-bg-success">{words.say("done")}</span>'
        html += f'            <div class="small">{follow}\n{done}</div>\n'
    return html


def _purpose(words: _Words, item: Any) -> str:
    if item.purpose == "sms":
        return words.say("to be contacted by SMS")
    return words.say("to be kept in the register")


def _entry(words: _Words, entry: Entry, day: Callable[[Any], str]) -> str:
    kind, item = entry.kind, entry.item
    if kind == CONTACT:
        return _contact(words, item, day)
    if kind == STAGE:
        stage = entry.extra["stage"]
        return (
            f'          <div><span class="badge {words.filter_("stage_badge", stage)}">'
            f"{words.filter_('stage_label', stage)}</span> {escape(item.activity.name)}\n"
            f"{_volunteer(words, item)}</div>\n"
        )
    if kind == DECLINED:
        return (
            f'          <div><span class="badge text-bg-danger">{words.say("Said no")}</span> '
            f"{escape(item.activity.name)}</div>\n"
        )
    if kind == NOT_NOW:
        return (
            f'          <div><span class="badge text-bg-warning">{words.say("Not now")}</span> '
            f"{escape(item.activity.name)}</div>\n"
        )
    if kind == ATTENDANCE:
        walk_in = ""
        if item.walk_in:
            walk_in = f'<span class="small text-body-secondary">{words.say("walk-in")}</span>'
        return (
            f'          <div><span class="badge text-bg-primary">{words.say("Checked in")}</span> '
            f"{escape(item.activity_name)}\n{_volunteer(words, item)}{walk_in}</div>\n"
        )
    if kind == MESSAGE:
        said = words.say("SMS received" if item.direction == "inbound" else "SMS sent")
        body = words.context.environment.call_filter(
            "truncate", item.body, [160], context=words.context
        )
        return (
            f'          <div><span class="badge text-bg-light border">{said}</span>\n'
            "            </div>\n"
            f'          <div class="small">{escape(body)}</div>\n'
        )
    if kind == CONSENT:
        by = ""
        if item.recorded_by:
            by = f'<span class="small"> · {words.say("by %(name)s", name=item.recorded_by.name)}</span>'
        return (
            f'          <div><span class="badge text-bg-success">{words.say("Consent given")}</span>\n'
            f"{_purpose(words, item)}{by}</div>\n"
        )
    if kind == CONSENT_WITHDRAWN:
        return (
            f'          <div><span class="badge text-bg-warning">{words.say("Consent withdrawn")}'
            f"</span>\n{_purpose(words, item)}</div>\n"
        )
    if kind == REFERRAL:
        partner = words.context.call(words.context.resolve("partner_label"), item.partner)
        activity = f" · {escape(item.activity.name)}" if item.activity else ""
        return (
            f'          <div><span class="badge text-bg-info">{words.say("Referred")}</span> '
            f"{words.say('by %(name)s', name=partner)}{activity}</div>\n"
        )
    return ""


@pass_context
def timeline_entries(context: Context, timeline: Iterable[Entry]) -> Markup:
    """The ``<li>`` of each entry, as the template's loop wrote them."""
    words = _Words(context)
    formats = formats_of(context)
    day, moment = formats.day, formats.moment
    html: list[str] = []
    add = html.append
    for entry in timeline:
        add(
            f'      <li class="border-start border-3 ps-3 pb-3 timeline-{escape(entry.kind)}">\n'
            f'        <div class="small text-body-secondary">{escape(moment(entry.at))}</div>\n'
        )
        add(_entry(words, entry, day))
        add("      </li>\n")
    return Markup("".join(html))  # noqa: S704 - every value escaped between fixed tags
