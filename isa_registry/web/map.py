"""The partnership data map: the picture, the table of its edges, the analyses and the downloads.

The page and the downloads read the registry once (:func:`~isa_registry.store.queries.checked_registry`)
and hand it to :func:`isa_registry.core.graph.draw`, the pipeline the ``render-map`` command runs too;
the filters come from the query string (:mod:`.map_query`). Pictures drawn by Graphviz, and the page's
main content, are cached on disk under ``MAP_CACHE_DIR``, keyed by the registry revision, the filters,
the date and the format, so a repeat view never runs ``dot`` again, and a page or download found in
the cache does not even load the registry.

Nobody can fill the cache by varying the URL: only filters that name what the registry holds and
dates from 1900 to 2200 are drawn and kept (anything else is a 400), the table's page is kept
under the page it really shows (``?page=1000`` of a one-page table is page 1), and the folder is
kept under ``MAP_CACHE_MAX_MB`` (default 200) by deleting the files used least recently (a file's
modification time is set to now whenever it is read, so the order holds across processes). At most
``MAP_DOT_CONCURRENCY`` ``dot`` programs run at once on the host; a request that waits more than
``MAP_DOT_WAIT`` seconds for its turn is told the map is busy (503).

Settings (all optional): ``GRAPHVIZ_DOT`` (the dot program, default ``dot``), ``MAP_DOT_TIMEOUT``
(seconds, default 60), ``MAP_CLUSTER_THRESHOLD`` (default :data:`graph.CLUSTER_THRESHOLD`),
``MAP_DOT_CONCURRENCY`` and ``MAP_DOT_WAIT``, read by :meth:`graph.DrawOptions.from_settings`;
``MAP_CACHE_DIR`` and ``MAP_CACHE_MAX_MB``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from ..core import graph
from ..core.decisions import open_and_decided
from ..core.domain import Finding, Registry
from ..core.graph.render import DotBusy
from ..core.law import CATEGORIES
from ..store.queries import CheckedRegistry, per_revision
from ..store.services import slice_page
from . import visible
from .as_of import shown_parts, typed_parts
from .map_query import DATE_PROBLEM, DATE_RANGE_PROBLEM, MapLinks, filters_from_query, query_items

if TYPE_CHECKING:  # networkx is imported when a map is drawn, not when the app starts
    import networkx as nx

bp = Blueprint("map", __name__)

#: How many connections the page's table shows at a time (the JSON download has them all).
CONNECTIONS_PER_PAGE = 200
#: How many rows of the longer analyses the page shows (the JSON download has them all).
HUBS_SHOWN = 10
CHAINS_SHOWN = 50
CHAIN_SOURCES_SHOWN = 5
SENSITIVE_SHOWN = 20
SENSITIVE_SOURCES_SHOWN = 10
REACH_SHOWN = 25

DOT_MISSING = (
    "The picture cannot be drawn because Graphviz (the dot program) is not installed on the "
    "server. The table below lists every connection, and the DOT and JSON downloads still work."
)


def _options() -> graph.DrawOptions:
    return graph.DrawOptions.from_settings(current_app.config)


def _cache_file(
    revision: tuple[int, str], filters: graph.MapFilters, as_of: date, fmt: str, variant: int = 1
) -> Path:
    """Where the render of these filters, on this date, at this revision, is kept (``variant``:
    the page of the table of connections, for the page itself)."""
    key = json.dumps(
        [
            graph.RENDER_VERSION,
            *revision,
            query_items(filters),
            as_of.isoformat(),
            fmt,
            request.script_root,
            _options().threshold,
            variant,
        ]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return Path(current_app.config["MAP_CACHE_DIR"]) / f"r{revision[0]}-{digest}.{fmt}"


def _read(path: Path) -> bytes | None:
    """The kept file's bytes, or None; reading it marks it as used now (see :func:`_evict`)."""
    try:
        body = path.read_bytes()
        os.utime(path)
    except OSError:  # not kept, or deleted by another process since
        return None
    return body


