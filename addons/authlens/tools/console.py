"""Terminal output for the commands: rich on a terminal, plain text when piped or NO_COLOR.

Plain output stays greppable and pasteable: no colours, no wrapping of long lines, and tables
drawn as Markdown so they read well in an issue or a chat message.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

_PLAIN_WIDTH = 400  # wide enough that piped tables and lines are never wrapped


def wants_color(stream: TextIO) -> bool:
    """Colour only on a terminal and only when NO_COLOR (https://no-color.org) is unset."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def make_console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr) that degrades to plain text when not on a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty()
    return Console(
        file=stream,
        no_color=not wants_color(stream),
        force_terminal=False if not terminal else None,
        highlight=False,
        markup=False,  # our text holds brackets ("[authlens: ...]"), never markup
        emoji=False,
        soft_wrap=not terminal,
        width=None if terminal else _PLAIN_WIDTH,
    )


def make_table(console: Console, *columns: str, title: str | None = None) -> Table:
    """A table with `columns`: rounded on a terminal, Markdown when plain."""
    return Table(
        *columns,
        title=title,
        title_justify="left",
        box=box.ROUNDED if console.is_terminal else box.MARKDOWN,
        header_style="bold" if console.is_terminal else "",
        title_style="bold" if console.is_terminal else "",
    )


def print_table(console: Console, table: Table) -> None:
    """Print `table`; plain tables lose rich's blank edge lines and trailing spaces."""
    if console.is_terminal:
        console.print(table)
        return
    with console.capture() as captured:
        console.print(table)
    lines = [line.rstrip() for line in captured.get().splitlines()]
    console.file.write("".join(f"{line}\n" for line in lines if line) + "\n")
    console.file.flush()


def error(message: str) -> None:
    """`authlens: <message>` on stderr, in red on a terminal."""
    make_console(stderr=True).print(Text("authlens: ", style="red") + Text(message))


def quiet_broken_pipe(run: Callable[[], int]) -> int:
    """`run()`, ending quietly when the reader of stdout leaves early (`| head`)."""
    try:
        return run()
    except BrokenPipeError:
        # Point stdout at /dev/null so the flush at exit raises nothing either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
