"""The app as the benchmark serves it with gunicorn: ``DATABASE_URL`` and ``SECRET_KEY`` from the
environment, the map's render cache in ``BENCH_MAP_CACHE_DIR``, no instance settings. The API's
rate limit is far above what wrk sends, so that every request is still counted (its cost is
measured) and none is refused."""

import os

from isa_registry import create_app

app = create_app(
    {"MAP_CACHE_DIR": os.environ["BENCH_MAP_CACHE_DIR"], "API_RATE_LIMIT": "10000000 per minute"}
)
