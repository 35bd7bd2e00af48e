"""Hostile input at scale: ``crisis-screen scan --jobs N`` on a folder of hostile and good files.

Writes a folder mixing ``--hostile`` hostile files (``hostile.py``: mutated files of every
format, zip and PDF bombs, nested and entity-declaring XML, deep RTF, huge HTML tags, bad
bytes and names, skill-dense and made-up-word lines, text near the size limit, symlink loops)
with ``--good`` generated resumes (``corpus.py``), then runs the real command line on it as
a subprocess, three times:

1. ``scan DIR -o out.jsonl --jobs N --time-limit T``, sampling the memory of its process
   tree (``/proc``, every 50 ms);
2. the same into a second output, stopped with SIGINT once ``--kill-at`` of the records
   are written, then ``scan ... --resume`` to finish it;
3. the same with SIGKILL instead of SIGINT.

It checks and reports, with PASS / FAIL per check:

- one valid record per file (by the path the record names, ``source`` or the bytes of
  ``source_hex``), no duplicates, every line valid JSON and a valid record, nothing for the
  symlinks the scan skips; the exit status (0 or 1);
- errors by type, and per hostile kind;
- the slowest file (``timings.read_ms + timings.screen_ms``): none over twice the time limit;
- peak RSS of the process tree and of each worker, against each worker's memory ceiling (its
  ``RLIMIT_AS``, read from ``/proc/PID/limits``: its address space once ready plus
  ``--worker-memory``);
- the manifest agrees with the records;
- after each kill and resume, every file has exactly one record and every line is valid
  JSON; no process of the killed run is left behind;
- wall time and files per second.

Usage (from the repository root; Linux, for ``/proc``)::

    PYTHONPATH=src python benchmarks/bench_hostile.py                    # 10,000 + 10,000
    PYTHONPATH=src python benchmarks/bench_hostile.py --hostile 2000 --good 2000 --json out.json
    PYTHONPATH=src python benchmarks/bench_hostile.py --hostile 40 --good 20 --time-limit 1

Exits 0 only when every check passes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from hostile import Written, write_folder  # noqa: E402

#: Seconds the OCR reader adds per page (ExtractionLimits.ocr_page_time; the CLI keeps it).
OCR_PAGE_TIME = 20.0
SAMPLE_S = 0.05
#: The outputs written into the work folder (each with its manifest and stderr beside it).
OUTPUTS = ("out.jsonl", "out-sigint.jsonl", "out-sigkill.jsonl")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(HERE.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("COLUMNS", None)
    return env


# -- the process tree ---------------------------------------------------------------------------


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _start_time(pid: int) -> int | None:
    """Field 22 of ``/proc/PID/stat``: tells a process from a later one with its pid."""
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    try:
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        text = _read(f"/proc/{pid}/task/{tid}/children")
        if text:
            out.extend(int(c) for c in text.split())
    return out


def _status(pid: int) -> dict[str, int] | None:
    text = _read(f"/proc/{pid}/status")
    if text is None:
        return None
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "VmSize", "VmPeak", "PPid"):
            parts = value.split()
            if parts:
                out[key] = int(parts[0])
    return out


def _address_limit(pid: int) -> int | None:
    """The soft ``RLIMIT_AS`` of a process in bytes, or None when unlimited."""
    text = _read(f"/proc/{pid}/limits")
    for line in (text or "").splitlines():
        if line.startswith("Max address space"):
            soft = line[len("Max address space") :].split()[0]
            return None if soft == "unlimited" else int(soft)
    return None


@dataclass
class Proc:
    """What the sampler saw of one process of the scan's tree (sizes in KiB)."""

    pid: int
    start: int
    role: str
    first_seen: float
    last_seen: float = 0.0
    peak_rss: int = 0
    hwm: int = 0
    peak_vm: int = 0
    limit_as: int | None = None  # bytes
    ready_rss: int | None = None  # RSS at the first sample with the ceiling set
    ready_vm: int | None = None


