"""The performance benchmark: a synthetic partnership and one command that measures the app on it.

``python -m bench --size S|M|L [--json FILE]`` (see ``docs/benchmark.md``); the generator alone is
``python -m bench.generate --size M --seed 1 OUT.json``.
"""
