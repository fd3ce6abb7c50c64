"""Command line entry points (`flask --app hotline COMMAND` or `hotline`): thin callers that commit."""

from __future__ import annotations

import sys
from typing import NoReturn

import click


def fail(message: str) -> NoReturn:
    """Stop a command with a message and exit status 2 (for every command module here)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)
