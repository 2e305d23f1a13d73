"""Asking for a username, an email or a password: prompted on a terminal, or read from stdin."""

from __future__ import annotations

import sys

import typer

from habit_tui.errors import UsageError


def ask(value: str | None, prompt: str, *, default: str | None = None) -> str:
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"no terminal to ask for the {prompt.lower()}: give it as an option")
    answer: str = typer.prompt(prompt, default=default, show_default=bool(default))
    return answer


def password(from_stdin: bool, *, confirm: bool = False) -> str:
    """The password: the first line of stdin with ``--password-stdin``, else asked without echo."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("--password-stdin: stdin holds no password")
        return line
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password: use --password-stdin")
    secret: str = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return secret