class TreeSampler(threading.Thread):
    """Sample the scan's process tree every ``interval`` s; call ``on_tick`` after each."""

    def __init__(self, root: int, interval: float, on_tick: Callable[[], None] | None) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.root = root
        self.interval = interval
        self.on_tick = on_tick
        self.stop = threading.Event()
        self.procs: dict[tuple[int, int], Proc] = {}
        self.peak_tree_rss = 0
        self.samples = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            if self.on_tick is not None:
                self.on_tick()
            self.stop.wait(self.interval)

    def _role(self, pid: int, parent: Proc | None) -> str:
        if parent is None:
            return "main"
        if parent.role == "forkserver":
            return "worker"
        cmdline = (_read(f"/proc/{pid}/cmdline") or "").replace("\0", " ")
        if "forkserver" in cmdline:
            return "forkserver"
        if "resource_tracker" in cmdline:
            return "resource_tracker"
        return "other"

    def sample(self) -> None:
        now = time.monotonic()
        total = 0
        stack: list[tuple[int, Proc | None]] = [(self.root, None)]
        while stack:
            pid, parent = stack.pop()
            start = _start_time(pid)
            status = _status(pid)
            if start is None or status is None or "VmRSS" not in status:
                continue  # gone, or a zombie
            proc = self.procs.get((pid, start))
            if proc is None:
                proc = Proc(pid, start, self._role(pid, parent), now)
                self.procs[(pid, start)] = proc
            proc.last_seen = now
            rss = status["VmRSS"]
            total += rss
            proc.peak_rss = max(proc.peak_rss, rss)
            proc.hwm = max(proc.hwm, status.get("VmHWM", 0))
            proc.peak_vm = max(proc.peak_vm, status.get("VmSize", 0))
            if proc.role == "worker" and proc.limit_as is None:
                proc.limit_as = _address_limit(pid)
                if proc.limit_as is not None:
                    proc.ready_rss, proc.ready_vm = rss, status.get("VmSize", 0)
            stack.extend((child, proc) for child in _children(pid))
        self.peak_tree_rss = max(self.peak_tree_rss, total)
        self.samples += 1

    def alive(self) -> list[Proc]:
        """Processes seen in the tree that still run (same pid and start time)."""
        return [p for p in self.procs.values() if _start_time(p.pid) == p.start]


# -- running the scan ---------------------------------------------------------------------------


class LineCounter:
    """Count the complete lines of a file that grows (reads only what was added)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.lines = 0

    def update(self) -> int:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except OSError:
            return self.lines
        self.offset += len(data)
        self.lines += data.count(b"\n")
        return self.lines


@dataclass
class ScanRun:
    """One run of the command line."""

    label: str
    args: list[str]
    exit_code: int | None = None
    wall_s: float = 0.0
    signal: str | None = None
    lines_at_signal: int | None = None
    timed_out: bool = False
    stderr_tail: list[str] = field(default_factory=list)
    traceback: bool = False
    peak_tree_rss_kib: int = 0
    samples: int = 0
    left_running: list[int] = field(default_factory=list)
    procs: list[Proc] = field(default_factory=list)


def run_scan(
    label: str,
    folder: str,
    output: Path,
    options: argparse.Namespace,
    *,
    resume: bool = False,
    kill: signal.Signals | None = None,
    kill_after_lines: int = 0,
) -> ScanRun:
    """Run ``crisis-screen scan`` on ``folder``; optionally signal it once enough lines exist."""
    args = ["scan", folder, "-o", str(output), "--jobs", str(options.jobs)]
    args += ["--time-limit", f"{options.time_limit:g}"]
    if options.worker_memory is not None:
        args += ["--worker-memory", str(options.worker_memory)]
    if resume:
        args.append("--resume")
    run = ScanRun(label, args)
    stderr_path = output.with_name(output.name + ".stderr")
    counter = LineCounter(output)
    t0 = time.monotonic()
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crisis_screen", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=_env(),
        )

        def tick() -> None:
            if kill is None or run.signal is not None:
                return
            if counter.update() >= kill_after_lines:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(kill)
                run.signal, run.lines_at_signal = kill.name, counter.lines

        sampler = TreeSampler(proc.pid, SAMPLE_S, tick)
        sampler.start()
        try:
            proc.wait(timeout=options.run_timeout)
        except subprocess.TimeoutExpired:
            run.timed_out = True
            proc.kill()
            proc.wait()
        run.wall_s = time.monotonic() - t0
        sampler.stop.set()
        sampler.join()
    run.exit_code = proc.returncode
    run.peak_tree_rss_kib = sampler.peak_tree_rss
    run.samples = sampler.samples
    # Workers and the fork server end by themselves when the main process dies; give them a
    # moment, then stop any left (they are this run's processes, by pid and start time).
    deadline = time.monotonic() + 15.0
    while sampler.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    for left in sampler.alive():
        run.left_running.append(left.pid)
        with contextlib.suppress(OSError):
            os.kill(left.pid, signal.SIGKILL)
    run.procs = sorted(sampler.procs.values(), key=lambda p: p.first_seen)
    text = stderr_path.read_text(encoding="utf-8", errors="replace")
    run.traceback = "Traceback (most recent call last)" in text
    run.stderr_tail = text.splitlines()[-5:]
    return run


# -- reading the output -------------------------------------------------------------------------


def _validator() -> Callable[[bytes], str | None] | None:
    """The library's own record model, when importable: a line that it refuses is invalid."""
    try:
        from crisis_screen.runs.records import ScanRecord
    except ImportError:
        return None

    def check(line: bytes) -> str | None:
        try:
            ScanRecord.model_validate_json(line)
        except ValueError as exc:
            return f"refused by ScanRecord ({type(exc).__name__})"
        return None

    return check


