"""``crisis-screen scan``: parse the options, call :func:`crisis_screen.runs.scan.scan`, report.

Only click is imported at module level: rich, pydantic, the screener and spaCy load inside
the command, so ``crisis-screen --help`` stays fast.

Exit codes: 0 every file screened, 1 some files failed (their error records are in the
output), 2 usage error (also: an output that cannot be created, or that another scan is
writing), 3 an output could not be written during the run (disk full, I/O error; the JSONL
output holds complete lines only and the manifest says ``failed``), 130/143 interrupted by
SIGINT/SIGTERM (JSONL output then holds complete lines only and can be continued with
``--resume``).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from crisis_screen.cli.options import (
    CONTEXT,
    library_errors,
    screener_config,
    screener_options,
)
from crisis_screen.safe_text import one_line

if TYPE_CHECKING:
    from crisis_screen.runs.records import ScanLine
    from crisis_screen.runs.scan import RunSummary, ScanOptions

FORMATS = ("table", "jsonl", "json", "csv", "html", "parquet")
_SUFFIX_FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".html": "html",
    ".htm": "html",
    ".parquet": "parquet",
    ".txt": "table",
}
#: Formats ``--redact`` applies to (made for people to read).
_REDACTED_FORMATS = ("html", "csv", "table")
EXIT_OK = 0
EXIT_FAILURES = 1
#: An output could not be written during the run (disk full, I/O error).
EXIT_WRITE_ERROR = 3


def _choose_format(fmt: str | None, output: Path | None) -> str:
    if fmt:
        return fmt
    if output is not None:
        return _SUFFIX_FORMATS.get(output.suffix.lower(), "jsonl")
    return "table" if sys.stdout.isatty() else "jsonl"


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGINT/SIGTERM into RunInterrupted, so outputs are closed cleanly on the way out."""
    from crisis_screen.runs.scan import RunInterrupted

    def handler(signum: int, frame: FrameType | None) -> None:
        raise RunInterrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


class _Console:
    """Progress bar and notes on stderr (nothing with ``--quiet``)."""

    def __init__(self, quiet: bool, stack: ExitStack) -> None:
        self.quiet = quiet
        self.stack = stack
        self.progress: Any = None

    def warn(self, message: str) -> None:
        if self.quiet:
            return
        # File names and reasons may hold escape sequences or bytes of any kind.
        message = one_line(message)
        if self.progress is not None:
            self.progress.console.print(message, markup=False, highlight=False)
        else:
            click.echo(message, err=True)

    def start(self, total: int) -> None:
        if self.quiet or not total or not sys.stderr.isatty():
            return
        self.progress = self.stack.enter_context(_progress_bar(total))

    def line(self, line: ScanLine) -> None:
        if self.progress is not None:
            self.progress.advance(self.progress.task_ids[0])
        if line.status != "ok":
            self.warn(f"error: {line.source}: {line.error}")


def _progress_bar(total: int) -> Any:
    """A rich progress bar on stderr with rate and ETA."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} files/s" if speed else "", style="progress.data.speed")

    progress = Progress(
        TextColumn("screening"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    progress.add_task("screening", total=total)
    return progress


def _check_parquet(output: Path | None) -> None:
    if output is None:
        raise click.UsageError("--format parquet needs --output (a binary file)")
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise click.UsageError(
            "--format parquet needs pyarrow: pip install 'crisis_screen[frames]'"
        ) from None


def _check(options: ScanOptions) -> None:
    """Usage errors of option combinations."""
    output = options.output
    if options.fmt == "parquet":
        _check_parquet(output)
    if options.resume and output is None:
        raise click.UsageError("--resume needs --output (the JSONL file to continue)")
    if options.resume and options.fmt != "jsonl":
        raise click.UsageError("--resume works with --format jsonl only")
    if options.resume and (options.top is not None or options.min_score is not None):
        raise click.UsageError(
            "--resume cannot be combined with --top or --min-score (every file must be recorded)"
        )
    if options.redact and options.fmt not in _REDACTED_FORMATS:
        raise click.UsageError(
            "--redact works with --format html, csv or table (JSON and Parquet keep the "
            "whole records, for the audit)"
        )
    if options.decisions is not None and options.fmt != "html":
        raise click.UsageError("--decisions is shown in the HTML report: use --format html")
    for extra, name in ((options.evidence_csv, "--evidence-csv"), (options.manifest, "--manifest")):
        if extra is not None and output is not None and extra.resolve() == output.resolve():
            raise click.UsageError(f"{name} must differ from --output")


def _scan_options(
    paths: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    manifest: Path | None,
    lexicon: tuple[str, ...],
    overlays: tuple[str, ...],
    threshold: float | None,
    **rest: Any,
) -> ScanOptions:
    from crisis_screen.runs.scan import ScanOptions

    if manifest is None and output is not None:
        manifest = output.with_name(output.name + ".manifest.json")
    return ScanOptions(
        paths=paths,
        config=screener_config(lexicon, overlays, threshold),
        fmt=_choose_format(fmt, output),
        output=output,
        manifest=manifest,
        **rest,
    )


def _run(options: ScanOptions, quiet: bool) -> RunSummary:
    """Run the scan with a progress bar; library errors become click errors."""
    from crisis_screen.errors import OutputWriteError
    from crisis_screen.runs.scan import scan as run_scan

    if options.jobs != 1 and options.scheduler is None:
        # Worker processes may be needed: let their fork server build its screener while this
        # process imports, walks the folders and opens the outputs.
        from crisis_screen.runs.workers import start_early

        start_early()
    try:
        with ExitStack() as stack, library_errors(options.config):
            console = _Console(quiet, stack)
            return run_scan(
                options, warn=console.warn, on_start=console.start, on_line=console.line
            )
    except OutputWriteError as exc:  # before the run began (a full disk): nothing done
        click.echo(f"error: cannot write {exc}", err=True)
        sys.exit(EXIT_WRITE_ERROR)


def _finish(summary: RunSummary, quiet: bool) -> None:
    """Print the summary line and exit with the run's status."""
    if summary.status == "failed":
        # Output that could not be written may still sit in stdout's buffer: drop it, so
        # the exit does not fail a second time on it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        click.echo(f"error: cannot write {summary.failure}", err=True)
        sys.exit(EXIT_WRITE_ERROR)
    if summary.interrupted is not None:
        if summary.interrupted == signal.SIGPIPE:
            # The reader went away (`| head`): stop quietly, like other Unix tools.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        elif not quiet:
            click.echo(f"interrupted: {summary.screened} files screened in this run", err=True)
        sys.exit(128 + summary.interrupted)
    if not quiet:
        rate = summary.screened / summary.seconds if summary.seconds > 0 else 0.0
        click.echo(
            f"{summary.inputs} files: {summary.ok} screened, {summary.flagged} flagged, "
            f"{summary.error} failed"
            + (f", {summary.resumed} already done" if summary.resumed else "")
            + f" in {summary.seconds:.1f}s ({rate:,.0f} files/s)",
            err=True,
        )
    sys.exit(EXIT_FAILURES if summary.error else EXIT_OK)


