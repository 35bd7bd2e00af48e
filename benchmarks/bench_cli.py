"""End-to-end benchmark of ``crisis-screen scan`` against the 20-line script a user would write.

Writes a folder of synthetic text resumes (``corpus.generate_corpus``) and the script (a process
pool of ``--jobs`` workers, or one process for ``--jobs 1``, reading each file, lower-casing
it, one ``re`` alternation of the corpus's ~60 skill phrases, one JSON line per file written to
an output file), then measures, in one run on the same files, each as a subprocess with its
start-up included:

- for each ``--jobs`` value, ``crisis-screen scan DIR -o out.jsonl --jobs N -q`` and the script
  with N, alternated A B A B (``--rounds`` times); the medians give the ratio
  ``script time / scan time`` (at least 1.0: the scan is as fast as the script);
- ``crisis-screen scan one.txt -o out.jsonl -q``: the fixed cost of a call (median);
- the CPU time of each process tree (orphaned descendants reaped by the probe), a figure
  less disturbed than wall time on a busy machine;
- peak memory of the scans (the largest single process, ``ru_maxrss`` of the waited-for tree,
  and the sampled sum over the tree), also at ``--small`` files, to show it does not grow with
  the number of files;
- ``crisis-screen --help`` and ``--version`` (best and median).

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/bench_cli.py                  # 6,000 files, 3 rounds
    PYTHONPATH=src python benchmarks/bench_cli.py --rounds 5 --json out.json
    PYTHONPATH=src python benchmarks/bench_cli.py --n 3000 --jobs 1,2,4 --small 0
    PYTHONPATH=src python benchmarks/bench_cli.py --profile        # where the time goes
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import SKILL_ACRONYMS, SKILL_PHRASES, iter_corpus  # noqa: E402

TARGET_RATIO = 1.0
TARGET_STARTUP_S = 0.5

#: The script a user would write instead (the baseline); PHRASES is filled in.
SCRIPT = """import json, os, re, sys
from multiprocessing import Pool

PHRASES = {phrases!r}
PATTERN = re.compile(r"\\b(?:" + "|".join(map(re.escape, PHRASES)) + r")\\b")