def record_path(value: dict[str, Any]) -> str:
    """The path a record names: ``source``, or the exact bytes of ``source_hex``."""
    raw = value.get("source_hex")
    if raw is not None:
        return os.fsdecode(bytes.fromhex(raw))
    return str(value["source"])


def record_problem(value: Any) -> str | None:
    """What is wrong with a parsed record, checked without the library; None when fine."""
    if not isinstance(value, dict):
        return "not a JSON object"
    source, raw = value.get("source"), value.get("source_hex")
    if not isinstance(source, str):
        return "no source"
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        return "source holds lone surrogates"
    if raw is not None:
        if not isinstance(raw, str):
            return "source_hex is not a string"
        try:
            bytes.fromhex(raw)
        except ValueError:
            return "source_hex is not hex"
    status = value.get("status")
    if status == "ok":
        if not isinstance(value.get("score"), (int, float)) or not isinstance(
            value.get("flagged"), bool
        ):
            return "ok record without score or flag"
    elif status == "error":
        if not isinstance(value.get("error_type"), str) or not isinstance(value.get("error"), str):
            return "error record without error_type or error"
    else:
        return f"status {status!r}"
    timings = value.get("timings")
    if not isinstance(timings, dict):
        return "no timings"
    for key in ("read_ms", "screen_ms"):
        ms = timings.get(key)
        if not isinstance(ms, (int, float)) or ms < 0:
            return f"timings.{key} missing or negative"
    return None


def _shown(path: str) -> str:
    """A path for the terminal: every control, bidi and undecodable byte escaped."""
    return ascii(path)[1:-1]


@dataclass
class OutputCheck:
    """What one JSONL output holds, against the files written."""

    lines: int = 0
    torn_tail: bool = False
    invalid_json: int = 0
    invalid_records: int = 0
    problems: list[str] = field(default_factory=list)
    records: int = 0
    missing: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    ok: int = 0
    error: int = 0
    flagged: int = 0
    by_error_type: dict[str, int] = field(default_factory=dict)
    stopped_by_watchdog: int = 0
    values: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def one_per_file(self) -> bool:
        return not (
            self.torn_tail
            or self.invalid_json
            or self.invalid_records
            or self.missing
            or self.duplicates
            or self.unexpected
        )

    def summary(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "values"}
        for key in ("missing", "duplicates", "unexpected"):
            out[key + "_count"] = len(out[key])
            out[key] = [_shown(p) for p in out[key][:20]]
        out["one_per_file"] = self.one_per_file
        return out


_KEPT = ("status", "error_type", "flagged", "timings", "ocr_pages")


