"""Read the forms on a rendered page, so the benchmark posts what a browser would post.

The benchmark does not know every feature's form fields; it fills in the real form
(hidden CSRF and idempotency tokens included) and overrides the fields it cares about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: select name -> option values, in order
    options: dict[str, list[str]] = field(default_factory=dict)
    submits: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    #: The form has the ``hidden`` attribute: nobody can press its button until a
    #: script shows it (the check-in page's "check in" of someone already checked in).
    hidden: bool = False

    def data(self, **overrides: Any) -> dict[str, Any]:
        """The values a browser would send, with ``overrides`` (None drops a field)."""
        values: dict[str, Any] = {}
        for name, value in self.fields:
            values.setdefault(name, value)
        for name, value in overrides.items():
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        return values


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.select_value: str | None = None
        self.select_first: str | None = None
        self.textarea: str | None = None
        self.text: list[str] = []
        #: Inside a <template>: inert markup a script copies, never a form to post.
        self.templates = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "template":
            self.templates += 1
            return
        if self.templates:
            return
        if tag == "form":
            self.form = Form(
                action=a.get("action", ""),
                method=a.get("method", "get").lower(),
                hidden="hidden" in a,
            )
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            self.form.names.add(name)
            if kind in ("submit", "image", "button"):
                self.form.submits.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form.fields.append((name, a.get("value", "on")))
            else:
                self.form.fields.append((name, a.get("value", "")))
        elif tag == "button" and a.get("type", "submit") == "submit" and name:
            self.form.names.add(name)
            self.form.submits.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.form.names.add(name)
            self.select, self.select_value, self.select_first = name, None, None
            self.form.options[name] = []
        elif tag == "option" and self.select:
            value = a.get("value", "")
            self.form.options[self.select].append(value)
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self.select_value = value
        elif tag == "textarea" and name:
            self.form.names.add(name)
            self.textarea, self.text = name, []

    def handle_data(self, data: str) -> None:
        if self.textarea and not self.templates:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self.templates = max(0, self.templates - 1)
        elif self.templates:
            return
        elif tag == "form":
            self.form = None
        elif tag == "select" and self.form is not None and self.select:
            chosen = self.select_value if self.select_value is not None else self.select_first
            if chosen is not None:
                self.form.fields.append((self.select, chosen))
            self.select = None
        elif tag == "textarea" and self.form is not None and self.textarea:
            self.form.fields.append((self.textarea, "".join(self.text)))
            self.textarea = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms
