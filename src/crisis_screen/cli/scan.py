"""``crisis-screen scan`` and ``crisis-screen explain``: thin commands over crisis_screen.batch.

Only click is imported at module level: rich, pydantic, the screener and spaCy load inside
the commands, so ``crisis-screen --help`` stays fast.

Exit codes of ``scan``: 0 every file screened, 1 some files failed (their error records are in
the output), 2 usage error, 130/143 interrupted by SIGINT/SIGTERM (JSONL output then holds
complete lines only and can be continued with ``--resume``).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from crisis_screen.batch import ScanLine, ScanRecord
    from crisis_screen.screener import Screener, ScreenerConfig

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

EXIT_OK = 0
#: Without --jobs, one worker per this many files (up to the available cores).
_FILES_PER_DEFAULT_JOB = 300
EXIT_FAILURES = 1


def _choose_format(fmt: str | None, output: Path | None) -> str:
    if fmt:
        return fmt
    if output is not None:
        return _SUFFIX_FORMATS.get(output.suffix.lower(), "jsonl")
    return "table" if sys.stdout.isatty() else "jsonl"


def _check_parquet(output: Path | None) -> None:
    if output is None:
        raise click.UsageError("--format parquet needs --output (a binary file)")
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise click.UsageError(
            "--format parquet needs pyarrow: pip install 'crisis_screen[frames]'"
        ) from None


def _utc_now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _config(lexicon: Sequence[str], threshold: float | None) -> ScreenerConfig:
    from crisis_screen.screener import ScreenerConfig

    kwargs: dict[str, Any] = {"lexicon": tuple(lexicon)}
    if threshold is not None:
        kwargs["threshold"] = float(threshold)
    return ScreenerConfig(**kwargs)


def _check_lexicon(lexicon: Sequence[str]) -> str | None:
    """Validate ``--lexicon`` in this process, so a bad one is a usage error (exit 2)."""
    from crisis_screen.errors import LexiconError
    from crisis_screen.lexicon import load_lexicon

    try:
        return load_lexicon(list(lexicon) or None).version
    except LexiconError as exc:
        raise _lexicon_error(exc, bool(lexicon)) from None


def _lexicon_error(exc: Exception, given: bool) -> click.ClickException:
    """A bad --lexicon is a usage error (exit 2); a broken shipped lexicon is not (exit 1)."""
    if given:
        return click.BadParameter(str(exc), param_hint="--lexicon")
    return click.ClickException(f"the shipped lexicon is invalid: {exc}")


def _build_screener(config: ScreenerConfig) -> Screener:
    from crisis_screen.errors import CrisisScreenError, LexiconError

    try:
        return config.build()
    except LexiconError as exc:
        raise _lexicon_error(exc, bool(config.lexicon)) from None
    except CrisisScreenError as exc:
        raise click.UsageError(str(exc)) from None


class _Interrupted(BaseException):
    """A stop signal; a BaseException so that per-file ``except Exception`` never eats it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGINT/SIGTERM into an exception, so outputs are closed cleanly on the way out."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise _Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@dataclass
class _Counts:
    inputs: int = 0
    screened: int = 0
    resumed: int = 0
    ok: int = 0
    error: int = 0
    flagged: int = 0
    versions: dict[str, str] = field(default_factory=dict)

    def add(self, status: str, flagged: bool) -> None:
        if status == "ok":
            self.ok += 1
            self.flagged += int(flagged)
        else:
            self.error += 1


def _progress(enabled: bool, total: int) -> Any:
    """A rich progress bar on stderr (rate and ETA), or a no-op stand-in."""
    if not enabled:
        return None
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


def _warn(progress: Any, quiet: bool, message: str) -> None:
    if quiet:
        return
    if progress is not None:
        progress.console.print(message, markup=False, highlight=False)
    else:
        click.echo(message, err=True)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("--top", type=click.IntRange(min=1), help="Keep only the N best resumes.")