def check_output(output: Path, written: Written, validate: bool = True) -> OutputCheck:
    check = OutputCheck()
    raw = output.read_bytes() if output.exists() else b""
    check.torn_tail = bool(raw) and not raw.endswith(b"\n")
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    check.lines = len(lines)
    validator = _validator() if validate else None
    seen: Counter[str] = Counter()
    expected = written.expected()
    errors: Counter[str] = Counter()
    for number, line in enumerate(lines, 1):
        try:
            value = json.loads(line)
        except ValueError:
            check.invalid_json += 1
            check.problems.append(f"line {number}: not JSON")
            continue
        problem = record_problem(value)
        if problem is None and validator is not None:
            problem = validator(line)
        if problem is not None:
            check.invalid_records += 1
            check.problems.append(f"line {number}: {problem}")
            if not isinstance(value, dict) or not isinstance(value.get("source"), str):
                continue
        path = record_path(value)
        seen[path] += 1
        # Only what the report needs: records with a thousand evidence items are large.
        check.values[path] = {k: value.get(k) for k in _KEPT}
        if value.get("status") == "ok":
            check.ok += 1
            check.flagged += int(bool(value.get("flagged")))
        else:
            check.error += 1
            errors[str(value.get("error_type"))] += 1
            # The pool's watchdog words its reason so; the readers' own checks do not.
            if str(value.get("error") or "").startswith("stopped after"):
                check.stopped_by_watchdog += 1
    check.problems = check.problems[:20]
    check.records = sum(seen.values())
    check.missing = [p for p in expected if p not in seen]
    check.duplicates = [p for p, n in seen.items() if n > 1]
    check.unexpected = [p for p in seen if p not in expected]
    check.by_error_type = dict(errors.most_common())
    return check


def _ms(value: dict[str, Any]) -> float:
    timings = value.get("timings") or {}
    return float(timings.get("read_ms", 0.0)) + float(timings.get("screen_ms", 0.0))


def _allowed_s(value: dict[str, Any], limit: float) -> float:
    """Twice the time a file was allowed: OCR pages (ok records say which) get more."""
    pages = len(value.get("ocr_pages") or ())
    return 2.0 * (limit + OCR_PAGE_TIME * pages)


def per_kind(check: OutputCheck, written: Written) -> dict[str, dict[str, Any]]:
    """Per hostile kind and per good format: outcomes (``ok`` or the error type) and time."""
    out: dict[str, Counter[str]] = {}
    spent: dict[str, list[float]] = {}
    for path, entry in written.expected().items():
        value = check.values.get(path)
        outcome = "missing" if value is None else str(value.get("error_type") or "ok")
        key = entry.kind if entry.group == "hostile" else f"good {entry.kind}"
        out.setdefault(key, Counter())[outcome] += 1
        if value is not None:
            spent.setdefault(key, []).append(_ms(value))
    return {
        key: {
            "outcomes": dict(counts.most_common()),
            "total_s": round(sum(spent.get(key, [])) / 1000, 2),
            "mean_ms": round(sum(spent.get(key, [])) / max(1, len(spent.get(key, []))), 1),
            "max_ms": round(max(spent.get(key, [0.0])), 1),
        }
        for key, counts in sorted(out.items())
    }


