"""What the organisation, agreement and flow pages share: reading list arguments, sortable column
headers, the registry and its findings for a record page, and the words for a conflict.

Not a blueprint (``views.register`` only loads the areas it names).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..core.decisions import Reviewed
from ..core.domain import Agreement, Finding, Flow, Organisation, Registry
from ..core.rules.incremental import about_subjects
from ..store import services
from ..store.db import db
from ..store.services import (
    LISTINGS,
    ArchiveBlocked,
    Difference,
    InvalidRecord,
    Listing,
    ListParams,
    NotFound,
    Page,
    RecordType,
    StaleRecord,
    differences,
    duplicate_key,
)
from . import visible
from .auth import editor_required
from .forms import LABELS, ArchiveForm, RecordForm

__all__ = [
    "Column",
    "ConflictRow",
    "FormPages",
    "ListPage",
    "RecordContext",
    "actor",
    "add_archive_routes",
    "add_form_routes",
    "add_record_routes",
    "archive_page",
    "can_edit",
    "columns",
    "conflict_rows",
    "display",
    "edit_form",
    "list_params",
    "record_context",
    "record_or_404",
    "restore_record",
    "save_edit",
    "save_new",
    "validate_new",
]


R = TypeVar("R", Organisation, Agreement, Flow)
F = TypeVar("F", bound=RecordForm)

#: The highest page number a list is asked for (the list shows its last page for any beyond it).
MAX_PAGE = 1_000_000


def actor() -> str:
    """Who is making the change, for the audit log."""
    return current_user.email


def can_edit() -> bool:
    """Whether the signed-in user may change the registry (templates show no edit links otherwise)."""
    return bool(current_user.is_authenticated and current_user.can_edit)


def list_params(args: Mapping[str, str], filters: tuple[str, ...]) -> ListParams:
    """A list page's query arguments: q, the named filters, sort, dir, page, include_archived.

    A page number that is not one is the first page; the list shows its last page for one past it.
    (A control character in any argument was refused before: ``web.refuse_control_characters``.)
    """
    try:
        page = min(max(1, int(args.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page = 1
    return ListParams(
        q=(args.get("q") or "").strip(),
        filters={name: (args.get(name) or "").strip() for name in filters if (args.get(name) or "").strip()},
        sort=args.get("sort", ""),
        dir="desc" if args.get("dir") == "desc" else "asc",
        page=page,
        include_archived=args.get("include_archived") in ("1", "yes", "on", "true"),
        visible_to=visible.scope(),
    )


@dataclass(frozen=True)
class Column:
    """A list column's header: its label, the link that sorts by it, and its aria-sort state."""

    name: str
    label: str
    url: str | None
    aria_sort: str | None


def columns(headings: Sequence[tuple[str, str]], params: ListParams, listing: Listing) -> list[Column]:
    """Headers for ``(name, label)``: a link to sort by each column the list sorts by, which
    reverses its direction on the column it is sorted by now."""
    current = params.sort or listing.default_sort
    out = []
    for name, label in headings:
        if name not in listing.sorts:
            out.append(Column(name, label, None, None))
            continue
        is_current = name == current
        direction = "desc" if is_current and params.dir == "asc" else "asc"
        args: dict[str, Any] = request.args.to_dict()
        args.update(sort=name, dir=direction)
        args.pop("page", None)
        aria = ("ascending" if params.dir == "asc" else "descending") if is_current else "none"
        out.append(Column(name, label, url_for(request.endpoint or "", **args), aria))
    return out


@dataclass(frozen=True)
class RecordContext:
    """The registry (archived records included) and the findings about one record."""

    registry: Registry
    findings: list[Finding]
    today: date
    #: Each finding's state, decision and action, by the finding's identity.
    reviewed: Mapping[tuple[str, str, str], Reviewed] = field(default_factory=dict)


