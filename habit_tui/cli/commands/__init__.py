"""One module per ``habit`` command, each with a one-command ``app`` (see :mod:`habit_tui.cli.lazy`)."""