def _store(path: Path, body: bytes, revision: int) -> None:
    """Write atomically (workers may race for the same file), drop older revisions' renders, and
    keep the folder within its size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    os.replace(tmp, path)
    for old in path.parent.glob("r*-*.*"):
        number = old.name[1:].split("-", 1)[0]
        if number.isdigit() and int(number) < revision:
            old.unlink(missing_ok=True)
    _evict(path.parent, int(float(current_app.config.get("MAP_CACHE_MAX_MB", 200)) * 1024 * 1024), path)


def _evict(folder: Path, max_bytes: int, keep: Path) -> None:
    """Delete the files used least recently until the folder's renders take ``max_bytes`` or less.

    "Used" is a file's modification time, which :func:`_read` sets on every read, so every process
    sees the same order; ``keep``, the file just written, stays.
    """
    kept = []
    for path in folder.glob("r*-*.*"):
        try:
            stat = path.stat()
        except FileNotFoundError:  # deleted by another process meanwhile
            continue
        kept.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in kept)
    for _, size, path in sorted(kept):
        if total <= max_bytes:
            break
        if path != keep:
            path.unlink(missing_ok=True)
            total -= size


@dataclass(frozen=True)
class _DiskCache:
    """The pictures of one map kept on disk (a :class:`~isa_registry.core.graph.PictureCache`)."""

    revision: tuple[int, str]
    filters: graph.MapFilters
    as_of: date
    #: Kept apart from the downloads of the same format: the page's picture has no key of its own.
    prefix: str = ""

    def get(self, fmt: str) -> bytes | None:
        return _read(_cache_file(self.revision, self.filters, self.as_of, self.prefix + fmt))

    def put(self, fmt: str, body: bytes) -> None:
        path = _cache_file(self.revision, self.filters, self.as_of, self.prefix + fmt)
        _store_quietly(path, body, self.revision[0])


def _store_quietly(path: Path, body: bytes, revision: int) -> None:
    try:
        _store(path, body, revision)
    except OSError as exc:  # a cache that cannot be written costs time, not the page
        current_app.logger.warning("Map render not cached in %s: %s", path.parent, exc)


def full_graph(checked: CheckedRegistry) -> tuple[nx.MultiDiGraph[str], list[Finding]]:
    """The whole map's graph on the checked date, kept per registry revision (the page and the
    API's map share it), coloured by the open findings; and those open findings."""
    open_findings, decided = open_and_decided(checked.reviewed)
    full = per_revision(
        checked.revision,
        "map-graph",
        checked.as_of,
        lambda: graph.build_graph(checked.live, open_findings, checked.as_of, decided=decided),
    )
    return full, open_findings


def _draw(
    checked: CheckedRegistry, filters: graph.MapFilters, fmt: str, on_page: bool = False
) -> graph.MapFile:
    """The map in ``fmt``, its pictures kept on disk, its whole graph kept per registry revision;
    ``on_page``: the picture for the page, without the key drawn in it (the page draws its own)."""
    full, open_findings = full_graph(checked)
    return graph.draw(
        checked.live,
        open_findings,
        filters,
        checked.as_of,
        fmt,
        links=MapLinks(root=request.script_root),
        options=_options(),
        full=full,
        cache=_DiskCache(checked.revision, filters, checked.as_of, "page." if on_page else ""),
        extra={"revision": checked.revision[0]},
        legend=not on_page,
    )


def _filter_problems(registry: Registry, filters: graph.MapFilters) -> list[str]:
    """What in ``filters`` names something the registry does not hold: nothing else is drawn."""
    problems = graph.filter_problems(registry, filters)
    if filters.programme and filters.programme not in _programmes(registry):
        problems.append(f"There is no programme '{filters.programme}'.")
    return problems


def _group_name(registry: Registry, grouping: str, key: str) -> str:
    """What the page calls a group of ``grouping`` (to name one drawn one by one)."""
    if grouping == "kind":
        return graph.CLUSTER_LABELS.get(key, key)
    if key == graph.NO_GROUP:
        none = {"programme": "in no programme", "agreement": "under no agreement"}
        return f"Organisations {none[grouping]}"
    if key == graph.OTHER_GROUPS:
        others = {"programme": "in other programmes", "agreement": "under other agreements"}
        return f"Organisations {others[grouping]}"
    if grouping == "agreement" and key in registry.agreements:
        return f"Agreement {registry.agreements[key].title} ({key})"
    return f"Programme {key}" if grouping == "programme" else key


def _programmes(registry: Registry) -> list[str]:
    return sorted({f.programme for f in registry.flows.values() if f.programme})


def _kept_pages(revision: tuple[int, str], filters: graph.MapFilters, as_of: date) -> int | None:
    """How many pages the table of connections of this map has, if its page was kept."""
    body = _read(_cache_file(revision, filters, as_of, "pages"))
    return int(body) if body is not None and body.isdigit() else None


def _busy() -> Response:
    """The page that says every slot for drawing maps stayed taken: try again shortly."""
    retry = request.script_root + request.full_path.rstrip("?")
    html = render_template("errors/map_busy.html", title="The map is busy", retry_url=retry)
    return Response(html, 503, mimetype="text/html", headers={"Retry-After": "5"})