def screen(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        found = sorted(set(PATTERN.findall(handle.read().lower())))
    return json.dumps({{"source": path, "flagged": bool(found), "matches": found}})


if __name__ == "__main__":
    folder, output, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    paths = sorted(os.path.join(d, f) for d, _, names in os.walk(folder) for f in names)
    pool = Pool(jobs) if jobs > 1 else None
    lines = pool.imap(screen, paths, chunksize=64) if pool else map(screen, paths)
    with open(output, "w", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\\n")
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(HERE.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def script_phrases() -> list[str]:
    """The script's one alternation: the corpus's skill phrases and acronyms, lower case."""
    phrases = {p.lower() for p in SKILL_PHRASES} | {a.lower() for a in SKILL_ACRONYMS}
    return sorted(phrases, key=lambda p: (-len(p), p))


def write_script(workdir: Path) -> Path:
    path = workdir / "screen20.py"
    path.write_text(SCRIPT.format(phrases=script_phrases()), encoding="utf-8")
    return path


def write_corpus(folder: Path, n: int, seed: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(iter_corpus(n, seed)):
        path = folder / f"cv_{i:05d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _tree_rss_kib(pid: int) -> int:
    """Sum of VmRSS over a process and its descendants (Linux /proc)."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{p}/task/{p}/children") as handle:
                stack.extend(int(c) for c in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


def timed(cmd: list[str], output: Path) -> dict[str, Any]:
    """Run ``cmd`` in a probe process (so its rusage is its own), sampling tree RSS."""
    probe = [sys.executable, str(Path(__file__).resolve()), "--probe", "--", *cmd]
    proc = subprocess.Popen(probe, env=_env(), stdout=subprocess.PIPE, text=True)
    peak_tree = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not stop.is_set():
            peak_tree = max(peak_tree, _tree_rss_kib(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    stop.set()
    sampler.join()
    probe_result = json.loads(out)
    wall = probe_result["wall_s"]
    lines = output.read_text(encoding="utf-8").splitlines() if output.exists() else []
    return {
        "files": len(lines),
        "flagged": sum(1 for line in lines if '"flagged":true' in line.replace(" ", "")),
        "exit_code": probe_result["returncode"],
        "wall_s": round(wall, 3),
        "cpu_s": round(probe_result["cpu_s"], 3),
        "peak_rss_process_mib": round(probe_result["maxrss_kib"] / 1024, 1),
        "peak_rss_tree_mib": round(peak_tree / 1024, 1),
    }


def scan_cmd(target: Path, output: Path, jobs: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "crisis_screen", "scan", str(target), "-o", str(output), "-q"]
    return cmd + (["--jobs", str(jobs)] if jobs is not None else [])


def probe_main(cmd: list[str]) -> None:
    """Run ``cmd``; print its exit code, wall time, and the CPU time and peak RSS of its tree.

    The probe makes itself the reaper of orphaned descendants (Linux), so processes the
    command leaves to exit after it (a fork server, its workers) are waited for here and
    their CPU time counted too; the wall time is the command's own.
    """
    subreaper = False
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        subreaper = libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    start = time.perf_counter()
    returncode = subprocess.call(cmd, env=_env())
    wall = time.perf_counter() - start
    while subreaper:
        try:
            os.wait()
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"returncode": returncode, "maxrss_kib": usage.ru_maxrss, "wall_s": wall,
                      "cpu_s": cpu}))  # fmt: skip


def compare(folder: Path, script: Path, jobs: int, rounds: int, workdir: Path) -> dict[str, Any]:
    """``scan --jobs N`` and the script with N, alternated; medians and their ratio."""
    scans, scripts = [], []
    for _ in range(rounds):
        out = workdir / f"scan_j{jobs}.jsonl"
        out.unlink(missing_ok=True)
        scans.append(timed(scan_cmd(folder, out, jobs), out))
        out = workdir / f"script_j{jobs}.jsonl"
        out.unlink(missing_ok=True)
        cmd = [sys.executable, str(script), str(folder), str(out), str(jobs)]
        scripts.append(timed(cmd, out))
        last = f"scan {scans[-1]['wall_s']:.2f}s  script {scripts[-1]['wall_s']:.2f}s"
        print(f"  jobs {jobs}: {last}", file=sys.stderr)
    scan_s = statistics.median(r["wall_s"] for r in scans)
    script_s = statistics.median(r["wall_s"] for r in scripts)
    files = scans[-1]["files"]
    return {
        "jobs": jobs,
        "files": files,
        "scan_wall_s": [r["wall_s"] for r in scans],
        "script_wall_s": [r["wall_s"] for r in scripts],
        "scan_median_s": round(scan_s, 3),
        "script_median_s": round(script_s, 3),
        "scan_rate_per_s": round(files / scan_s, 1),
        "script_rate_per_s": round(scripts[-1]["files"] / script_s, 1),
        "ratio": round(script_s / scan_s, 3),
        "scan_cpu_s": [r["cpu_s"] for r in scans],
        "script_cpu_s": [r["cpu_s"] for r in scripts],
        "cpu_ratio": round(
            statistics.median(r["cpu_s"] for r in scripts)
            / statistics.median(r["cpu_s"] for r in scans),
            3,
        ),
        "scan_exit_codes": sorted({r["exit_code"] for r in scans}),
        "scan_files": sorted({r["files"] for r in scans}),
        "script_files": sorted({r["files"] for r in scripts}),
        "scan_flagged": scans[-1]["flagged"],
        "script_flagged": scripts[-1]["flagged"],
        "peak_rss_process_mib": max(r["peak_rss_process_mib"] for r in scans),
        "peak_rss_tree_mib": max(r["peak_rss_tree_mib"] for r in scans),
    }


def one_file(path: Path, rounds: int, workdir: Path) -> dict[str, Any]:
    out = workdir / "one.jsonl"
    times = []
    for _ in range(rounds):
        out.unlink(missing_ok=True)
        times.append(timed(scan_cmd(path, out, None), out)["wall_s"])
    return {"median_s": round(statistics.median(times), 3), "all_s": times}


def startup(flag: str, repeat: int) -> dict[str, float]:
    cmd = [sys.executable, "-m", "crisis_screen", flag]
    times = []
    subprocess.run(cmd, env=_env(), capture_output=True, check=True)  # warm caches
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, env=_env(), capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return {"best_s": round(min(times), 3), "median_s": round(statistics.median(times), 3)}


def profile(folder: Path, one: Path, workdir: Path) -> None:
    """Where the time goes: the CLI in one process, a worker's chunks, and the imports."""
    import pstats

    out = workdir / "profile.out"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "crisis_screen", "scan",
           str(folder), "-o", str(workdir / "p.jsonl"), "--jobs", "1", "-q"]  # fmt: skip
    subprocess.run(cmd, env=_env(), check=False)
    print("\n== scan --jobs 1 (whole command, one process), by cumulative time")
    pstats.Stats(str(out)).sort_stats("cumulative").print_stats(30)
    print("\n== a worker's chunks (screen_sources + to_line, as in a worker), by own time")
    profile_worker(sorted(folder.iterdir()))
    print("\n== imports of `scan one.txt` (python -X importtime), heaviest cumulative")
    cmd = [sys.executable, "-X", "importtime", "-m", "crisis_screen", "scan", str(one),
           "-o", str(workdir / "i.jsonl"), "-q"]  # fmt: skip
    err = subprocess.run(cmd, env=_env(), capture_output=True, text=True).stderr
    rows = []
    for line in err.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    for cumulative, name in sorted(rows, reverse=True)[:20]:
        print(f"  {cumulative / 1000:8.1f} ms  {name}")


def profile_worker(paths: list[Path]) -> None:
    """cProfile what a worker does with its chunks, in this process (screener built first)."""
    import cProfile
    import multiprocessing
    import pstats

    from crisis_screen.extract.limits import ExtractionLimits
    from crisis_screen.runs.screen import screen_sources, to_line
    from crisis_screen.runs.workers import Progress
    from crisis_screen.screener import ScreenerConfig

    screener = ScreenerConfig().build()
    limits = ExtractionLimits()
    progress = Progress(multiprocessing.get_context("spawn"), 45.0)
    files = [str(p) for p in paths]
    screen_sources(screener, files[:200], limits)  # warm up
    chunks = [files[i : i + 96] for i in range(0, len(files), 96)]
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for chunk in chunks:
        [to_line(r) for r in screen_sources(screener, chunk, limits, watch=progress)]
    profiler.disable()
    took = time.perf_counter() - start
    each = took / len(files) * 1e3
    print(f"  {len(files)} files in {took:.2f}s under cProfile ({each:.3f} ms each)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    if "--probe" in sys.argv:
        probe_main(sys.argv[sys.argv.index("--") + 1 :])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=6000, help="resumes in the comparison")
    parser.add_argument("--small", type=int, default=2000,
                        help="resumes in the memory check run (0: skip)")  # fmt: skip
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values")
    parser.add_argument("--rounds", type=int, default=3, help="A B rounds per --jobs value")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5, help="runs of --help/--version")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--profile", action="store_true", help="profile instead of timing")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench_cli_"))
    try:
        big = workdir / "big"
        print(f"writing {args.n} resumes to {workdir} ...", file=sys.stderr)
        paths = write_corpus(big, args.n, args.seed)
        one = workdir / "one.txt"
        shutil.copyfile(paths[0], one)
        if args.profile:
            profile(big, one, workdir)
            return
        script = write_script(workdir)
        results: dict[str, Any] = {"n": args.n, "cpus": len(os.sched_getaffinity(0))}
        results["load_before"] = os.getloadavg()[0]
        results["startup"] = {f: startup(f, args.repeat) for f in ("--help", "--version")}
        results["one_file"] = one_file(one, args.rounds, workdir)
        jobs_values = [int(j) for j in args.jobs.split(",")]
        results["compare"] = [compare(big, script, j, args.rounds, workdir) for j in jobs_values]
        if args.small:
            small = workdir / "small"
            write_corpus(small, args.small, args.seed)
            results["small"] = []
            for jobs in jobs_values:
                out = workdir / f"small_j{jobs}.jsonl"
                run = timed(scan_cmd(small, out, jobs), out)
                results["small"].append({"jobs": jobs, "n": args.small, **run})
        results["load_after"] = os.getloadavg()[0]
        _print(results)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _print(results: dict[str, Any]) -> None:
    print(f"\ncrisis-screen scan vs the 20-line script, {results['n']} text resumes, "
          f"{results['cpus']} CPUs (load {results['load_before']:.1f} -> "
          f"{results['load_after']:.1f})")  # fmt: skip
    for c in results["compare"]:
        ok = "met" if c["ratio"] >= TARGET_RATIO else "MISSED"
        print(
            f"  --jobs {c['jobs']}: scan {c['scan_median_s']:.2f}s ({c['scan_rate_per_s']:,.0f}/s)"
            f"  script {c['script_median_s']:.2f}s ({c['script_rate_per_s']:,.0f}/s)"
            f"  ratio {c['ratio']:.2f}x (target >= {TARGET_RATIO}: {ok})"
            f"  files {c['scan_files']}/{c['script_files']}  exit {c['scan_exit_codes']}"
            f"  peak RSS {c['peak_rss_process_mib']:.0f} MiB/process,"
            f" {c['peak_rss_tree_mib']:.0f} MiB tree"
        )
        print(f"      scan runs {c['scan_wall_s']}  script runs {c['script_wall_s']}")
        print(f"      CPU time of the process trees: scan {c['scan_cpu_s']}  script "
              f"{c['script_cpu_s']}  (script/scan {c['cpu_ratio']:.2f})")  # fmt: skip
    one = results["one_file"]
    print(f"  scan one.txt: median {one['median_s']:.2f}s  (runs {one['all_s']})")
    for run in results.get("small", []):
        rss = f"{run['peak_rss_process_mib']:.0f} MiB/process"
        rss += f", {run['peak_rss_tree_mib']:.0f} MiB tree"
        print(f"  scan --jobs {run['jobs']} n={run['n']}: {run['wall_s']:.2f}s, peak RSS {rss}")
    for flag, t in results["startup"].items():
        ok = "met" if t["best_s"] < TARGET_STARTUP_S else "MISSED"
        print(f"  crisis-screen {flag:<9} best {t['best_s']:.3f}s  median {t['median_s']:.3f}s"
              f"  (target < {TARGET_STARTUP_S}s: {ok})")  # fmt: skip


if __name__ == "__main__":
    main()
