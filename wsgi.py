"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""

from isa_registry import create_app

app = create_app()
