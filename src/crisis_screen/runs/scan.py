"""A whole scan as a library call: options -> sources -> executor -> sinks -> manifest.

What ``crisis-screen scan`` does, callable from Python (and by any other front end)::

    from crisis_screen.runs.scan import ScanOptions, scan

    summary = scan(ScanOptions(paths=("resumes/",), output=Path("out.jsonl")))
    print(summary.ok, summary.flagged, summary.error)

:func:`run` is the core: screen sources on an executor and feed every record to the sinks.
:func:`scan` adds what a command needs around it: checking and locking the outputs, walking
folders, resuming, choosing the executor, opening the outputs and writing the manifest.

A run that cannot write an output (disk full, I/O error) stops with ``status == "failed"``
and ``failure`` saying why; its JSONL output then holds complete lines only (``--resume``
continues it) and its manifest, written into space set aside when the run started, says so.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from crisis_screen.errors import OutputWriteError
from crisis_screen.extract.limits import ExtractionLimits
from crisis_screen.runs.engine import Executor, run_lines
from crisis_screen.runs.manifest import reserve_manifest, utc_now, write_run_manifest
from crisis_screen.runs.records import RunStatus, ScanLine
from crisis_screen.runs.sinks import (
    EvidenceCsvSink,
    JsonlFileSink,
    JsonlSink,
    RankedSink,
    Sink,
    atomic_output,
    locked_outputs,
    writing,
)
from crisis_screen.runs.sources import Source, walk_paths
from crisis_screen.runs.workers import DEFAULT_WORKER_MEMORY, FILES_PER_DEFAULT_JOB
from crisis_screen.safe_text import one_line, record_name
from crisis_screen.screener import ScreenerConfig

if TYPE_CHECKING:
    from crisis_screen.report.decisions import Decision

__all__ = ["RunInterrupted", "RunSummary", "ScanOptions", "open_executor", "run", "scan"]


class RunInterrupted(BaseException):
    """A stop signal during a run; a BaseException so per-file ``except Exception`` never eats it.

    Attributes:
        signum: The signal number (SIGINT, SIGTERM; SIGPIPE when the reader went away).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class RunSummary:
    """What a run did (the counts of the manifest).

    Attributes:
        inputs: Sources found.
        screened: Sources screened by this run.
        resumed: Sources skipped because an interrupted run already holds them.
        ok: Sources screened (this run and the resumed one).
        error: Sources that failed.
        flagged: Sources flagged.
        versions: Library, lexicon and scoring versions of the records.
        status: ``complete``, ``interrupted``, ``stopped_at_first_failure``, or ``failed``
            (an output could not be written).
        interrupted: The signal that stopped the run, or None.
        failure: Why the run failed (``failed`` only): the output and the reason, one line.
        seconds: Wall time.
    """

    inputs: int = 0
    screened: int = 0
    resumed: int = 0
    ok: int = 0
    error: int = 0
    flagged: int = 0
    versions: dict[str, str] = field(default_factory=dict)
    status: RunStatus = "complete"
    interrupted: int | None = None
    failure: str | None = None
    seconds: float = 0.0

    def add(self, status: str, flagged: bool) -> None:
        """Count one record."""
        if status == "ok":
            self.ok += 1
            self.flagged += int(flagged)
        else:
            self.error += 1

    def fail(self, error: OutputWriteError) -> None:
        """Record that the run stopped because an output could not be written."""
        self.status, self.failure = "failed", str(error)


def _kept(line: ScanLine, min_score: float | None) -> bool:
    return line.status != "ok" or min_score is None or (line.score or 0.0) >= min_score


