"""newssearch: search over a Vietnamese news archive.

The packages, lowest first; each imports only those below it (``tests/test_architecture.py``):

- ``errors``, ``settings``, ``model``: every exception with its HTTP status and exit code, every
  setting with its environment variable, the ``Article`` record;
- ``ingest`` (files to articles) and ``text`` (Vietnamese analysis);
- ``index`` (writing builds and reading one), ``search``, ``related``;
- ``ops`` (replicas, export, evaluation), ``web`` (Flask) and ``cli`` (click), thin over the rest.
"""
