"""Analyses: who receives a kind of person's data, and what a breach at an organisation touches.

The pages are GET forms, so every answer is a URL that can be shared, and its CSV and JSON downloads
are stable URLs beside it (``/analyses/who-receives.csv?subjects=...&category=...&as_of=...``). The
answers come from :mod:`isa_registry.core.analyses` over the registry the process keeps
(:func:`~isa_registry.store.queries.checked_registry`). Every signed-in user may use them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, send_file, url_for
from flask_login import login_required

from ..core import analyses
from ..core.analyses import AnalysisError
from ..core.domain import Registry
from ..core.law import CATEGORIES, category_label
from ..core.vocabulary import AGREEMENT_STATUS
from . import visible
from .as_of import parse_as_of_boxes

bp = Blueprint("analyses", __name__)

#: What the page says when a choice is missing.
CHOOSE_SUBJECTS = "Choose the kind of person the data is about"
CHOOSE_CATEGORY = "Choose the data category"
CHOOSE_ORGANISATION = "Choose the organisation where the breach happened"


@dataclass
class _Asked:
    """What the query string asks, read and checked: the values, the date boxes to show again, and
    each problem as a GOV.UK error summary item (``text``, ``href`` to its field)."""

    as_of: date
    date_parts: dict[str, str]
    values: dict[str, str | None]
    problems: list[dict[str, str]] = field(default_factory=list)

    def error(self, name: str) -> dict[str, str] | None:
        """The field's GOV.UK ``errorMessage``, or None."""
        href = "#as_of-day" if name == "as_of" else f"#{name}"
        found = next((p for p in self.problems if p["href"] == href), None)
        return {"text": found["text"]} if found else None