def run(
    sources: Sequence[Source],
    executor: Executor[Any],
    sinks: Sequence[Sink] = (),
    *,
    min_score: float | None = None,
    fail_fast: bool = False,
    on_line: Callable[[ScanLine], None] | None = None,
    summary: RunSummary | None = None,
) -> RunSummary:
    """Screen ``sources`` on ``executor``; every kept record goes to every sink, in order.

    Sinks are finished only when the run was not interrupted. The executor is left open (its
    owner closes it). :class:`RunInterrupted` and ``BrokenPipeError`` stop the run and are
    recorded in the summary instead of raised; so is an
    :class:`~crisis_screen.errors.OutputWriteError` of a sink (``status == "failed"``, the
    sinks are then not finished).

    Args:
        sources: Paths, URLs or in-memory sources.
        executor: Where to screen (:mod:`crisis_screen.runs.local`, :mod:`~.dask`).
        sinks: Where records go.
        min_score: Records of screened sources scoring below this go to no sink.
        fail_fast: Stop at the first source that fails.
        on_line: Called with each record after the sinks (progress, warnings).
        summary: Counts to continue (a resumed run); a new summary when None.

    Returns:
        The summary.
    """
    summary = summary or RunSummary(inputs=len(sources))
    t0 = time.perf_counter()
    lines = run_lines(sources, executor)
    try:
        for line in lines:
            summary.screened += 1
            summary.add(line.status, line.flagged)
            if not summary.versions:
                summary.versions = _versions_of(line)
            if _kept(line, min_score):
                for sink in sinks:
                    sink.write(line)
            if on_line is not None:
                on_line(line)
            if fail_fast and line.status != "ok":
                summary.status = "stopped_at_first_failure"
                break
    except RunInterrupted as exc:
        summary.status, summary.interrupted = "interrupted", exc.signum
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, like other Unix tools.
        summary.status, summary.interrupted = "interrupted", signal.SIGPIPE
    except OutputWriteError as exc:
        summary.fail(exc)
    finally:
        lines.close()  # cancels chunks still in flight (--fail-fast, interrupts, failures)
    if summary.interrupted is None and summary.status != "failed":
        try:
            for sink in sinks:
                sink.finish()
        except OutputWriteError as exc:
            summary.fail(exc)
    summary.seconds += time.perf_counter() - t0
    return summary


def _versions_of(line: ScanLine) -> dict[str, str]:
    record = line.to_record()
    return {k: str(v) for k, v in record.versions.model_dump().items()}


@dataclass(frozen=True)
class ScanOptions:
    """Everything a scan needs; the fields mirror the options of ``crisis-screen scan``.

    Attributes:
        paths: Files and folders (or URLs with a Dask scheduler).
        config: How to build the screener (lexicon, overlays, threshold).
        fmt: Output format: ``jsonl``, ``json``, ``csv``, ``table``, ``html`` or ``parquet``.
        output: The output file; None writes to stdout.
        evidence_csv: Also write one CSV row per evidence item here.
        manifest: Write the run manifest here (None: no manifest).
        top: Keep only the N best resumes.
        min_score: Keep only resumes scoring at least this.
        jobs: Worker processes (None: the cores available, fewer for small batches).
        scheduler: A Dask scheduler address, or ``local``, to screen on Dask.
        include: Globs of files to screen inside folders.
        exclude: Globs of files and folders to skip inside folders.
        follow_symlinks: Follow symlinks that lead out of the folders.
        resume: Continue an interrupted JSONL output.
        fail_fast: Stop at the first file that fails.
        redact: Mask identity (file names, contact details, the name/contact block) in the
            HTML, CSV, table and evidence CSV outputs (:mod:`crisis_screen.report.redact`).
        decisions: A ``decisions.json`` exported by a report, shown in the HTML report.
        time_limit: Seconds allowed per file (None: the reading limits' default, 30); in
            worker processes a file still running at 1.5 times this is stopped.
        worker_memory: MiB of memory each worker process may add once ready (None: 2048;
            0: no ceiling; Linux).
    """

    paths: tuple[str, ...]
    config: ScreenerConfig = field(default_factory=ScreenerConfig)
    fmt: str = "jsonl"
    output: Path | None = None
    evidence_csv: Path | None = None
    manifest: Path | None = None
    top: int | None = None
    min_score: float | None = None
    jobs: int | None = None
    scheduler: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    follow_symlinks: bool = False
    resume: bool = False
    fail_fast: bool = False
    redact: bool = False
    decisions: Path | None = None
    time_limit: float | None = None
    worker_memory: int | None = None

    def settings(self, jobs: int) -> dict[str, Any]:
        """The settings recorded in the manifest."""
        out = {k: v for k, v in asdict(self).items() if k not in ("config", "fmt", "manifest")}
        out.update(
            paths=[_printable(p) for p in self.paths],
            format=self.fmt,
            output=_printable(self.output) if self.output else None,
            evidence_csv=_printable(self.evidence_csv) if self.evidence_csv else None,
            decisions=_printable(self.decisions) if self.decisions else None,
            threshold=self.config.threshold,
            lexicon=list(self.config.lexicon),
            jobs=jobs,
            include=list(self.include),
            exclude=list(self.exclude),
        )
        if self.config.overlays:
            out["overlays"] = list(self.config.overlays)
        return out


