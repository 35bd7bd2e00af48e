"""``crisis-screen audit``: impact ratios of a scan's results by demographic group.

Parses the options, calls :func:`crisis_screen.audit.run_audit`, renders. Only click is
imported at module level.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crisis_screen.cli.options import CONTEXT, format_option, library_errors

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _intersections(values: tuple[str, ...]) -> list[tuple[str, ...]]:
    out = []
    for value in values:
        cols = tuple(c.strip() for c in value.split(",") if c.strip())
        if len(cols) < 2:
            raise click.BadParameter("give two or more columns, comma-separated", param_hint="--by")
        out.append(cols)
    return out


@click.command(context_settings=CONTEXT)
@click.argument("results", type=_FILE)
@click.option(
    "--demographics",
    required=True,
    type=_FILE,
    help="CSV with a 'sha256' or 'source' column and one column per category "
    "(sex, race_ethnicity, ...); a blank cell is unknown.",
)
@click.option(
    "--decisions",
    type=_FILE,
    help="decisions.json exported by the report: 'advance' is then the selection, "
    "not the screener's flag.",
)
@click.option(
    "--by",
    multiple=True,
    metavar="COL1,COL2",
    help="Also audit the intersection of these columns (repeatable), e.g. sex,race_ethnicity.",
)
@click.option(
    "--manifest",
    type=_FILE,
    help="The run manifest whose versions are reported (default: RESULTS.manifest.json "
    "when it exists).",
)
@format_option(("text", "json", "html"))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
def audit(
    results: Path,
    demographics: Path,
    decisions: Path | None,
    by: tuple[str, ...],
    manifest: Path | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Impact-ratio audit of RESULTS.jsonl by demographic group.

    For each category column and each --by intersection: per group n, selected (flagged,
    or 'advance' with --decisions), selection rate, impact ratio, scoring rate (share above
    the median score of all) and scoring impact ratio. Groups under 2% of a category's total
    are shown but excluded from the ratios. Demographics are used for the audit only.
    """
    from crisis_screen.audit import render_audit, run_audit

    intersections = _intersections(by)
    with library_errors():
        report = run_audit(
            results,
            demographics,
            decisions=decisions,
            intersections=intersections,
            manifest=manifest,
        )
    text = render_audit(fmt, report)
    if output is None:
        sys.stdout.write(text)
        return
    from crisis_screen.runs.sinks import atomic_output

    try:
        with atomic_output(output) as out:
            out.write(text)
    except OSError as exc:
        raise click.UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
