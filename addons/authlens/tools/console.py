"""One terminal style for every command: rich on a terminal, plain text when piped or NO_COLOR.

On a terminal, tables fit the width: the long columns wrap, the short ones (codes, counts,
fingerprints, ids, timestamps) are never cut. Piped, output stays greppable and pasteable: no
colours, no wrapping, tables drawn as Markdown. Text that came from outside (a log, a flow, an
environment variable) goes through `printable` first, so an escape sequence in a path or an
id can never move the cursor or rewrite the operator's screen.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from authlens.output.human import printable

__all__ = [
    "error",
    "invoked_as",
    "make_console",
    "make_table",
    "print_table",
    "printable",
    "quiet_broken_pipe",
    "row",
    "wants_color",
]

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


def make_table(
    console: Console,
    *columns: str,
    title: str | None = None,
    wrap: Iterable[str] = (),
    words: Iterable[str] = (),
    widest: str | None = None,
) -> Table:
    """A table: rounded on a terminal, Markdown when plain.

    Columns named in `wrap` may wrap and fold (hints, URLs); those in `words` wrap at spaces
    only (a fingerprint's two halves, a list of counts); every other column keeps its cells
    whole on one line, so a fingerprint, an id or a timestamp is never cut. `widest`: the
    wrapping column that gets most of the room (a hint rather than a URL).
    """
    terminal = console.is_terminal
    table = Table(
        title=title,
        title_justify="left",
        box=box.ROUNDED if terminal else box.MARKDOWN,
        header_style="bold" if terminal else "",
        title_style="bold" if terminal else "",
    )
    folding, spaced = set(wrap), set(words)
    table.expand = terminal and bool(folding)  # the wrapping columns share the whole width
    for name in columns:
        if name in folding:
            table.add_column(name, overflow="fold", ratio=2 if name == widest else 1, min_width=12)
        elif name in spaced:
            table.add_column(name, overflow="fold")
        else:
            table.add_column(name, no_wrap=True, overflow="ignore")
    return table


def row(*cells: object) -> list[Text]:
    """Table cells as plain Text (never markup), control characters escaped; a newline is
    kept (it starts a line within the cell)."""
    texts = ("" if cell is None else str(cell) for cell in cells)
    return [Text("\n".join(printable(line) for line in text.split("\n"))) for text in texts]


def _lines(column: Column) -> list[str]:
    texts = [str(column.header), *(getattr(c, "plain", str(c)) for c in column.cells)]
    return [line for text in texts for line in text.split("\n")]


def fit_word_columns(table: Table, spare: int) -> None:
    """Fix the width of each `words` column (rich would otherwise shrink it below a word and
    cut that word): its longest word; plus, when no column wraps freely, what it can use of
    the `spare` columns."""
    folding = any(not c.no_wrap and c.min_width for c in table.columns)
    for column in table.columns:
        if column.no_wrap or column.min_width:
            continue
        lines = _lines(column)
        longest = max(len(word) for line in lines for word in (line.split() or [""]))
        extra = 0 if folding else max(0, min(spare, max(len(line) for line in lines) - longest))
        column.width = longest + extra
        spare -= extra


def needed_width(table: Table) -> int:
    """The narrowest the table can be without cutting a word of a `words` column, a cell of a
    one-line column, or a wrapping column below its minimum."""
    total = 1 + 3 * len(table.columns)  # the borders and one space each side of a cell
    for column in table.columns:
        lines = _lines(column)
        if column.no_wrap:
            total += max(len(line) for line in lines)
        elif column.min_width:
            total += column.min_width
        else:
            total += max(len(word) for line in lines for word in (line.split() or [""]))
    return total


def print_table(console: Console, table: Table) -> None:
    """Print `table`; plain tables lose rich's blank edge lines and trailing spaces.

    On a terminal too narrow for the table without cutting a word, each row is printed as a
    block of `column: value` lines instead.
    """
    if console.is_terminal:
        spare = console.width - needed_width(table)
        if spare < 0:
            print_records(console, table)
            return
        fit_word_columns(table, spare)
        console.print(table)
        return
    with console.capture() as captured:
        console.print(table)
    lines = [line.rstrip() for line in captured.get().splitlines()]
    console.file.write("".join(f"{line}\n" for line in lines if line) + "\n")
    console.file.flush()


def print_records(console: Console, table: Table) -> None:
    """`table` as one block per row: `column: value`, continuation lines indented."""
    if table.title:
        console.print(Text(str(table.title), style="bold"))
    names = [str(column.header) for column in table.columns]
    width = max(len(name) for name in names) + 2
    cells = [list(column.cells) for column in table.columns]
    for index in range(table.row_count):
        for name, column in zip(names, cells, strict=True):
            value = column[index]
            text = value.copy() if isinstance(value, Text) else Text(str(value))
            text.plain = text.plain.replace("\n", " ")
            line = Text(f"{name}:".ljust(width), style="dim") + text
            console.print(line, soft_wrap=False, overflow="fold")
        console.print()


def error(message: str, fix: str | None = None) -> None:
    """`authlens: <message>` on stderr (red on a terminal), and the fix on a second line."""
    console = make_console(stderr=True)
    console.print(Text("authlens: ", style="red") + Text(printable(message)), soft_wrap=True)
    if fix:
        console.print(Text(f"  {printable(fix)}", style="dim"), soft_wrap=True)


def quiet_broken_pipe(run: Callable[[], int]) -> int:
    """`run()`, ending quietly when the reader of stdout leaves early (`| head`)."""
    try:
        code = run()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # Point stdout at /dev/null so the flush at exit raises nothing either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def invoked_as(argv0: str | None = None) -> str:
    """The `authlens` command as the user can type it again, for the commands we suggest.

    `authlens` when that is what PATH finds; `bin/authlens` from a clone whose launcher
    started us; otherwise the path that was run (relative to here when it is below).
    """
    if prog := os.environ.get("AUTHLENS_PROG"):
        return prog
    path = Path(argv0 if argv0 is not None else sys.argv[0])
    if path.name != "authlens":
        return "python -m authlens.cli" if path.suffix == ".py" else "authlens"
    found = shutil.which("authlens")
    if found and _same_file(Path(found), path):
        return "authlens"
    resolved = path.absolute()
    launcher = resolved.parent.parent.parent / "bin" / "authlens"  # <clone>/.venv/bin/authlens
    if resolved.parent.parent.name == ".venv" and launcher.is_file():
        resolved = launcher
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False
