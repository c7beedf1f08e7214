"""The ``newssearch`` command (click): thin commands over the same library functions the web
app calls. ``app`` holds the group and the search/read commands, ``indexing``, ``related`` and
``replicas`` the others, ``options`` what several share.

The rule: parse arguments, call one library function, print, exit with the code
``errors.classify`` gives. No search, indexing or formatting logic lives here.
"""

from newssearch.cli.app import main

__all__ = ["main"]