def slowest(check: OutputCheck, written: Written, limit: float, top: int = 5) -> dict[str, Any]:
    rows = []
    over = []
    for path, value in check.values.items():
        entry = written.entries.get(path)
        ms = _ms(value)
        row = {
            "ms": round(ms, 1),
            "source": _shown(path),
            "kind": entry.kind if entry else "?",
            "variant": entry.variant if entry else "",
            "status": value.get("status"),
            "error_type": value.get("error_type"),
        }
        rows.append(row)
        if ms > _allowed_s(value, limit) * 1000.0:
            over.append(row)
    rows.sort(key=lambda r: -float(r["ms"]))
    times = sorted(float(r["ms"]) for r in rows)
    return {
        "slowest": rows[:top],
        "over_twice_the_limit": over,
        "p50_ms": times[len(times) // 2] if times else 0.0,
        "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))] if times else 0.0,
        "max_ms": times[-1] if times else 0.0,
        "limit_s": limit,
    }


def read_manifest(output: Path) -> dict[str, Any] | None:
    path = output.with_name(output.name + ".manifest.json")
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def manifest_problems(
    manifest: dict[str, Any] | None, check: OutputCheck, files: int, *, resumed: bool
) -> list[str]:
    """How a complete run's manifest disagrees with its records (empty: it agrees)."""
    if manifest is None:
        return ["no manifest"]
    problems = []
    wanted: dict[str, Any] = {
        "status": "complete",
        "inputs": files,
        "ok": check.ok,
        "error": check.error,
        "flagged": check.flagged,
    }
    if not resumed:
        wanted.update(screened_this_run=files, skipped_already_done=0)
    for key, value in wanted.items():
        if manifest.get(key) != value:
            problems.append(f"{key} is {manifest.get(key)!r}, records say {value!r}")
    done, screened = manifest.get("skipped_already_done"), manifest.get("screened_this_run")
    if resumed and (not isinstance(done, int) or not isinstance(screened, int)):
        problems.append("no counts of skipped and screened files")
    elif resumed and done + screened != files:
        problems.append(f"skipped {done} + screened {screened} != {files} files")
    return problems


# -- memory -------------------------------------------------------------------------------------


def memory_figures(run: ScanRun, worker_memory_mib: int | None) -> dict[str, Any]:
    """Peak RSS of the tree and of each role; each worker against its ceiling."""
    workers = [p for p in run.procs if p.role == "worker"]
    by_role: dict[str, int] = {}
    for proc in run.procs:
        by_role[proc.role] = max(by_role.get(proc.role, 0), proc.peak_rss, proc.hwm)
    rows = []
    over = []
    without = []
    for proc in workers:
        peak = max(proc.peak_rss, proc.hwm)
        row: dict[str, Any] = {
            "pid": proc.pid,
            "peak_rss_mib": round(peak / 1024, 1),
            "peak_vm_mib": round(proc.peak_vm / 1024, 1),
            "ready_rss_mib": round(proc.ready_rss / 1024, 1) if proc.ready_rss else None,
            "ready_vm_mib": round(proc.ready_vm / 1024, 1) if proc.ready_vm else None,
            "ceiling_mib": round(proc.limit_as / 2**20, 1) if proc.limit_as else None,
            "lived_s": round(proc.last_seen - proc.first_seen, 2),
        }
        if proc.ready_rss is not None:
            row["rss_growth_mib"] = round((peak - proc.ready_rss) / 1024, 1)
        rows.append(row)
        if proc.limit_as is None:
            # Seen only before it set its ceiling (it lives a few ms unready) or never set.
            if proc.ready_rss is None and proc.last_seen - proc.first_seen > 1.0:
                without.append(proc.pid)
        elif peak * 1024 > proc.limit_as:
            over.append(proc.pid)
    largest = max(rows, key=lambda r: r["peak_rss_mib"], default=None)
    return {
        "peak_tree_rss_mib": round(run.peak_tree_rss_kib / 1024, 1),
        "peak_rss_mib_by_role": {k: round(v / 1024, 1) for k, v in sorted(by_role.items())},
        "workers_seen": len(workers),
        "largest_worker": largest,
        "workers_over_ceiling": over,
        "workers_without_ceiling": without if worker_memory_mib != 0 else [],
        "worker_memory_mib": 2048 if worker_memory_mib is None else worker_memory_mib,
        "samples": run.samples,
        "workers": rows,
    }


# -- the benchmark ------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


def kept_lines(output: Path) -> set[bytes]:
    """The complete lines of an interrupted output that a resume keeps as they are.

    Records with a SHA-256 name a file that was read; the others (stopped by the watchdog,
    worker crashes) are screened again.
    """
    raw = output.read_bytes() if output.exists() else b""
    out = set()
    for line in raw[: raw.rfind(b"\n") + 1].split(b"\n"):
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict) and value.get("sha256"):
                out.add(line)
    return out


