"""GOV.UK Frontend components written once for each distinct set of arguments.

GOV.UK Frontend's Jinja macros are pure: the same arguments always give the same markup, and they
see nothing of the request. Through Jinja they are slow, though: a date input costs about 2 ms, a
pager 1 ms, a text input 0.4 ms, which on the busiest pages (the lists' search box and pager, the
findings page's date boxes) was more than the rest of the page. :func:`component` writes a
component's markup once for each distinct set of arguments and keeps the most recently used
(:data:`SIZE` per app, see :mod:`isa_registry.store.cache`); the pages call it instead of the macro
where a page shows the same component with the same arguments to many requests::

    {{ component('govukInput', {'id': 'q', 'name': 'q', 'label': {'text': 'Search'}}) }}

Arguments are compared by value and by type (a ``Markup`` is not the ``str`` of the same text: one
is written as it is and the other escaped). Arguments that are not plain data (a form's field, an
undefined variable, a ``caller``) are not kept: the macro is called as usual. A component's
``slots`` (HTML the macro writes as it is, such as the service navigation's sign-out form, which
holds a CSRF token that changes every second) are left out of what is compared: the markup is kept
with a marker in each slot, and the slots' HTML is put in place of the markers on each call.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup

from ..store.cache import Kept

__all__ = ["COMPONENTS", "SIZE", "component", "kept"]

#: The components :func:`component` writes: macro name -> the template that defines it.
COMPONENTS = {
    "govukButton": "govuk_frontend_jinja/components/button/macro.html",
    "govukCheckboxes": "govuk_frontend_jinja/components/checkboxes/macro.html",
    "govukDateInput": "govuk_frontend_jinja/components/date-input/macro.html",
    "govukInput": "govuk_frontend_jinja/components/input/macro.html",
    "govukPagination": "govuk_frontend_jinja/components/pagination/macro.html",
    "govukServiceNavigation": "govuk_frontend_jinja/components/service-navigation/macro.html",
    "govukSkipLink": "govuk_frontend_jinja/components/skip-link/macro.html",
}

#: How many distinct calls each app keeps (a few kilobytes each).
SIZE = 512

_PLAIN = (str, Markup, int, float, bool, type(None))


class _NotPlain(Exception):
    """An argument that is not plain data, so not kept."""


def _frozen(value: Any) -> Hashable:
    """``value`` as a key: equal only for arguments of equal values and types."""
    kind = type(value)
    if kind in _PLAIN:
        return kind, value
    if kind is dict:
        return dict, tuple((k, _frozen(v)) for k, v in value.items())
    if kind is list or kind is tuple:
        return kind, tuple(_frozen(v) for v in value)
    raise _NotPlain


def kept(app: Flask) -> Kept[Hashable, Markup]:
    """The components ``app`` keeps (made on first use)."""
    found: Kept[Hashable, Markup] | None = app.extensions.get("isa_components")
    if found is None:
        found = app.extensions["isa_components"] = Kept(size=SIZE)
    return found


def component(name: str, params: Mapping[str, Any]) -> Markup:
    """The markup of the GOV.UK macro ``name`` (one of :data:`COMPONENTS`) called with ``params``."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    slots = params.get("slots")
    filled: dict[str, str] = {}
    if type(slots) is dict and slots:
        # Each slot written is replaced by its marker: a slot is written as it is (``| safe``), and
        # a marker can come from no other argument (those are escaped: "<" becomes "&lt;").
        filled = {f"<isa-slot {slot}>": str(html) for slot, html in slots.items() if html}
        params = {
            **params,
            "slots": {slot: f"<isa-slot {slot}>" if html else html for slot, html in slots.items()},
        }
    try:
        key: Hashable | None = (name, _frozen(params))
    except _NotPlain:
        key = None
    store = kept(app)
    html = store.get(key) if key is not None else None
    if html is None:
        macro = getattr(app.jinja_env.get_template(COMPONENTS[name]).module, name)
        html = Markup(macro(params))  # noqa: S704 - the macro's own output, escaped as it writes it
        if key is not None:
            store.put(key, html)
    for marker, slot_html in filled.items():
        html = Markup(str.replace(html, marker, slot_html, 1))  # noqa: S704 - the slot as the macro writes it
    return html