def record_context(rt: RecordType[Any], key: str) -> RecordContext:
    """Load the registry once (four statements) and check it; 404 when the record does not exist.

    Archived records are loaded so that their pages still open; the rules leave them out.
    """
    today = date.today()
    checked = visible.checked(today)
    registry = checked.full
    records = rt.records(registry)
    if key not in records:
        abort(404)
    record = records[key]
    # The findings are sorted by severity, then subject: the record's are found by bisection.
    findings = [] if record.archived else about_subjects(checked.findings, [(rt.subject_type, key)])
    return RecordContext(registry, findings, today, checked.reviewed_by_id)


def record_or_404(rt: RecordType[R], key: str) -> tuple[R, int]:
    """The record to change and the version it was read at; 404 when there is none with this key."""
    try:
        return services.get(db.session, rt, key)
    except NotFound:
        abort(404)


def edit_form(
    rt: RecordType[R], key: str, form_class: type[F], data: Callable[[R, int], dict[str, Any]]
) -> tuple[R, F]:
    """The record and its edit form, filled in from it (``data``), without a key field: a record's
    key is not edited. 404 when there is no record with this key."""
    record, version_id = record_or_404(rt, key)
    form = form_class(data=data(record, version_id))
    del form.key
    return record, form


def validate_new(form: Any, rt: RecordType[Any]) -> bool:
    """Validate a new record's form, reporting a key already in use in the same pass."""
    ok = form.validate()
    taken = duplicate_key(db.session, rt.subject_type, form.key.data)
    if taken and not form.key.errors:
        form.key.errors = [*form.key.errors, taken]
        ok = False
    return ok


def display(value: Any) -> str:
    """A saved or submitted value in words, for the conflict table."""
    if value is None or value == "" or value == []:
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(display(v) for v in value)
    if isinstance(value, dict):
        if "organisation" in value:  # a party
            signed = (
                f", signed {value['signed_on']} by {value.get('signed_by') or 'someone'}"
                if value.get("signed_on")
                else ""
            )
            return f"{value['organisation']} ({value.get('role', 'controller')}{signed})"
        return ", ".join(f"{k}: {display(v)}" for k, v in value.items() if v is not None) or "Not recorded"
    return str(value)


@dataclass(frozen=True)
class ConflictRow:
    """One field that differs between what the editor submitted and what is saved now."""

    field: str
    label: str
    theirs: str
    current: str


def conflict_rows(stale: StaleRecord, theirs: dict[str, Any], labels: Mapping[str, str]) -> list[ConflictRow]:
    """The differences between the editor's values and the saved record, in words."""
    if stale.current is None:
        return []
    found: list[Difference] = differences(theirs, stale.current)
    return [
        ConflictRow(
            d.field,
            labels.get(d.field, d.field.replace("_", " ").capitalize()),
            display(d.theirs),
            display(d.current),
        )
        for d in found
        if d.field != "archived"
    ]


def archive_page(rt: RecordType[Any], key: str, record: Any, version_id: int) -> Response | tuple[str, int]:
    """Confirm (GET) and archive (POST) a record; explain what blocks it, if anything does."""
    subject_type = rt.subject_type
    form = ArchiveForm(data={"version_id": version_id})
    reasons = services.archive_blockers(db.session, subject_type, key)
    label = f"{subject_type.capitalize()} {key}"
    status = 200
    if form.validate_on_submit():
        try:
            services.archive(db.session, actor(), subject_type, key, form.loaded_version())
        except ArchiveBlocked as blocked:
            reasons, status = blocked.reasons, 409
        except StaleRecord:
            flash(f"{label} was changed by someone else: check it before archiving", "error")
            return redirect(url_for(".show", key=key))
        else:
            flash(f"{label} archived", "success")
            return redirect(url_for(".show", key=key))
    page = render_template(
        "_archive.html",
        record=record,
        subject_type=subject_type,
        title=rt.title(record),
        form=form,
        reasons=reasons,
        show_url=url_for(".show", key=key),
    )
    return page, status


