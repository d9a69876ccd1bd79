"""Getting a server process ready before it takes its first request.

Each gunicorn worker keeps the checked registry and what the pages derive from it
(:func:`~isa_registry.store.queries.checked_registry`, :func:`~isa_registry.store.queries.per_revision`). On a
big partnership (20,000 flows) loading and checking takes a few seconds; ``gunicorn.conf.py`` calls
:func:`warm_up` in each worker as it starts, so no user waits for it after a restart. After a
change the first request to each worker that needs the new revision still does that work.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from flask import Flask

__all__ = ["warm_up"]


def warm_up(app: Flask, log: logging.Logger | None = None) -> float:
    """Compile the templates, load and check today's registry and work out the findings page, the
    flows list's filter choices and how many flows it lists, and the map's graph, in ``app``'s
    context.

    Returns the seconds it took. A failure (a database not yet migrated, say) is logged and
    leaves the requests to do the work."""
    from ..store import services
    from ..store.db import db
    from ..store.queries import checked_registry
    from . import findings, flows
    from . import map as map_page

    log = log or app.logger
    start = time.perf_counter()
    try:
        for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith(".html")):
            app.jinja_env.get_template(name)  # compiled once here, not in some user's request
        with app.app_context():
            checked = checked_registry(date.today())
            _ = checked.flow_keys_of  # the flows by agreement, which an edit's re-check reads
            findings.filter_options(checked)
            findings.selection_for(checked, findings.Filters())
            flows.filter_options()
            services.list_flows(db.session, services.ListParams())  # counts the flows once
            map_page.full_graph(checked)  # the map's graph (0.8 s on L), not in a user's first /map
    except Exception:  # noqa: BLE001 - the server must start whatever the database says
        log.warning("Warm-up skipped: the pages will load the registry on first use", exc_info=True)
        return time.perf_counter() - start
    seconds = time.perf_counter() - start
    log.info(
        "Registry loaded and checked in %.1f s (%d flows, %d findings)",
        seconds,
        len(checked.live.flows),
        len(checked.findings),
    )
    return seconds
