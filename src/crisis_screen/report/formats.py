"""The output formats, and rendering ranked records in one of them by name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING

from crisis_screen.runs.records import ScanRecord

if TYPE_CHECKING:
    from crisis_screen.report.decisions import Decision

__all__ = ["FORMATS", "render"]

#: Output formats of ``crisis-screen scan``.
FORMATS = ("table", "jsonl", "json", "csv", "html", "parquet")
#: parquet is binary: written by :class:`crisis_screen.runs.sinks.RankedSink` via
#: :func:`crisis_screen.frames.write_parquet`, not by :func:`render`.


def render(
    fmt: str,
    records: Sequence[ScanRecord],
    out: IO[str],
    *,
    meta: Mapping[str, str] | None = None,
    decisions: Iterable[Decision] = (),
) -> None:
    """Write ranked records to ``out`` in format ``fmt``.

    Args:
        fmt: One of :data:`FORMATS`.
        records: Ranked records (see :func:`crisis_screen.report.rank.rank_records`).
        out: Where to write (opened with ``newline=""`` for CSV).
        meta: Facts shown in the HTML report's header.
        decisions: Reviewer decisions the HTML report shows (other formats ignore them).

    Raises:
        ValueError: An unknown format.
    """
    if fmt == "table":
        from crisis_screen.report.table import render_table

        render_table(records, out)
    elif fmt == "json":
        from crisis_screen.report.json import render_json

        out.write(render_json(records))
    elif fmt == "jsonl":
        for record in records:
            out.write(record.model_dump_json() + "\n")
    elif fmt == "csv":
        from crisis_screen.report.csv import write_csv

        write_csv(records, out)
    elif fmt == "html":
        from crisis_screen.report.html import render_html

        out.write(render_html(records, meta=meta, decisions=decisions))
    else:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