def _choices(registry: Registry) -> dict[str, list[dict[str, str]]]:
    """The options of each filter's select (GOV.UK select items)."""
    organisations = sorted(registry.organisations.values(), key=lambda o: o.name.casefold())
    agreements = sorted(registry.agreements.values(), key=lambda a: a.key)
    programmes = _programmes(registry)
    categories = sorted(CATEGORIES.values(), key=lambda c: c.label)
    pairs = {
        "organisation": [
            ("", "Every organisation"),
            *((o.key, f"{o.name} ({o.key})") for o in organisations),
        ],
        "depth": [("1", "Its own flows"), ("2", "Its own and its partners' flows")],
        "category": [
            ("", "Any data"),
            ("special", "Any special category data (UK GDPR Art 9)"),
            ("criminal", "Criminal offence data (UK GDPR Art 10)"),
            *((c.code, c.label) for c in categories),
        ],
        "programme": [("", "Any programme"), *((p, p) for p in programmes)],
        "agreement": [("", "Any agreement"), *((a.key, f"{a.title} ({a.key})") for a in agreements)],
    }
    return {name: [{"value": v, "text": t} for v, t in options] for name, options in pairs.items()}


def _download_urls(filters: graph.MapFilters) -> dict[str, str]:
    values: dict[str, Any] = _multi(query_items(filters))
    return {fmt: url_for("map.download", fmt=fmt, **values) for fmt in graph.FORMATS}


def _multi(query: list[tuple[str, str]]) -> dict[str, list[str]]:
    args: dict[str, list[str]] = {}
    for name, value in query:
        args.setdefault(name, []).append(value)
    return args


def _left_out(checked: CheckedRegistry, data_map: graph.DataMap, filters: graph.MapFilters) -> int:
    """How many of the flows the filters select are left out for not being live on the date: of
    the map shown, not of the whole registry (which is what the map holds without filters)."""
    if not data_map.left_out or not filters.narrowing:
        return data_map.left_out
    undated = graph.filter_graph(graph.build_graph(checked.live, checked.findings), filters)
    flows = checked.live.flows
    return sum(
        1 for _, _, key in undated.edges(keys=True) if not graph.flow_live_on(flows[key], checked.as_of)
    )


def _picture_label(data_map: graph.DataMap) -> str:
    drawing = data_map.drawing
    return (
        f"{drawing.title}: {len(drawing.nodes)} nodes and {len(drawing.edges)} connections. "
        "The table after the picture lists every connection."
    )