def restore_record(rt: RecordType[Any], key: str) -> Response:
    """Bring an archived record back, and go to its page."""
    try:
        services.restore(db.session, actor(), rt.subject_type, key)
    except NotFound:
        abort(404)
    flash(f"{rt.subject_type.capitalize()} {key} restored", "success")
    return redirect(url_for(".show", key=key))


FormPage = Callable[..., tuple[str, int]]


def save_new(rt: RecordType[Any], form: Any, form_page: FormPage) -> Response | tuple[str, int]:
    """The POST of a new-record form: create the record and go to its page, or show the errors."""
    if validate_new(form, rt):
        try:
            saved = services.create(db.session, actor(), rt, form.to_domain())
        except InvalidRecord as exc:
            form.add_errors(exc.errors)
        else:
            flash(f"{rt.subject_type.capitalize()} {saved.key} saved", "success")
            return redirect(url_for(".show", key=saved.key))
    return form_page(form, status=400)


def save_edit(
    rt: RecordType[Any],
    key: str,
    form: Any,
    labels: Mapping[str, str],
    form_page: FormPage,
    theirs: Callable[[Any, StaleRecord], dict[str, Any]] | None = None,
) -> Response | tuple[str, int]:
    """The POST of an edit form: save against the version the form was loaded at.

    When the record changed meanwhile, nothing is saved: the form comes back (409) with the
    editor's input, a table of what differs (``theirs`` gives the submission as an exchange dict
    to compare with the saved one; by default the record type's own) and the new version, so that
    saving again is a deliberate overwrite.
    """
    if form.validate():
        submitted = form.to_domain(key)
        try:
            services.update(db.session, actor(), rt, key, submitted, form.loaded_version())
        except InvalidRecord as exc:
            form.add_errors(exc.errors)
        except StaleRecord as stale:
            form.version_id.data = str(stale.version_id)
            submission = theirs(submitted, stale) if theirs else rt.to_dict(submitted)
            rows = conflict_rows(stale, submission, labels)
            return form_page(form, key=key, conflict=rows, status=409)
        else:
            flash(f"{rt.subject_type.capitalize()} {key} saved", "success")
            return redirect(url_for(".show", key=key))
    return form_page(form, key=key, status=400)


def _no_choices(form: Any, current: Any) -> None:
    return None


@dataclass(frozen=True)
class FormPages:
    """A record type's new and edit pages, declared once for :func:`add_form_routes`.

    ``form_class`` is the form, ``data`` fills it in from a saved record and its version, and
    ``start`` gives what a new form shows first (on GET). ``prepare`` sets the choices the form
    validates against, given the saved record (None for a new one); ``template`` shows the form,
    with what ``context`` adds for it (given the form, the key and the saved record); ``labels``
    word the rows of a conflict and ``theirs`` compares a stale submission (see
    :func:`save_edit`). ``interim`` handles a POST that only changes the form, such as adding a
    row for another party: True when it did, and the form is shown again unsaved.
    """

    rt: RecordType[Any]
    form_class: type[Any]
    data: Callable[[Any, int], dict[str, Any]]
    template: str
    context: Callable[[Any, str | None, Any], dict[str, Any]]
    labels: Mapping[str, str]
    prepare: Callable[[Any, Any], None] = _no_choices
    start: Callable[[], dict[str, Any]] = dict
    theirs: Callable[[Any, StaleRecord], dict[str, Any]] | None = None
    interim: Callable[[Any], bool] | None = None

    def page(
        self,
        form: Any,
        *,
        key: str | None = None,
        current: Any = None,
        conflict: list[ConflictRow] | None = None,
        status: int = 200,
    ) -> tuple[str, int]:
        """The form's page (``key`` None for a new record): the form and its errors, the rows of a
        conflict when there is one, and what else this type's template shows (``context``)."""
        extra = self.context(form, key, current)
        return (
            render_template(
                self.template,
                form=form,
                key=key,
                current=current,
                conflict=conflict,
                labels=LABELS,
                error_list=form.error_list(),
                **extra,
            ),
            status,
        )

    def posted(self, form: Any) -> bool:
        """Whether this request submits the form to be saved."""
        return request.method == "POST" and not (self.interim and self.interim(form))


