"""WSGI entry point for gunicorn: ``gunicorn wsgi:app`` (index from NEWSSEARCH_INDEX)."""

from newssearch.web import create_app

app = create_app()