@bp.get("/map")
@login_required
def index() -> Response:
    """The data map with its filters, the table of its edges and the analyses."""
    filters, problems = filters_from_query(request.args)
    as_of = filters.as_of or date.today()
    table_page = max(1, request.args.get("page", 1, type=int))
    if not problems:
        # Pages past the last are the last page, kept once under its own number.
        kept_revision = visible.revision()
        pages = _kept_pages(kept_revision, filters, as_of)
        if pages is not None:
            kept = _read(_cache_file(kept_revision, filters, as_of, "html", min(table_page, pages)))
            if kept is not None:
                return _page(kept, problems, 200)
    checked = visible.checked(as_of)
    # Key what is stored by the revision the registry was read at, never a later one.
    revision, registry = checked.revision, checked.live
    problems += _filter_problems(registry, filters)
    context: dict[str, Any] = {
        "filters": filters,
        "problems": problems,
        "choices": _choices(registry),
        "as_of": as_of,
        "date_parts": _date_parts(request.args, as_of, typed=bool(problems)),
        "date_error": next((p for p in problems if p in (DATE_PROBLEM, DATE_RANGE_PROBLEM)), None),
        "cluster_labels": graph.CLUSTER_LABELS,
        "category_labels": {code: c.label for code, c in CATEGORIES.items()},
    }
    if problems:
        return _page(render_template("map/_body.html", data_map=None, **context).encode(), problems, 400)
    drawn = _draw(checked, filters, "svg", on_page=True)
    data_map = drawn.data_map
    svg, picture_error = None, None
    try:
        svg = Markup(graph.inline_svg(drawn.body, _picture_label(data_map)))  # noqa: S704 - checked by inline_svg
    except DotBusy:
        return _busy()
    except graph.DotNotFound:
        current_app.logger.warning("Graphviz dot not found at %r", _options().dot)
        picture_error = DOT_MISSING
    except graph.RenderError as exc:
        current_app.logger.warning("The map could not be drawn: %s", exc)
        picture_error = f"The picture cannot be drawn: {exc} The table below lists every connection."
    links = MapLinks(root=request.script_root)
    reach = {r.agreement: r for r in data_map.reach}
    connections = slice_page(data_map.drawing.edges, table_page, CONNECTIONS_PER_PAGE)
    table_base = links.map(filters)
    table_base += "&" if "?" in table_base else "?"
    html = render_template(
        "map/_body.html",
        data_map=data_map,
        left_out=_left_out(checked, data_map, filters),
        svg=svg,
        picture_error=picture_error,
        names=data_map.names,
        hubs=data_map.hubs[:HUBS_SHOWN],
        chains=data_map.chains[:CHAINS_SHOWN],
        sources_shown=CHAIN_SOURCES_SHOWN,
        sensitive_shown=SENSITIVE_SHOWN,
        sensitive_sources_shown=SENSITIVE_SOURCES_SHOWN,
        widest_reach=sorted(data_map.reach, key=lambda r: (-len(r.flows), r.agreement))[:REACH_SHOWN],
        selected_reach=reach.get(filters.agreement or ""),
        downloads=_download_urls(filters),
        collapsed=data_map.drawing.groups,
        others_drawn=graph.OTHER_GROUPS in {g.key for g in data_map.drawing.groups} | filters.expand,
        expanded=[
            (_group_name(registry, filters.grouping, key), links.map(filters, expand=filters.expand - {key}))
            for key in sorted(filters.expand)
        ],
        overview_url=links.map(filters, detail=False, expand=frozenset()),
        detail_url=links.map(filters, detail=True, group="kind", expand=frozenset()),
        grouping_urls=[
            (grouping, label, links.map(filters, group=grouping, expand=frozenset()))
            for grouping, label in graph.GROUPINGS.items()
        ],
        legend=graph.legend(),
        map_url=links.map,
        connections=connections,
        connections_url=lambda number: f"{table_base}page={number}#connections",
        **context,
    )
    body = html.encode("utf-8")
    if picture_error is None:  # a failed drawing is tried again next time
        _store_quietly(_cache_file(revision, filters, as_of, "html", connections.page), body, revision[0])
        _store_quietly(
            _cache_file(revision, filters, as_of, "pages"), str(connections.pages).encode(), revision[0]
        )
    return _page(body, problems, 200)


#: Where the main content goes in the page around it; no text of ours contains it.
_BODY_SLOT = "\x00map-body\x00"


def _page(body: bytes, problems: list[str], status: int) -> Response:
    """The page around its main content (``map/_body.html``, which holds nothing about the user).

    The content, a few megabytes of picture on a big partnership, is spliced in as bytes, as read
    from the cache, rather than decoded and passed through the template again."""
    around = render_template("map/index.html", body=Markup(_BODY_SLOT), problems=problems)  # noqa: S704
    before, after = around.split(_BODY_SLOT, 1)
    return Response(b"".join((before.encode(), body, after.encode())), status, mimetype="text/html")


def _date_parts(args: Any, as_of: date, typed: bool) -> dict[str, str]:
    """The values to show in the date input: what was typed (to correct it), or the date shown."""
    values = typed_parts(args)
    return values if typed and any(values.values()) else shown_parts(as_of)


def _problem_response(problems: list[str], status: int = 400) -> Response:
    return Response("\n".join(problems) + "\n", status=status, mimetype="text/plain")


@bp.get("/map.<any(svg, png, pdf, dot, json):fmt>")
@login_required
def download(fmt: str) -> Response:
    """The map as SVG, PNG, PDF, DOT source or node-link JSON, for the filters in the URL."""
    filters, problems = filters_from_query(request.args)
    if problems:
        return _problem_response(problems)
    as_of = filters.as_of or date.today()
    name = f"data-map-{as_of.isoformat()}.{fmt}"
    if fmt in ("svg", "png", "pdf"):
        cached = _read(_cache_file(visible.revision(), filters, as_of, fmt))
        if cached is not None:
            return _file_response(cached, fmt, name)
    checked = visible.checked(as_of)
    problems = _filter_problems(checked.live, filters)
    if problems:
        return _problem_response(problems)
    try:
        body = _draw(checked, filters, fmt).body
    except DotBusy:
        return _busy()
    except graph.DotNotFound:
        return _problem_response([DOT_MISSING], 503)
    except graph.RenderError as exc:
        return _problem_response([f"The map cannot be drawn: {exc}"], 503)
    return _file_response(body, fmt, name)


def _file_response(body: bytes, fmt: str, name: str) -> Response:
    response = Response(body, content_type=graph.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
