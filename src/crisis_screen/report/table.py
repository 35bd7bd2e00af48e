"""The terminal table of ``--format table`` (rich; resume text never read as markup).

Every text cell goes through :func:`crisis_screen.safe_text.one_line` first: a resume or a file
name holding escape sequences or bidi overrides shows them as visible escapes instead of
driving the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from crisis_screen.report.common import fmt_score, shorten
from crisis_screen.runs.records import ScanRecord
from crisis_screen.safe_text import one_line

__all__ = ["render_table"]


def render_table(
    records: Sequence[ScanRecord],
    out: IO[str],
    *,
    terminal: bool | None = None,
    width: int | None = None,
) -> None:
    """Print the ranking as a rich table, then a table of files that failed.

    Args:
        records: Ranked records (see :func:`rank_records`).
        out: Where to print.
        terminal: Force or forbid terminal styling; detected from ``out`` when None.
        width: Line width; the terminal's, or 120 when not a terminal.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    is_tty = out.isatty() if terminal is None else terminal
    console = Console(
        file=out,
        force_terminal=terminal,
        width=width if width is not None else (None if is_tty else 120),
        no_color=not is_tty,
        highlight=False,
        soft_wrap=False,
    )
    ok = [r for r in records if r.ok]
    failed = [r for r in records if not r.ok]
    table = Table(
        title=f"Mental Health Response screening: {len(ok)} resumes", title_justify="left"
    )
    # Fixed columns get minimum widths; the evidence column takes what is left and is cut
    # with an ellipsis rather than squeezing the rank and score away.
    table.add_column("#", justify="right", no_wrap=True, min_width=3)
    table.add_column("Score", justify="right", no_wrap=True, min_width=5)
    table.add_column("Flag", no_wrap=True, min_width=7)
    table.add_column("Resume", overflow="fold", min_width=16, max_width=48)
    table.add_column("Best evidence", overflow="fold", min_width=20)
    for rank, record in enumerate(ok, 1):
        best = record.summary.best_line if record.summary else None
        flag = Text("FLAGGED", style="bold green") if record.flagged else Text("-", style="dim")
        # Text objects, never markup strings: resume text may contain "[bold]" and the like.
        table.add_row(
            str(rank),
            fmt_score(record.score),
            flag,
            Text(one_line(record.source)),
            Text(shorten(one_line((best or "").strip()), 100)),
        )
    console.print(table)
    if failed:
        errors = Table(title=f"Not screened: {len(failed)} files", title_justify="left")
        errors.add_column("Resume", overflow="fold", min_width=16, max_width=48)
        errors.add_column("Error", no_wrap=True, min_width=10)
        errors.add_column("Reason", overflow="fold", min_width=20)
        for record in failed:
            errors.add_row(
                Text(one_line(record.source)),
                Text(one_line(record.error_type or "")),
                Text(one_line(record.error or "")),
            )
        console.print(errors)
