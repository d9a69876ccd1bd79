"""The pure core: the registry as plain objects, the law, the rules, the map's graph, the ROPA, the
exchange format and the spreadsheet import.

Nothing here imports Flask, SQLAlchemy or any other part of the application; everything is tested
with plain objects (``tests/builders.py``).
"""
