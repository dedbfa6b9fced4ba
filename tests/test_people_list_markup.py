"""The people list's rows and filter options, written in Python, against the Jinja
loops they replaced (rendered in the app's own environment: its filters, its
``trim_blocks`` and ``lstrip_blocks``), on awkward values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import render_template_string
from flask_babel import force_locale
from markupsafe import escape

from rekruttering.domain.funnel import Role, Stage
from rekruttering.people.search import ListedEnrolment, ListedPerson

#: The loop of people/index.html before the rows were written in Python.
OLD_ROWS = """  <tbody>
  {% set to_person = url_pattern('people.detail', person_id='*') %}
  {% for person in page.items %}
    <tr>
      {% set phone = person.phone|phone %}
      <td><a href="{{ to_person(person_id=person.id) }}">{{ person.display_name }}</a>
        <div class="d-md-none small text-body-secondary">{{ phone }}</div></td>
      <td class="d-none d-md-table-cell text-nowrap">{{ phone }}</td>
      <td class="d-none d-md-table-cell">{{ person.language|language_name }}</td>
      <td>
        {% for e in person.enrolments %}
          <span class="badge stage-badge {{ e.stage|stage_badge }}" title="{{ e.role|role_label }}">{{ e.activity_name }}: {{ e.stage|stage_label }}{% if e.role == "volunteer" %} ({{ e.role|role_label }}){% endif %}</span>
        {% endfor %}
      </td>
      <td class="d-none d-lg-table-cell text-nowrap">{{ person.last_activity_at|local_date }}</td>
    </tr>
  {% endfor %}
  </tbody>
"""

NEW_ROWS = """  <tbody>
{{ people_rows(page.items) }}  </tbody>
"""

#: One select's loop before the options were written in Python (activities, channels
#: and partners had this shape; languages the same with ``code|language_name``).
OLD_OPTIONS = """        <select>
          <option value="">All</option>
          {% for a in rows %}<option value="{{ a[0] }}" {% if chosen == a[0] %}selected{% endif %}>{{ a[1] }}</option>{% endfor %}
        </select>
          {% for code in codes %}<option value="{{ code }}" {% if chosen == code %}selected{% endif %}>{{ code|language_name }}</option>{% endfor %}
        </select>
"""

NEW_OPTIONS = """        <select>
          <option value="">All</option>
{{ people_options(rows, chosen) }}        </select>
{{ people_options(languages, chosen) }}        </select>
"""


def _people() -> list[ListedPerson]:
    return [
        ListedPerson(
            1,
            "Åse <b>",
            'O\'Neil & "Sons"',
            "+4790012345",
            "ar",
            datetime(2026, 3, 29, 0, 30),  # the night Oslo moves its clocks
            [
                ListedEnrolment("Språkkafé <i>", Role.PARTICIPANT, Stage.HEARD),
                ListedEnrolment('Lekse & "hjelp"', Role.VOLUNTEER, Stage.REGULAR),
                ListedEnrolment("Språkkafé <i>", Role.VOLUNTEER, Stage.SHOWED_UP),
            ],
        ),
        ListedPerson(22, "Kasem", "", None, "xx", None, []),
        ListedPerson(
            333,
            "Ola",
            "Nordmann",
            "+46701234567",
            "so",
            datetime(2026, 11, 1, 23, 5, tzinfo=UTC),
            [
                ListedEnrolment("Fotball", Role.PARTICIPANT, Stage.ASKED),
                # The first person's badge again: written once a page, shown twice.
                ListedEnrolment("Språkkafé <i>", Role.PARTICIPANT, Stage.HEARD),
            ],
        ),
        ListedPerson(4444, "Ali", "Uten språk", "+4790000000", "", None, []),
    ]


class _Page:
    def __init__(self, items: list[ListedPerson]) -> None:
        self.items = items


@pytest.mark.parametrize("locale", ["nb", "en"])
@pytest.mark.parametrize("count", [1, 3, 4])
def test_rows_as_the_template_loop_wrote_them(app: Any, locale: str, count: int) -> None:
    page = _Page(_people()[:count])
    with app.test_request_context(), force_locale(locale):
        old = render_template_string(OLD_ROWS, page=page)
        new = render_template_string(NEW_ROWS, page=page)
    assert new == old
    assert "&lt;b&gt;" in new and "&#34;hjelp&#34;" in new and "<b>" not in new


@pytest.mark.parametrize("locale", ["nb", "en"])
@pytest.mark.parametrize("chosen", [None, 2, "2", "so", 'a"<'])
def test_options_as_the_template_loop_wrote_them(app: Any, locale: str, chosen: Any) -> None:
    rows = [(2, "Datahjelp"), (14, 'Quotes " & <tags>'), (3, "Ünïcødé ✓"), ('a"<', "odd value")]
    codes = ["ar", "so", "xx"]
    with app.test_request_context(), force_locale(locale):
        from rekruttering.languages import language_name

        old = render_template_string(OLD_OPTIONS, rows=rows, codes=codes, chosen=chosen)
        new = render_template_string(
            NEW_OPTIONS,
            rows=rows,
            languages=[(code, language_name(code)) for code in codes],
            chosen=chosen,
        )
    assert new == old
    assert "&lt;tags&gt;" in new and "<tags>" not in new


def test_a_badge_is_written_once_a_page(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same activity, role and stage on many rows: escaped and translated once."""
    from rekruttering.people import list_rows

    escaped: list[Any] = []

    def counting(value: Any) -> Any:
        escaped.append(value)
        return escape(value)

    monkeypatch.setattr(list_rows, "escape", counting)
    person = _people()[0]
    people = [
        ListedPerson(i, "Åse", "Berg", None, "ar", None, person.enrolments[:1]) for i in range(5)
    ]
    with app.test_request_context():
        html = render_template_string(NEW_ROWS, page=_Page(people))
    assert html.count("Språkkafé &lt;i&gt;: ") == 5
    assert escaped.count("Språkkafé <i>") == 1


@pytest.mark.parametrize("locale", ["nb", "en"])
def test_language_names_are_language_name(app: Any, locale: str) -> None:
    from rekruttering.languages import LANGUAGES, language_name, language_names

    with app.test_request_context(), force_locale(locale):
        names = language_names()
        for code in [*LANGUAGES, "xx", ""]:
            assert (names.get(code, code) if code else "") == language_name(code)


def test_the_list_names_languages_from_the_locale_s_names(
    app: Any, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A language's name on the people list (the filter's and each row's) comes from
    ``language_names``, worked out once per locale, not a catalogue lookup each."""
    from rekruttering import languages
    from rekruttering.people.queries import filter_options

    centre = make.centre()
    for i, code in enumerate(["ar", "so", "xx"]):
        make.person(centre, first_name=f"P{i}", language=code)
    page = _Page(_people())
    with app.test_request_context(), force_locale("en"):
        languages.language_names()  # once per locale and app
        monkeypatch.setattr(languages, "LANGUAGES", {})  # a lookup now would find nothing
        html = render_template_string(NEW_ROWS, page=page)
        options = filter_options(centre.id)["person_languages"]
    assert ">Arabic</td>" in html and ">Somali</td>" in html and ">xx</td>" in html
    assert options == [("ar", "Arabic"), ("so", "Somali"), ("xx", "xx")]