def kill_and_resume(
    folder: str,
    workdir: Path,
    written: Written,
    options: argparse.Namespace,
    sig: signal.Signals,
) -> tuple[dict[str, Any], list[Check]]:
    files = len(written.expected())
    output = workdir / f"out-{sig.name.lower()}.jsonl"
    assert output.name in OUTPUTS
    at = max(1, int(files * options.kill_at))
    killed = run_scan(
        f"{sig.name} at {options.kill_at:.0%}",
        folder,
        output,
        options,
        kill=sig,
        kill_after_lines=at,
    )
    after_kill = check_output(output, written, validate=False)
    kept = kept_lines(output)
    interrupted_manifest = read_manifest(output)
    resumed = run_scan(f"resume after {sig.name}", folder, output, options, resume=True)
    final = check_output(output, written)
    changed = len(kept - set(output.read_bytes().split(b"\n")))
    manifest = read_manifest(output)
    problems = manifest_problems(manifest, final, files, resumed=True)
    expected_code = 128 + sig if sig == signal.SIGINT else -sig
    part_way = killed.exit_code == expected_code and 0 < after_kill.records < files
    figures = {
        "signal": sig.name,
        "signal_sent_at_lines": killed.lines_at_signal,
        "killed_exit_code": killed.exit_code,
        "records_at_kill": after_kill.records,
        "records_kept_to_skip": len(kept),
        "kept_records_changed_by_resume": changed,
        "torn_line_at_kill": after_kill.torn_tail,
        "manifest_after_kill": (interrupted_manifest or {}).get("status"),
        "killed_wall_s": round(killed.wall_s, 2),
        "left_running_after_kill": killed.left_running,
        "resume_exit_code": resumed.exit_code,
        "resume_wall_s": round(resumed.wall_s, 2),
        "resume_skipped": (manifest or {}).get("skipped_already_done"),
        "resume_screened": (manifest or {}).get("screened_this_run"),
        "output": final.summary(),
        "manifest_problems": problems,
        "stderr_traceback": killed.traceback or resumed.traceback,
    }
    name = f"kill ({sig.name}) and resume keeps every file exactly once"
    detail = (
        f"{after_kill.records} of {files} records at the kill (exit {killed.exit_code}), "
        f"resume exit {resumed.exit_code}: {final.records} records, "
        f"{len(final.missing)} missing, {len(final.duplicates)} duplicated, "
        f"{final.invalid_json} invalid JSON, {final.invalid_records} invalid"
    )
    checks = [
        Check(
            name,
            final.one_per_file and resumed.exit_code in (0, 1) and not problems and not changed,
            detail
            + (f"; {changed} records of the killed run changed" if changed else "")
            + ("; manifest: " + "; ".join(problems) if problems else ""),
        ),
        Check(
            f"the {sig.name} came part-way through the run",
            part_way,
            f"signal at {killed.lines_at_signal} lines, exit {killed.exit_code} "
            f"(expected {expected_code}), {after_kill.records} records kept",
        ),
        Check(
            f"no process of the {sig.name} run left behind",
            not killed.left_running and not resumed.left_running,
            f"left running: {killed.left_running + resumed.left_running}",
        ),
    ]
    return figures, checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hostile", type=int, default=10_000, help="hostile files")
    parser.add_argument("--good", type=int, default=10_000, help="good resumes")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds per file")
    parser.add_argument(
        "--worker-memory",
        type=int,
        default=None,
        metavar="MIB",
        help="passed to scan (default: scan's own, 2048)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--kill-at",
        type=float,
        default=0.4,
        help="fraction of the records written when the kill comes",
    )
    parser.add_argument("--no-resume", action="store_true", help="skip the kill-and-resume runs")
    parser.add_argument("--run-timeout", type=float, default=3600.0, help="seconds per scan")
    parser.add_argument("--workdir", type=Path, help="where to write (default: a temp folder)")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--keep", action="store_true", help="keep the folder and outputs")
    options = parser.parse_args(argv)
    if not Path("/proc/self/status").exists():
        print("bench_hostile needs Linux (/proc) for its memory figures", file=sys.stderr)
        return 2

    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    # A folder given that already exists keeps whatever else it holds: only what this
    # script writes there is removed (before, and after unless --keep).
    created = options.workdir is None or not workdir.exists()
    workdir.mkdir(parents=True, exist_ok=True)
    folder = str(workdir / "in")
    _clean(workdir)
    try:
        return _bench(options, workdir, folder)
    finally:
        if options.keep:
            print(f"kept {workdir}")
        elif created:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            _clean(workdir)