@click.option(
    "--min-score", type=click.FloatRange(0, 100), help="Keep only resumes scoring at least this."
)
@click.option(
    "--lexicon",
    multiple=True,
    type=click.Path(exists=True, path_type=str),
    help="Lexicon file or folder (repeatable; default: the shipped lexicon).",
)
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
def scan(
    paths: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    evidence_csv: Path | None,
    manifest: Path | None,
    threshold: float | None,
    top: int | None,
    min_score: float | None,
    lexicon: tuple[str, ...],
    jobs: int | None,
    scheduler: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    follow_symlinks: bool,
    resume: bool,
    fail_fast: bool,
    quiet: bool,
) -> None:
    """Screen resume files and folders; ranked, explained results.

    PATHS are files and folders (searched recursively for PDF, DOCX, HTML, RTF, text,
    Markdown and JSON Resume files). Every file gives one record: its score, flag and
    evidence, or an error record saying why it could not be screened.

    Exit status: 0 all files screened, 1 some files failed, 2 usage error.
    """
    fmt = _choose_format(fmt, output)
    if fmt == "parquet":
        _check_parquet(output)
    if resume and output is None:
        raise click.UsageError("--resume needs --output (the JSONL file to continue)")
    if resume and fmt != "jsonl":
        raise click.UsageError("--resume works with --format jsonl only")
    if resume and (top is not None or min_score is not None):
        raise click.UsageError(
            "--resume cannot be combined with --top or --min-score (every file must be recorded)"
        )
    for extra, name in ((evidence_csv, "--evidence-csv"), (manifest, "--manifest")):
        if extra is not None and output is not None and extra.resolve() == output.resolve():
            raise click.UsageError(f"{name} must differ from --output")
    if manifest is None and output is not None:
        manifest = output.with_name(output.name + ".manifest.json")
    try:
        with _stop_on_signals():
            _scan(
                paths, fmt, output, evidence_csv, manifest, threshold, top, min_score,
                lexicon, jobs, scheduler, include, exclude, follow_symlinks, resume, fail_fast,
                quiet,
            )  # fmt: skip
    except _Interrupted as exc:
        # Stopped before screening began (or while finishing): nothing half-written remains.
        click.echo(f"interrupted ({exc})", err=True)
        sys.exit(128 + exc.signum)


