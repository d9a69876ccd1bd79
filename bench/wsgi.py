"""The app as the benchmark serves it with gunicorn: ``DATABASE_URL`` and ``SECRET_KEY`` from the
environment, the map's render cache in ``BENCH_MAP_CACHE_DIR``, no instance settings."""

import os

from isa_registry import create_app

app = create_app({"MAP_CACHE_DIR": os.environ["BENCH_MAP_CACHE_DIR"]})