def _text(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _read_date(args: Mapping[str, str]) -> _Asked:
    as_of, parts, problem = parse_as_of_boxes(args, date.today())
    asked = _Asked(as_of, parts, {})
    if problem:
        asked.problems.append({"text": problem, "href": "#as_of-day"})
    return asked


def _check(asked: _Asked, name: str, check: Any, *args: Any) -> None:
    try:
        check(*args)
    except AnalysisError as exc:
        asked.problems.append({"text": str(exc), "href": f"#{name}"})


def _who_asked(registry: Registry, args: Mapping[str, str]) -> _Asked:
    asked = _read_date(args)
    subjects, category, source = _text(args, "subjects"), _text(args, "category"), _text(args, "from")
    asked.values = {"subjects": subjects, "category": category, "from": source}
    if subjects is None:
        asked.problems.append({"text": CHOOSE_SUBJECTS, "href": "#subjects"})
    else:
        _check(asked, "subjects", analyses.check_subjects, registry, subjects)
    if category is None:
        asked.problems.append({"text": CHOOSE_CATEGORY, "href": "#category"})
    else:
        _check(asked, "category", analyses.category_codes, category)
    if source is not None:
        _check(asked, "from", analyses.check_organisation, registry, source)
    return asked


def _breach_asked(registry: Registry, args: Mapping[str, str]) -> _Asked:
    asked = _read_date(args)
    organisation = _text(args, "organisation")
    asked.values = {"organisation": organisation}
    if organisation is None:
        asked.problems.append({"text": CHOOSE_ORGANISATION, "href": "#organisation"})
    else:
        _check(asked, "organisation", analyses.check_organisation, registry, organisation)
    return asked


def _organisation_items(registry: Registry, first: str) -> list[dict[str, str]]:
    organisations = sorted(registry.organisations.values(), key=lambda o: (o.name.casefold(), o.key))
    return [{"value": "", "text": first}, *({"value": o.key, "text": o.name} for o in organisations)]


def _who_choices(registry: Registry) -> dict[str, list[dict[str, str]]]:
    categories = sorted(CATEGORIES.values(), key=lambda c: c.label)
    return {
        "subjects": [
            {"value": "", "text": "Choose a kind of person"},
            *(
                {"value": code, "text": analyses.subject_label(code)}
                for code in analyses.subject_codes(registry)
            ),
        ],
        "category": [
            {"value": "", "text": "Choose a data category"},
            *({"value": code, "text": label} for code, label in analyses.CATEGORY_GROUP_LABELS.items()),
            *({"value": c.code, "text": c.label} for c in categories),
        ],
        "from": _organisation_items(registry, "Any organisation (the whole partnership)"),
    }


def _problem_response(asked: _Asked) -> Response:
    """A download's bad query: a plain-text 400 naming each problem."""
    text = "\n".join(p["text"] for p in asked.problems) + "\n"
    return Response(text, status=400, mimetype="text/plain")


def _json(data: dict[str, Any], name: str) -> Response:
    response = Response(json.dumps(data, indent=2, ensure_ascii=False) + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv(table: tuple[list[str], list[list[str]]], name: str) -> Response:
    return send_file(
        analyses.generate_csv(table), mimetype="text/csv", as_attachment=True, download_name=name
    )


def _slug(*parts: str | None) -> str:
    """A download's name from its parts, keeping letters, digits and hyphens."""
    words = ("".join(ch if ch.isalnum() else "-" for ch in p) for p in parts if p)
    return "-".join(words)


@dataclass(frozen=True)
class _Analysis:
    """What the page and the downloads of one analysis differ in: the endpoint, how its query is
    read and checked, how it is answered, the downloads' query and file name, and its CSV table."""

    endpoint: str
    ask: Callable[[Registry, Mapping[str, str]], _Asked]
    answer: Callable[[Registry, _Asked], Any]
    query: Callable[[_Asked, Any], dict[str, Any]]
    name: Callable[[_Asked, Any], tuple[str | None, ...]]
    rows: Callable[[Any], tuple[list[str], list[list[str]]]]


def _who_answer(registry: Registry, asked: _Asked) -> analyses.WhoReceives:
    values = asked.values
    return analyses.who_receives(
        registry, values["subjects"] or "", values["category"] or "", asked.as_of, values["from"]
    )


def _who_query(asked: _Asked, answer: analyses.WhoReceives) -> dict[str, Any]:
    query: dict[str, Any] = {k: v for k, v in asked.values.items() if v}
    query["as_of"] = asked.as_of.isoformat()
    return query


def _who_name(asked: _Asked, answer: analyses.WhoReceives) -> tuple[str | None, ...]:
    values = asked.values
    return "who-receives", values["subjects"], values["category"], values["from"], asked.as_of.isoformat()


_WHO_RECEIVES = _Analysis(
    endpoint="who_receives",
    ask=_who_asked,
    answer=_who_answer,
    query=_who_query,
    name=_who_name,
    rows=analyses.who_receives_rows,
)

_BREACH_IMPACT = _Analysis(
    endpoint="breach_impact",
    ask=_breach_asked,
    answer=lambda registry, asked: analyses.breach_impact(
        registry, asked.values["organisation"] or "", asked.as_of
    ),
    query=lambda asked, impact: {"organisation": impact.organisation, "as_of": asked.as_of.isoformat()},
    name=lambda asked, impact: ("breach-impact", impact.organisation, asked.as_of.isoformat()),
    rows=analyses.breach_impact_rows,
)


@dataclass(frozen=True)
class _Answered:
    """An analysis's page as asked: the query read, the registry it reads, the answer (None until
    the form is sent and right) and the links to download it."""

    asked: _Asked
    registry: Registry
    answer: Any
    downloads: dict[str, str]


def _answered(analysis: _Analysis) -> _Answered:
    asked = _read_date(request.args)
    registry = visible.checked(asked.as_of).live
    answer = None
    if request.args:  # the form was sent: every choice is checked
        asked = analysis.ask(registry, request.args)
        if not asked.problems:
            answer = analysis.answer(registry, asked)
    downloads = {}
    if answer is not None:
        query = analysis.query(asked, answer)
        endpoint = f"analyses.{analysis.endpoint}_download"
        downloads = {fmt: url_for(endpoint, fmt=fmt, **query) for fmt in ("csv", "json")}
    return _Answered(asked, registry, answer, downloads)


def _render(template: str, page: _Answered, **context: Any) -> tuple[str, int]:
    """The page with its form and answer; a 400 when the query has a problem."""
    asked = page.asked
    return render_template(
        template, asked=asked, downloads=page.downloads, title_error=bool(asked.problems), **context
    ), (400 if asked.problems else 200)


def _download(analysis: _Analysis, fmt: str) -> Response:
    """An analysis's answer as CSV or JSON, for the query in the URL (a plain-text 400 naming each
    problem with it)."""
    asked = _read_date(request.args)
    registry = visible.checked(asked.as_of).live
    asked = analysis.ask(registry, request.args)
    if asked.problems:
        return _problem_response(asked)
    answer = analysis.answer(registry, asked)
    name = _slug(*analysis.name(asked, answer))
    if fmt == "json":
        return _json(answer.as_dict(), f"{name}.json")
    return _csv(analysis.rows(answer), f"{name}.csv")


@bp.get("/analyses")
@login_required
def index() -> str:
    """The analyses and what each answers."""
    return render_template("analyses/index.html")


@bp.get("/analyses/who-receives")
@login_required
def who_receives() -> tuple[str, int]:
    """Who receives a kind of person's data of a category on a date, from one organisation or any."""
    page = _answered(_WHO_RECEIVES)
    return _render(
        "analyses/who_receives.html",
        page,
        answer=page.answer,
        choices=_who_choices(page.registry),
        lines={f.key: f for f in page.answer.flows} if page.answer else {},
    )


@bp.get("/analyses/who-receives.<any(csv, json):fmt>")
@login_required
def who_receives_download(fmt: str) -> Response:
    """The answer of ``/analyses/who-receives`` as CSV or JSON, for the query in the URL."""
    return _download(_WHO_RECEIVES, fmt)


@bp.get("/analyses/breach-impact")
@login_required
def breach_impact() -> tuple[str, int]:
    """What a breach at an organisation on a date touches."""
    page = _answered(_BREACH_IMPACT)
    return _render(
        "analyses/breach_impact.html",
        page,
        impact=page.answer,
        organisations=_organisation_items(page.registry, "Choose an organisation"),
        category_label=category_label,
        agreement_statuses=AGREEMENT_STATUS.labels(),
        impact_duties={"controller": analyses.CONTROLLER_DUTY, "processor": analyses.PROCESSOR_DUTY},
    )


@bp.get("/analyses/breach-impact.<any(csv, json):fmt>")
@login_required
def breach_impact_download(fmt: str) -> Response:
    """The answer of ``/analyses/breach-impact`` as CSV or JSON, for the organisation in the URL."""
    return _download(_BREACH_IMPACT, fmt)