def _printable(path: str | Path) -> str:
    r"""A path as the manifest shows it (undecodable bytes as ``\xNN``, as records do)."""
    return record_name(str(path))[0]


def default_jobs_for(options: ScanOptions, n_todo: int) -> int:
    """Worker processes of a run: ``jobs``, or enough for the batch (a cluster: every core)."""
    from crisis_screen.runs.local import default_jobs

    if options.jobs:
        return options.jobs
    if options.scheduler is not None:
        return default_jobs()
    # Starting workers costs about as much as screening a few hundred resumes, so a small
    # batch is screened in this process.
    return max(1, min(default_jobs(), n_todo // FILES_PER_DEFAULT_JOB))


class _NoWork(Executor[None]):
    """The executor of a run with nothing left to screen (every file already done)."""

    def submit(self, chunk: list[Source]) -> None:
        """Never called: there are no sources."""
        raise AssertionError("nothing to screen")

    def result(self, handle: None) -> Any:
        """Never called: there are no sources."""
        raise AssertionError("nothing to screen")


def _lexicon_version(config: ScreenerConfig) -> str:
    from crisis_screen.lexicon import load_lexicon

    return load_lexicon(list(config.lexicon) or None, overlays=config.overlays).version


@contextlib.contextmanager
def open_executor(options: ScanOptions, n_todo: int) -> Iterator[tuple[Executor[Any], str | None]]:
    """Choose and start the executor of a scan; yield it with the lexicon version, if known.

    The lexicon is loaded at most once in this process: as the screener itself when screening
    here, else only to check a lexicon or overlay the user gave (workers build their own; a
    bad one must fail here, before any output is touched).

    Raises:
        LexiconError: The lexicon is invalid.
        CrisisScreenError: The model or the Dask cluster is unavailable.
        ImportError: A scheduler is given but Dask is not installed.
    """
    from crisis_screen.runs.local import InProcessExecutor, ProcessPoolRunner

    config = options.config
    if n_todo == 0:
        yield _NoWork(), _lexicon_version(config)
        return
    jobs = default_jobs_for(options, n_todo)
    if options.scheduler is None and (jobs == 1 or n_todo == 1):
        screener = config.build()
        yield InProcessExecutor(screener, _limits(options)), screener.versions.lexicon
        return
    version = _lexicon_version(config) if config.lexicon or config.overlays else None
    with contextlib.ExitStack() as stack:
        if options.scheduler is not None:
            from crisis_screen.runs import dask

            client = stack.enter_context(dask.connect(options.scheduler, n_workers=jobs))
            stack.enter_context(dask.screeners_on(client, config))
            yield dask.DaskExecutor(client, config), version
            return
        memory = options.worker_memory
        pool = ProcessPoolRunner(
            config,
            min(jobs, n_todo),
            limits=_limits(options),
            memory_limit=DEFAULT_WORKER_MEMORY if memory is None else memory * 2**20 or None,
        )
        stack.callback(pool.close)
        yield pool, version


def _limits(options: ScanOptions) -> ExtractionLimits | None:
    if options.time_limit is None:
        return None
    return ExtractionLimits(time_limit=options.time_limit)


def _html_meta(options: ScanOptions, versions: dict[str, str], started: str) -> dict[str, str]:
    meta = {
        "lexicon": versions.get("lexicon", ""),
        "scoring": versions.get("scoring", ""),
        "crisis_screen": versions.get("library", ""),
        "run started": started,
    }
    if options.top is not None:
        meta["top"] = str(options.top)
    if options.min_score is not None:
        meta["min score"] = f"{options.min_score:g}"
    return meta


class _Ranked(RankedSink):
    """A ranked sink whose HTML header gets the versions once the first record is in."""

    def __init__(
        self, options: ScanOptions, summary: RunSummary, started: str, decisions: Sequence[Decision]
    ) -> None:
        super().__init__(
            options.fmt,
            options.output,
            top=options.top,
            min_score=options.min_score,
            redact=options.redact,
            decisions=decisions,
        )
        self._options, self._summary, self._started = options, summary, started

    def finish(self) -> None:
        """Render, with the run's versions in the header."""
        self.meta = _html_meta(self._options, self._summary.versions, self._started)
        super().finish()


def _open_sinks(
    stack: contextlib.ExitStack,
    options: ScanOptions,
    summary: RunSummary,
    started: str,
    done: set[str],
    stdout: IO[str],
    decisions: Sequence[Decision] = (),
) -> list[Sink]:
    """Open the sinks of a scan on ``stack`` (closed, or their temp files removed, with it).

    Raises:
        OutputWriteError: An output cannot be opened or its first rows written.
    """
    sinks: list[Sink] = []
    if options.fmt == "jsonl" and options.top is None:
        if options.output is not None:
            jsonl = JsonlFileSink(options.output, append=options.resume)
            stack.callback(jsonl.close)
            sinks.append(jsonl)
        else:
            sinks.append(JsonlSink(stdout))
    else:
        sinks.append(_Ranked(options, summary, started, decisions))
    if options.evidence_csv is not None:
        # Outermost first: a failure to complete the file (on leaving the stack) is typed too.
        stack.enter_context(writing(options.evidence_csv))
        with writing(options.evidence_csv):
            handle = stack.enter_context(atomic_output(options.evidence_csv, newline=""))
        evidence = EvidenceCsvSink(handle, str(options.evidence_csv), redact=options.redact)
        if options.resume and options.output is not None and done:
            _prior_evidence(options.output, done, evidence)
        sinks.append(evidence)
    return sinks


def _prior_evidence(output: Path, sources: set[str], sink: EvidenceCsvSink) -> None:
    """Add the evidence rows of records kept from the interrupted run (``resume``)."""
    from crisis_screen.runs.records import ScanRecord

    if not output.exists():
        return
    with open(output, encoding="utf-8") as handle:
        for text in handle:
            if text.strip():
                record = ScanRecord.model_validate_json(text)
                if record.path in sources:
                    sink.write_record(record)


def scan(
    options: ScanOptions,
    *,
    warn: Callable[[str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_line: Callable[[ScanLine], None] | None = None,
    stdout: IO[str] | None = None,
) -> RunSummary:
    """Run a whole scan: lock, walk, resume, screen, write the outputs and the manifest.

    Args:
        options: What to scan and where the results go.
        warn: Called with one-line notes (skipped entries, resumed files).
        on_start: Called with the number of files to screen, once outputs are open.
        on_line: Called with each record (progress, per-file errors).
        stdout: Where output without a file goes (``sys.stdout`` by default).

    Returns:
        The summary (``status``, ``interrupted`` and ``failure`` tell how the run ended).

    Raises:
        OutputNotWritableError: An output cannot be created (checked first: nothing done).
        OutputInUseError: Another run is writing one of the outputs (nothing done).
        LexiconError: The lexicon is invalid (no output was touched).
        DecisionsError: ``decisions`` is not a valid decisions file (no output was touched).
        CrisisScreenError: The model or cluster is unavailable (no output was touched).
    """
    note = warn or (lambda message: None)
    started, t0 = utc_now(), time.perf_counter()
    with contextlib.ExitStack() as held:
        # Before any work: every output can be written, and no other run is writing it.
        held.enter_context(locked_outputs((options.output, options.evidence_csv, options.manifest)))
        manifest = reserve_manifest(options.manifest, note)
        if manifest is not None:
            held.callback(manifest.discard)  # a no-op once committed
        walked = walk_paths(
            options.paths,
            include=options.include,
            exclude=options.exclude,
            follow_symlinks=options.follow_symlinks,
        )
        for path, reason in walked.skipped:
            note(f"skipped {one_line(path)}: {reason}")
        summary, todo = _plan(options, walked.files, note)
        # A bad decisions file must fail before any file is screened or any output touched.
        decisions = _read_decisions(options.decisions) if options.decisions is not None else ()
        jobs = default_jobs_for(options, len(todo))
        lexicon_version: str | None = None
        if summary.status != "failed":
            done = set(walked.files).difference(todo)
            try:
                lexicon_version = _screen(
                    options, summary, todo, done, started, decisions, stdout, on_start, on_line
                )
            except OutputWriteError as exc:
                summary.fail(exc)
        if not summary.versions:
            summary.versions = _fallback_versions(options.config, lexicon_version)
        summary.seconds = time.perf_counter() - t0
        if options.manifest is not None:
            write_run_manifest(manifest, options, summary, jobs, started, note)
    return summary


def _screen(
    options: ScanOptions,
    summary: RunSummary,
    todo: list[str],
    done: set[str],
    started: str,
    decisions: Sequence[Decision],
    stdout: IO[str] | None,
    on_start: Callable[[int], None] | None,
    on_line: Callable[[ScanLine], None] | None,
) -> str | None:
    """Start the executor, open the sinks and run; return the lexicon version, if known.

    Raises:
        OutputWriteError: An output could not be opened or completed.
    """
    with contextlib.ExitStack() as stack:
        # The executor first: a bad lexicon or an unreachable cluster must leave outputs as
        # they were.
        executor, lexicon_version = stack.enter_context(open_executor(options, len(todo)))
        sinks = _open_sinks(stack, options, summary, started, done, stdout or sys.stdout, decisions)
        if on_start is not None:
            on_start(len(todo))
        run(
            todo,
            executor,
            sinks,
            min_score=options.min_score,
            fail_fast=options.fail_fast,
            on_line=on_line,
            summary=summary,
        )
        if summary.interrupted is not None or summary.status == "failed":
            # Leaving the stack with an exception removes the half-written temp files.
            signum = summary.interrupted or signal.SIGTERM
            stack.pop_all().__exit__(RunInterrupted, RunInterrupted(signum), None)
    return lexicon_version


def _read_decisions(path: Path) -> Sequence[Decision]:
    from crisis_screen.report.decisions import read_decisions

    return read_decisions(path)


def _plan(
    options: ScanOptions, files: list[str], note: Callable[[str], None]
) -> tuple[RunSummary, list[str]]:
    summary = RunSummary(inputs=len(files))
    if not options.resume or options.output is None:
        return summary, files
    from crisis_screen.runs.resume import plan_resume

    try:
        with writing(options.output):
            plan = plan_resume(options.output, files)
    except OutputWriteError as exc:
        summary.fail(exc)
        return summary, []
    summary.resumed = len(plan.done)
    for status, flagged in plan.prior.values():
        summary.add(status, flagged)
    if plan.repaired:
        note(f"repaired {one_line(str(options.output))}: dropped incomplete or outdated lines")
    if plan.done:
        note(f"resuming: {len(plan.done)} files already screened")
    return summary, plan.todo


def _fallback_versions(config: ScreenerConfig, lexicon_version: str | None) -> dict[str, str]:
    """Versions for the manifest when no record came back in this run."""
    from crisis_screen import __version__
    from crisis_screen.scoring import SCORING_VERSION

    lexicon = lexicon_version if lexicon_version is not None else _lexicon_version(config)
    return {"library": __version__, "lexicon": lexicon, "scoring": SCORING_VERSION}
