"""``crisis-screen evaluate``: precision and recall on labelled data."""

from __future__ import annotations

import click

from crisis_screen.cli.options import format_option, screener_options, threshold_option


@click.command()
@click.argument("labels", type=click.Path(exists=True, path_type=str))
@format_option(("text", "json"), "text for people, json for scripts (one object).")
@click.option("--sweep", is_flag=True, help="Also report precision/recall at each threshold.")
@click.option(
    "--calibrate",
    is_flag=True,
    help="Also print a reliability table: confidence bins against observed precision.",
)
@threshold_option
@screener_options
def evaluate(
    labels: str,
    fmt: str,
    sweep: bool,
    calibrate: bool,
    threshold: float,
    lexicon: tuple[str, ...],
    overlays: tuple[str, ...],
) -> None:
    """Measure the screener on labelled lines (JSONL) or resumes (folder with labels.json).

    A line counts as predicted positive when it has counted evidence; a resume when it is
    flagged. Prints precision, recall, F1, confusion counts, the breakdown by kind and every
    misclassified item with the evidence that decided it. Resume labels carrying a ``grade``
    (0-3) or ``tier`` add the tier confusion table. A label file with problems (bad lines or
    entries, labelled files missing from the folder) lists them all and exits 2.
    """
    from crisis_screen.errors import CrisisScreenError, LabelsError
    from crisis_screen.evaluate import evaluate as run_evaluation
    from crisis_screen.evaluate import load_labels, render_text
    from crisis_screen.screener import Screener

    try:
        data = load_labels(labels)
        screener = Screener(list(lexicon) or None, overlays=overlays, threshold=threshold)
    except LabelsError as exc:
        # Bad labelled data is bad input, like a bad argument: every problem, exit status 2.
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from exc
    except CrisisScreenError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        report = run_evaluation(screener, data, sweep=sweep, calibrate=calibrate)
    except CrisisScreenError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
    else:
        click.echo(render_text(report), nl=False)