@click.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format. Default: from the --output suffix; else table on a terminal, "
    "jsonl otherwise.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write results here instead of stdout (atomically, except JSONL which is appended "
    "record by record).",
)
@click.option(
    "--evidence-csv",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write one CSV row per evidence item to this file.",
)
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the run manifest here (default: <output>.manifest.json with --output).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    help="Score (0-100) at or above which a resume is flagged.",
)
@click.option(
    "--redact",
    is_flag=True,
    help="Blind review: mask file names, e-mail addresses, phone numbers, URLs and the "
    "name/contact block in the HTML, CSV and table output and in --evidence-csv.",
)
@click.option(
    "--decisions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A decisions.json exported by a report: show these decisions in the HTML report.",
)
@click.option("--top", type=click.IntRange(min=1), help="Keep only the N best resumes.")
@click.option(
    "--min-score", type=click.FloatRange(0, 100), help="Keep only resumes scoring at least this."
)
@screener_options
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes (default: the CPU cores available, fewer for small batches).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Screen on a Dask cluster: its scheduler address (tcp://host:8786), or 'local' for "
    "a local cluster of --jobs processes. Needs crisis_screen[dask] here and on the workers, "
    "which must see PATHS at the same paths.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Seconds allowed per file (default 30): past it a file is recorded as "
    "TimeLimitExceededError. With worker processes a file still running at 1.5 times this "
    "is stopped with its worker.",
)
@click.option(
    "--worker-memory",
    type=click.IntRange(min=0),
    metavar="MIB",
    help="Memory each worker process may add once ready (default 2048; 0: no ceiling; "
    "Linux). A file needing more is recorded as MemoryLimitExceededError.",
)
@click.option("--include", multiple=True, help="Glob of files to screen inside folders.")
@click.option("--exclude", multiple=True, help="Glob of files/folders to skip inside folders.")
@click.option(
    "--follow-symlinks", is_flag=True, help="Follow symlinks that lead out of the folders."
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue an interrupted JSONL run: skip files already in --output (same path "
    "and SHA-256).",
)
@click.option("--fail-fast", is_flag=True, help="Stop at the first file that fails.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, warnings or summary.")
def scan(quiet: bool, **params: Any) -> None:
    """Screen resume files and folders; ranked, explained results.

    PATHS are files and folders (searched recursively for PDF, DOCX, HTML, RTF, text,
    Markdown and JSON Resume files). Every file gives one record: its score, flag and
    evidence, or an error record saying why it could not be screened.

    Exit status: 0 all files screened, 1 some files failed, 2 usage error (also an output
    that cannot be created or that another scan is writing), 3 an output could not be
    written during the run (disk full).
    """
    from crisis_screen.runs.scan import RunInterrupted

    options = _scan_options(**params)
    _check(options)
    try:
        with _stop_on_signals():
            summary = _run(options, quiet)
    except RunInterrupted as exc:
        # Stopped before screening began (or while finishing): nothing half-written remains.
        click.echo(f"interrupted ({exc})", err=True)
        sys.exit(128 + exc.signum)
    _finish(summary, quiet)