def add_form_routes(bp: Blueprint, pages: FormPages) -> None:
    """Give ``bp`` the editors' ``/new`` and ``/<key>/edit`` pages for ``pages.rt``: each shows its
    form on GET and saves it on POST (:func:`save_new`, :func:`save_edit`)."""
    rt = pages.rt

    def new() -> Response | tuple[str, int]:
        form = pages.form_class(data=pages.start() if request.method == "GET" else None)
        pages.prepare(form, None)
        if pages.posted(form):
            return save_new(rt, form, pages.page)
        return pages.page(form)

    def edit(key: str) -> Response | tuple[str, int]:
        current, form = edit_form(rt, key, pages.form_class, pages.data)
        pages.prepare(form, current)
        page = functools.partial(pages.page, current=current)
        if pages.posted(form):
            return save_edit(rt, key, form, pages.labels, page, pages.theirs)
        return page(form, key=key)

    new.__doc__ = f"Create {rt.label.lower()}; its page then shows what the rules find."
    edit.__doc__ = f"Edit {rt.label.lower()}; a save from an out-of-date form shows what changed meanwhile."
    bp.add_url_rule("/new", "new", editor_required(new), methods=["GET", "POST"])
    bp.add_url_rule("/<key>/edit", "edit", editor_required(edit), methods=["GET", "POST"])


@dataclass(frozen=True)
class ListPage:
    """A record type's list page, declared once for :func:`add_record_routes`.

    ``headings`` are its columns' (name, heading), in order; what it is filtered and sorted by is
    its section's :data:`~isa_registry.store.lists.LISTINGS` entry. ``fetch`` gives one page of
    records for the query; ``template`` shows them with what ``context`` adds (its filters'
    options).
    """

    headings: tuple[tuple[str, str], ...]
    fetch: Callable[[ListParams], Page]
    template: str
    context: Callable[[], dict[str, Any]] = dict

    def render(self, listing: Listing) -> str:
        """The page for this request's query."""
        params = list_params(request.args, tuple(listing.filters))
        return render_template(
            self.template,
            page=self.fetch(params),
            params=params,
            columns=columns(self.headings, params, listing),
            **self.context(),
            labels=LABELS,
            can_edit=can_edit(),
        )


def add_record_routes(bp: Blueprint, listed: ListPage, forms: FormPages) -> None:
    """Give ``bp`` a record type's list (``/``), its new and edit pages (:func:`add_form_routes`)
    and its archive and restore (:func:`add_archive_routes`)."""
    rt = forms.rt
    listing = LISTINGS[rt.section]

    def index() -> str:
        return listed.render(listing)

    index.__doc__ = f"{rt.section.capitalize()}, searched, filtered, sorted and paged by the query string."
    bp.add_url_rule("/", "index", index, methods=["GET"])
    add_form_routes(bp, forms)
    add_archive_routes(bp, rt)


def add_archive_routes(bp: Blueprint, rt: RecordType[Any]) -> None:
    """Give ``bp`` the editors' ``/<key>/archive`` (confirm on GET, archive on POST, or explain
    what blocks it: :func:`archive_page`) and ``/<key>/restore`` (:func:`restore_record`) for
    records of type ``rt``."""

    def archive(key: str) -> Response | tuple[str, int]:
        record, version_id = record_or_404(rt, key)
        return archive_page(rt, key, record, version_id)

    def restore(key: str) -> Response:
        return restore_record(rt, key)

    archive.__doc__ = (
        f"Confirm (GET) and archive (POST) a {rt.subject_type}, unless live records depend on it."
    )
    restore.__doc__ = f"Bring an archived {rt.subject_type} back."
    bp.add_url_rule("/<key>/archive", "archive", editor_required(archive), methods=["GET", "POST"])
    bp.add_url_rule("/<key>/restore", "restore", editor_required(restore), methods=["POST"])
