"""The people list's result rows, written in Python: ``{{ people_rows(page.items) }}``.

A search page shows fifty people, and Jinja spent ~35 µs a row on them: a link, the
name, the phone twice, the language, a badge per enrolment and a date, each through an
expression, a filter call and an escape (docs/performance.md). This writes the same
markup, byte for byte, as the loop it replaced in ``people/index.html`` did, with the
same filters and the same escaping (the funnel words through the template's own
filters ``stage_label``, ``role_label`` and ``stage_badge``: people does not import
outreach). A word that repeats on every row (a stage, a role, a language) is translated
and escaped once a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from rekruttering.domain.funnel import Role
from rekruttering.domain.phone import format_phone
from rekruttering.languages import language_names
from rekruttering.number_format import formats_of
from rekruttering.people.search import ListedEnrolment, ListedPerson
from rekruttering.templating import ROW, url_pattern


def _escaped(function: Callable[[Any], str]) -> Callable[[Any], str]:
    """``str(escape(function(value)))``, remembered for one page (its words repeat)."""
    found: dict[Any, str] = {}

    def word(value: Any) -> str:
        text = found.get(value)
        if text is None:
            text = found[value] = str(escape(function(value)))
        return text

    return word


def _template_filter(context: Context, name: str) -> Callable[[Any], str]:
    """The template's filter ``name``, as ``{{ value|name }}`` calls it in this render."""
    environment = context.environment
    return lambda value: environment.call_filter(name, value, context=context)


@pass_context
def people_rows(context: Context, people: Iterable[ListedPerson]) -> Markup:
    """The ``<tr>`` of each person, as the template's loop wrote them (its whitespace
    included: ``trim_blocks`` and ``lstrip_blocks``)."""
    to_person = url_pattern("people.detail", person_id=ROW)
    day = formats_of(context).day
    names = language_names()
    language = _escaped(lambda code: names.get(code, code) if code else "")  # language_name
    role = _escaped(_template_filter(context, "role_label"))
    stage = _escaped(_template_filter(context, "stage_label"))
    badge = _escaped(_template_filter(context, "stage_badge"))
    # A badge (activity, role, stage) written once a page: the same few are on many rows.
    badges: dict[ListedEnrolment, str] = {}
    html: list[str] = []
    add = html.append
    for person in people:
        phone = escape(format_phone(person.phone))
        add(
            f'    <tr>\n      <td><a href="{escape(to_person(person_id=person.id))}">'
            f"{escape(person.display_name)}</a>\n"
            f'        <div class="d-md-none small text-body-secondary">{phone}</div></td>\n'
            f'      <td class="d-none d-md-table-cell text-nowrap">{phone}</td>\n'
            f'      <td class="d-none d-md-table-cell">{language(person.language)}</td>\n'
            "      <td>\n"
        )
        for e in person.enrolments:
            text = badges.get(e)
            if text is None:
                volunteer = f" ({role(e.role)})" if e.role == Role.VOLUNTEER else ""
                text = badges[e] = (
                    f'          <span class="badge stage-badge {badge(e.stage)}" '
                    f'title="{role(e.role)}">{escape(e.activity_name)}: {stage(e.stage)}'
                    f"{volunteer}</span>\n"
                )
            add(text)
        add(
            "      </td>\n"
            '      <td class="d-none d-lg-table-cell text-nowrap">'
            f"{escape(day(person.last_activity_at))}</td>\n    </tr>\n"
        )
    return Markup("".join(html))  # noqa: S704 - every value escaped between fixed tags