def _clean(workdir: Path) -> None:
    shutil.rmtree(workdir / "in", ignore_errors=True)
    for name in OUTPUTS:
        for path in workdir.glob(name + "*"):
            path.unlink()


def _bench(options: argparse.Namespace, workdir: Path, folder: str) -> int:
    t0 = time.perf_counter()
    written = write_folder(folder, options.hostile, options.good, options.seed)
    gen_s = time.perf_counter() - t0
    expected = written.expected()
    files = len(expected)
    links = len(written.entries) - files
    kinds = Counter(e.kind for e in written.entries.values() if e.group == "hostile")
    print(
        f"wrote {options.hostile} hostile entries ({links} of them symlinks the scan skips) "
        f"and {options.good} good resumes: {files} files, "
        f"{written.bytes_written / 2**20:.0f} MiB, in {gen_s:.1f} s: {folder}"
    )

    output = workdir / OUTPUTS[0]
    main_run = run_scan("scan", folder, output, options)
    check = check_output(output, written)
    manifest = read_manifest(output)
    m_problems = manifest_problems(manifest, check, files, resumed=False)
    timing = slowest(check, written, options.time_limit)
    memory = memory_figures(main_run, options.worker_memory)
    kinds_out = per_kind(check, written)
    good_failed = [
        p
        for p, e in expected.items()
        if e.group == "good" and (check.values.get(p) or {}).get("status") != "ok"
    ]

    checks = [
        Check(
            "one valid record per file",
            check.one_per_file,
            f"{files} files, {check.lines} lines, {check.records} records: "
            f"{len(check.missing)} missing, {len(check.duplicates)} duplicated, "
            f"{len(check.unexpected)} unexpected, {check.invalid_json} invalid JSON, "
            f"{check.invalid_records} invalid records"
            + (", torn last line" if check.torn_tail else ""),
        ),
        Check("exit status 0 or 1", main_run.exit_code in (0, 1), f"exit {main_run.exit_code}"),
        Check(
            "no file over twice the time limit",
            not timing["over_twice_the_limit"],
            f"slowest {timing['max_ms'] / 1000:.2f} s (limit {options.time_limit:g} s, "
            f"{len(timing['over_twice_the_limit'])} over {2 * options.time_limit:g} s)",
        ),
        Check(
            "no worker over its memory ceiling",
            not memory["workers_over_ceiling"] and not memory["workers_without_ceiling"],
            _memory_detail(memory),
        ),
        Check(
            "manifest agrees with the records",
            not m_problems,
            "; ".join(m_problems) or f"{files} inputs, {check.ok} ok, {check.error} error",
        ),
        Check(
            "every good resume screened ok",
            not good_failed,
            f"{len(good_failed)} not ok" + (f": {_shown(good_failed[0])}" if good_failed else ""),
        ),
        Check(
            "no traceback on stderr",
            not main_run.traceback,
            " | ".join(main_run.stderr_tail) if main_run.traceback else "",
        ),
    ]

    resume_figures: list[dict[str, Any]] = []
    if not options.no_resume:
        for sig in (signal.SIGINT, signal.SIGKILL):
            figures, more = kill_and_resume(folder, workdir, written, options, sig)
            resume_figures.append(figures)
            checks += more
            checks.append(
                Check(
                    f"no traceback on stderr ({sig.name} runs)", not figures["stderr_traceback"], ""
                )
            )

    report = {
        "system": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "tesseract": shutil.which("tesseract") is not None,
        },
        "settings": {
            "hostile": options.hostile,
            "good": options.good,
            "jobs": options.jobs,
            "time_limit_s": options.time_limit,
            "worker_memory_mib": options.worker_memory,
            "seed": options.seed,
            "kill_at": options.kill_at,
        },
        "folder": {
            "files": files,
            "symlinks": links,
            "mib": round(written.bytes_written / 2**20, 1),
            "generate_s": round(gen_s, 2),
            "hostile_kinds": dict(sorted(kinds.items())),
        },
        "scan": {
            "exit_code": main_run.exit_code,
            "wall_s": round(main_run.wall_s, 2),
            "files_per_s": round(files / main_run.wall_s, 1) if main_run.wall_s else 0.0,
            "output": check.summary(),
            "manifest": manifest,
            "manifest_problems": m_problems,
            "outcomes_by_kind": kinds_out,
            "timings": timing,
            "memory": memory,
            "stderr_tail": main_run.stderr_tail,
        },
        "kill_and_resume": resume_figures,
        "checks": [asdict(c) for c in checks],
        "passed": all(c.passed for c in checks),
    }
    _print(report, checks)
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return 0 if report["passed"] else 1


