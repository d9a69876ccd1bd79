"""gunicorn's settings for ISA Registry, read from the working directory by ``gunicorn wsgi:app``.

Options on the command line (``--workers``, ``--bind``, ``--timeout``) override these. Each worker
loads and checks the registry before it takes a request (:mod:`isa_registry.web.warmup`); set
``ISA_WARM_UP=0`` to skip that. A registry so big that this takes longer than ``--timeout`` (30 s
by default) needs a longer timeout.
"""

import os

from flask import Flask


def post_worker_init(worker):
    """Warm the worker's caches once its app is loaded, before it accepts requests."""
    if os.environ.get("ISA_WARM_UP", "1") == "0" or not isinstance(worker.wsgi, Flask):
        return
    import gc

    from isa_registry.web.warmup import warm_up

    warm_up(worker.wsgi, worker.log)
    # What the worker holds now (the app, the checked registry and what the pages derive from it)
    # lives as long as the worker: moved out of the cycle collector's sight, so a full collection
    # set off by some request walks only what requests made since, not the whole kept registry.
    # Reference counting still frees a kept registry once a change replaces it.
    gc.freeze()
