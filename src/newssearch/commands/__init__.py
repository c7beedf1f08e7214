"""CLI subcommands that live outside ``cli.py``, one module per topic; each module defines
click commands that ``cli.py`` registers with ``main.add_command``."""