def _memory_detail(memory: dict[str, Any]) -> str:
    largest = memory["largest_worker"]
    if largest is None:
        return "no worker seen"
    text = (
        f"largest worker peak RSS {largest['peak_rss_mib']} MiB, ceiling "
        f"{largest['ceiling_mib']} MiB (address space once ready {largest['ready_vm_mib']} MiB "
        f"+ {memory['worker_memory_mib']} MiB); {memory['workers_seen']} workers seen"
    )
    if memory["workers_over_ceiling"]:
        text += f"; over: {memory['workers_over_ceiling']}"
    if memory["workers_without_ceiling"]:
        text += f"; without a ceiling: {memory['workers_without_ceiling']}"
    return text


def _print(report: dict[str, Any], checks: list[Check]) -> None:
    scan = report["scan"]
    out = scan["output"]
    print(
        f"\nscan --jobs {report['settings']['jobs']} --time-limit "
        f"{report['settings']['time_limit_s']:g}: exit {scan['exit_code']}, "
        f"{scan['wall_s']:.1f} s, {scan['files_per_s']:.0f} files/s"
    )
    print(
        f"records: {out['records']} ({out['ok']} ok, {out['error']} error, "
        f"{out['flagged']} flagged)"
    )
    print(f"errors by type ({out['stopped_by_watchdog']} files stopped by the pool's watchdog):")
    for name, count in out["by_error_type"].items():
        print(f"  {name:28s} {count:6d}")
    print("outcomes by kind (time: sum over files, then the slowest file):")
    for kind, row in scan["outcomes_by_kind"].items():
        shown = ", ".join(f"{k} {v}" for k, v in row["outcomes"].items())
        print(f"  {kind:18s} {row['total_s']:7.1f} s {row['max_ms']:7.0f} ms  {shown}")
    timing = scan["timings"]
    print(
        f"time per file: p50 {timing['p50_ms']:.1f} ms, p99 {timing['p99_ms']:.0f} ms, "
        f"max {timing['max_ms']:.0f} ms; slowest:"
    )
    for row in timing["slowest"]:
        print(
            f"  {row['ms']:9.0f} ms  {row['kind']:16s} {row['variant'][:40]:40s} "
            f"{row['error_type'] or 'ok'}"
        )
    memory = scan["memory"]
    print(
        f"peak RSS: tree (sum over processes) {memory['peak_tree_rss_mib']} MiB; by role "
        + ", ".join(f"{k} {v} MiB" for k, v in memory["peak_rss_mib_by_role"].items())
    )
    for figures in report["kill_and_resume"]:
        print(
            f"{figures['signal']}: sent at {figures['signal_sent_at_lines']} lines, "
            f"{figures['records_at_kill']} records kept (exit {figures['killed_exit_code']}, "
            f"manifest {figures['manifest_after_kill']}); resume: exit "
            f"{figures['resume_exit_code']}, {figures['resume_skipped']} skipped, "
            f"{figures['resume_screened']} screened, {figures['resume_wall_s']:.1f} s; "
            f"{figures['kept_records_changed_by_resume']} kept records changed"
        )
    print()
    for c in checks:
        print(f"{'PASS' if c.passed else 'FAIL'}  {c.name}" + (f": {c.detail}" if c.detail else ""))
    print("\nPASS" if report["passed"] else "\nFAIL")


if __name__ == "__main__":
    sys.exit(main())