def _scan(
    paths: tuple[str, ...],
    fmt: str,
    output: Path | None,
    evidence_csv: Path | None,
    manifest: Path | None,
    threshold: float | None,
    top: int | None,
    min_score: float | None,
    lexicon: tuple[str, ...],
    jobs: int | None,
    scheduler: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    follow_symlinks: bool,
    resume: bool,
    fail_fast: bool,
    quiet: bool,
) -> None:
    """The body of ``scan``, run with SIGINT/SIGTERM turned into ``_Interrupted``."""
    if jobs != 1 and scheduler is None:
        # Worker processes may be needed: let their fork server build its screener while this
        # process imports, walks the folders and opens the outputs.
        from crisis_screen.workers import start_early

        start_early()
    from crisis_screen import batch

    started = _utc_now()
    t0 = time.perf_counter()
    walked = batch.walk_paths(
        paths, include=include, exclude=exclude, follow_symlinks=follow_symlinks
    )
    for path, reason in walked.skipped:
        _warn(None, quiet, f"skipped {path}: {reason}")
    files = walked.files
    counts = _Counts(inputs=len(files))
    todo = files
    if resume:
        assert output is not None
        plan = batch.plan_resume(output, files)
        todo = plan.todo
        counts.resumed = len(plan.done)
        for status, flagged in plan.prior.values():
            counts.add(status, flagged)
        if plan.repaired:
            _warn(None, quiet, f"repaired {output}: dropped incomplete or outdated lines")
        if plan.done:
            _warn(None, quiet, f"resuming: {len(plan.done)} files already screened")

    config = _config(lexicon, threshold)
    # Starting workers costs about as much as screening a few hundred resumes, so a small
    # batch is screened in this process unless --jobs asks otherwise.
    n_process = jobs or max(1, min(batch.default_jobs(), len(todo) // _FILES_PER_DEFAULT_JOB))
    screener: Screener | None = None
    if scheduler is not None:
        # The cluster's workers screen; a "local" cluster gets --jobs or every core.
        n_process = jobs or batch.default_jobs()
    if todo and scheduler is None and (n_process == 1 or len(todo) == 1):
        screener = _build_screener(config)
    elif lexicon:
        _check_lexicon(lexicon)

    ranked_output = fmt != "jsonl" or top is not None
    collected: list[ScanRecord] = []
    settings = {
        "paths": list(paths),
        "format": fmt,
        "output": str(output) if output else None,
        "evidence_csv": str(evidence_csv) if evidence_csv else None,
        "threshold": config.threshold,
        "top": top,
        "min_score": min_score,
        "lexicon": list(lexicon),
        "jobs": n_process,
        "scheduler": scheduler,
        "include": list(include),
        "exclude": list(exclude),
        "follow_symlinks": follow_symlinks,
        "resume": resume,
        "fail_fast": fail_fast,
    }
    interrupted: int | None = None
    stopped_early = False
    progress = _progress(sys.stderr.isatty() and not quiet and bool(todo), len(todo))
    with ExitStack() as stack:
        # Connect before any output is opened: an unreachable cluster is a usage error that
        # must leave an existing output file untouched.
        client = _dask_client(stack, scheduler, n_process) if scheduler and todo else None
        jsonl_out: IO[str] | None = None
        if fmt == "jsonl" and top is None:
            if output is not None:
                jsonl_out = stack.enter_context(
                    open(output, "a" if resume else "w", encoding="utf-8")  # noqa: SIM115
                )
            else:
                jsonl_out = sys.stdout
        evidence_writer: Any = None
        if evidence_csv is not None:
            import csv

            from crisis_screen.report import EVIDENCE_CSV_COLUMNS

            handle = stack.enter_context(batch.atomic_output(evidence_csv, newline=""))
            evidence_writer = csv.writer(handle)
            evidence_writer.writerow(EVIDENCE_CSV_COLUMNS)
            if resume:
                _prior_evidence(output, set(files).difference(todo), evidence_writer)
        if progress is not None:
            stack.enter_context(progress)
        try:
            if client is not None:
                from crisis_screen import distributed

                lines = distributed.scan_lines(todo, client, config=config)
            else:
                lines = batch.scan_lines(
                    todo, config=config, screener=screener, n_process=n_process
                )
            stack.callback(_close, lines)
            for line in lines:
                counts.screened += 1
                counts.add(line.status, line.flagged)
                _emit(line, jsonl_out, evidence_writer, collected, ranked_output, min_score)
                if not counts.versions:
                    counts.versions = _versions_of(line)
                if progress is not None:
                    progress.advance(progress.task_ids[0])
                if line.status != "ok":
                    _warn(progress, quiet, f"error: {line.source}: {line.error}")
                    if fail_fast:
                        stopped_early = True
                        break
        except _Interrupted as exc:
            interrupted = exc.signum
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, like other Unix tools.
            _silence_stdout()
            interrupted = signal.SIGPIPE
        if interrupted is not None:
            # Leaving the stack with an exception removes the half-written temp files.
            stack.pop_all().__exit__(_Interrupted, _Interrupted(interrupted), None)
        elif ranked_output:
            _write_ranked(fmt, output, collected, top, min_score, counts, started)

    if not counts.versions:
        counts.versions = _fallback_versions(screener, lexicon)
    if manifest is not None:
        _write_manifest(
            manifest,
            counts,
            settings,
            started,
            time.perf_counter() - t0,
            interrupted,
            stopped_early,
        )
    if interrupted is not None:
        if interrupted != signal.SIGPIPE:
            _warn(None, quiet, f"interrupted: {counts.screened} files screened in this run")
        sys.exit(128 + interrupted)
    if not quiet:
        elapsed = time.perf_counter() - t0
        rate = counts.screened / elapsed if elapsed > 0 else 0.0
        click.echo(
            f"{counts.inputs} files: {counts.ok} screened, {counts.flagged} flagged, "
            f"{counts.error} failed"
            + (f", {counts.resumed} already done" if counts.resumed else "")
            + f" in {elapsed:.1f}s ({rate:,.0f} files/s)",
            err=True,
        )
    sys.exit(EXIT_FAILURES if counts.error else EXIT_OK)


def _dask_client(stack: ExitStack, scheduler: str, n_process: int) -> Any:
    """Connect to the Dask scheduler (or start a local cluster) for the rest of the run."""
    try:
        from crisis_screen import distributed
    except ImportError as exc:
        raise click.UsageError(str(exc)) from None
    from crisis_screen.errors import CrisisScreenError

    try:
        return stack.enter_context(distributed.connect(scheduler, n_workers=n_process))
    except CrisisScreenError as exc:
        raise click.UsageError(str(exc)) from None


def _close(lines: Any) -> None:
    # Closing the generator shuts the worker pool down (also after --fail-fast).
    lines.close()


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _emit(
    line: ScanLine,
    jsonl_out: IO[str] | None,
    evidence_writer: Any,
    collected: list[ScanRecord],
    ranked_output: bool,
    min_score: float | None,
) -> None:
    keep = line.status != "ok" or min_score is None or (line.score or 0.0) >= min_score
    if jsonl_out is not None and keep:
        # One write per record, flushed: a killed run leaves complete lines only.
        jsonl_out.write(line.json + "\n")
        jsonl_out.flush()
    if evidence_writer is not None or (ranked_output and keep):
        record = line.to_record()
        if evidence_writer is not None and keep:
            from crisis_screen.report import evidence_rows

            evidence_writer.writerows(evidence_rows(record))
        if ranked_output and keep:
            collected.append(record)


def _prior_evidence(output: Path | None, sources: set[str], writer: Any) -> None:
    """Add evidence rows of records kept from the interrupted run (--resume)."""
    if output is None or not output.exists() or not sources:
        return
    from crisis_screen.report import evidence_rows, records_from_jsonl

    with open(output, encoding="utf-8") as handle:
        for record in records_from_jsonl(handle):
            if record.source in sources:
                writer.writerows(evidence_rows(record))


def _versions_of(line: ScanLine) -> dict[str, str]:
    import json

    versions = json.loads(line.json).get("versions") or {}
    return {str(k): str(v) for k, v in versions.items()}


def _fallback_versions(screener: Screener | None, lexicon: Sequence[str]) -> dict[str, str]:
    """Versions for the manifest when no file was screened in this run."""
    if screener is not None:
        return dict(screener.versions.model_dump())
    from crisis_screen import __version__
    from crisis_screen.scoring import SCORING_VERSION

    lexicon_version = _check_lexicon(lexicon)
    return {"library": __version__, "lexicon": lexicon_version or "", "scoring": SCORING_VERSION}


def _write_ranked(
    fmt: str,
    output: Path | None,
    collected: list[ScanRecord],
    top: int | None,
    min_score: float | None,
    counts: _Counts,
    started: str,
) -> None:
    from crisis_screen import batch, report

    records = report.rank_records(collected, top=top, min_score=min_score)
    if fmt == "parquet":  # binary: one row per resume, ranked (checked: output is set)
        from crisis_screen import frames

        assert output is not None
        frames.write_parquet(records, output)
        return

    def render(out: IO[str]) -> None:
        if fmt == "table":
            report.render_table(records, out)
        elif fmt == "json":
            out.write(report.render_json(records))
        elif fmt == "jsonl":
            for record in records:
                out.write(record.model_dump_json() + "\n")
        elif fmt == "csv":
            report.write_csv(records, out)
        else:
            meta = {
                "lexicon": counts.versions.get("lexicon", ""),
                "scoring": counts.versions.get("scoring", ""),
                "crisis_screen": counts.versions.get("library", ""),
                "run started": started,
            }
            if top is not None:
                meta["top"] = str(top)
            if min_score is not None:
                meta["min score"] = f"{min_score:g}"
            out.write(report.render_html(records, meta=meta))

    if output is None:
        render(sys.stdout)
        sys.stdout.flush()
        return
    with batch.atomic_output(output, newline="" if fmt == "csv" else None) as out:
        render(out)


def _write_manifest(
    path: Path,
    counts: _Counts,
    settings: dict[str, Any],
    started: str,
    seconds: float,
    interrupted: int | None,
    stopped_early: bool,
) -> None:
    from crisis_screen import __version__, batch
    from crisis_screen.report import dumps_manifest

    status = "complete"
    if interrupted is not None:
        status = "interrupted"
    elif stopped_early:
        status = "stopped_at_first_failure"
    manifest: dict[str, object] = {
        "tool": "crisis-screen scan",
        "crisis_screen_version": __version__,
        "status": status,
        "started_at": started,
        "finished_at": _utc_now(),
        "duration_s": round(seconds, 3),
        "inputs": counts.inputs,
        "screened_this_run": counts.screened,
        "skipped_already_done": counts.resumed,
        "ok": counts.ok,
        "error": counts.error,
        "flagged": counts.flagged,
        "versions": counts.versions,
        "settings": settings,
    }
    with batch.atomic_output(path) as out:
        out.write(dumps_manifest(manifest))


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    help="Score (0-100) at or above which a resume is flagged.",
)
@click.option(
    "--lexicon",
    multiple=True,
    type=click.Path(exists=True, path_type=str),
    help="Lexicon file or folder (repeatable; default: the shipped lexicon).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Human-readable text, or the scan record as JSON.",
)
def explain(file: str, threshold: float | None, lexicon: tuple[str, ...], fmt: str) -> None:
    """Explain one resume's evidence and score.

    Prints every matched line, the matched text, concept, term, method and confidence,
    whether it counts and which context rules changed it, then how the score was reached.
    Exit status 1 when the file cannot be read.
    """
    from crisis_screen import batch
    from crisis_screen.report import render_explain

    screener = _build_screener(_config(lexicon, threshold))
    record = batch.screen_file_record(screener, file)
    if fmt == "json":
        click.echo(record.model_dump_json(indent=2))
    else:
        click.echo(render_explain(record), nl=False)
    if not record.ok:
        click.echo(f"error: {record.source}: {record.error}", err=True)
        sys.exit(EXIT_FAILURES)
