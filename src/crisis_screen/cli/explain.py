"""``crisis-screen explain``: one resume's evidence and score, in words or as its record."""

from __future__ import annotations

import sys

import click

from crisis_screen.cli.options import (
    CONTEXT,
    format_option,
    library_errors,
    screener_config,
    screener_options,
)


@click.command(context_settings=CONTEXT)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    help="Score (0-100) at or above which a resume is flagged.",
)
@screener_options
@format_option(("text", "json"), "Human-readable text, or the scan record as JSON.")
def explain(
    file: str,
    threshold: float | None,
    lexicon: tuple[str, ...],
    overlays: tuple[str, ...],
    fmt: str,
) -> None:
    """Explain one resume's evidence and score.

    Prints every matched line, the matched text, concept, term, method and confidence,
    whether it counts and which context rules changed it, then how the score was reached.
    Exit status 1 when the file cannot be read.
    """
    from crisis_screen.report.explain import render_explain
    from crisis_screen.runs.screen import screen_source

    config = screener_config(lexicon, overlays, threshold)
    with library_errors(config):
        screener = config.build()
    record = screen_source(screener, file)
    if fmt == "json":
        click.echo(record.model_dump_json(indent=2))
    else:
        click.echo(render_explain(record), nl=False)
    if not record.ok:
        from crisis_screen.safe_text import one_line

        click.echo(one_line(f"error: {record.source}: {record.error}"), err=True)
        sys.exit(1)
