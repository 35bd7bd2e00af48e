"""Throughput of screening on a Dask cluster against the local process pool, same files.

Writes synthetic text resumes (``corpus.generate_corpus``) to a temporary folder, then runs
``--rounds`` rounds, each on corpora no screener has seen (re-screening the same texts is
several times faster, tokeniser and matcher caches, and would flatter whichever path ran
second):

- local: ``batch.scan_lines(files, n_process=WORKERS)`` consumed to the end, what
  ``crisis-screen scan --jobs WORKERS`` runs (worker spawn and screener builds included);
- dask, cold: ``distributed.scan_lines(files, client)`` on a fresh ``LocalCluster`` of
  ``--workers`` single-threaded processes, plugin registration and screener builds included
  (the cluster's own start-up is reported separately);
- dask, warm: the same call on another unseen corpus, on the same cluster (screeners already
  built, as on a long-lived cluster);
- dask, write_jsonl: ``distributed.write_jsonl`` on a third unseen corpus, warm (records
  written by the workers, nothing returned to the client).

Medians over the rounds; resumes/s for each and the ratio of times to local. Target: the cold
dask run within 1.5x of the local time (ratio <= 1.5) at this size. The paths alternate within
each round, so background load on a shared machine hits both alike.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/bench_distributed.py                 # n=4000, 3 rounds
    PYTHONPATH=src python benchmarks/bench_distributed.py --n 6000 --rounds 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import iter_corpus  # noqa: E402

TARGET_RATIO = 1.5


def write_corpus(folder: Path, n: int, seed: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(iter_corpus(n, seed)):
        path = folder / f"cv_{i:05d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths


def _timed(run: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = run(*args, **kwargs)
    return time.perf_counter() - t0, result


def _count(lines: Iterable[object]) -> int:
    return sum(1 for _ in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000, help="resumes per corpus (default 4000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="processes, both paths (2)")
    parser.add_argument("--chunk-size", type=int, default=None, help="files per dask task")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, medians reported (3)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    try:
        from distributed import Client, LocalCluster

        from crisis_screen import batch
        from crisis_screen import distributed as dist
    except ImportError as exc:
        sys.exit(f"needs crisis_screen with the dask extra (pip install -e '.[dask]'): {exc}")

    chunk = args.chunk_size or dist.DEFAULT_CHUNK_SIZE
    figures: dict[str, Any] = {
        "n": args.n,
        "workers": args.workers,
        "chunk_size": chunk,
        "rounds": args.rounds,
        "cpu_count": os.cpu_count(),
        "usable_cores": batch.default_jobs(),
        "load_average_before": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    times: dict[str, list[float]] = {
        "local": [],
        "startup": [],
        "cold": [],
        "warm": [],
        "write": [],
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-dist-"))
    try:
        for r in range(args.rounds):
            seed = args.seed + 3 * r
            files, unseen, last = (
                write_corpus(tmp / f"r{r}-{k}", args.n, seed + k) for k in range(3)
            )

            seconds, count = _timed(_count, batch.scan_lines(files, n_process=args.workers))
            assert count == len(files)
            times["local"].append(seconds)

            t0 = time.perf_counter()
            cluster = LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            )
            client = Client(cluster, set_as_default=False)
            times["startup"].append(time.perf_counter() - t0)
            try:
                for name, paths in (("cold", files), ("warm", unseen)):
                    lines = dist.scan_lines(paths, client, chunk_size=chunk)
                    seconds, count = _timed(_count, lines)
                    assert count == len(paths)
                    times[name].append(seconds)
                out = tmp / f"out{r}"
                seconds, _ = _timed(dist.write_jsonl, last, str(out), client, chunk_size=chunk)
                written = sum(len(p.read_text().splitlines()) for p in out.glob("part-*.jsonl"))
                assert written == len(last)
                times["write"].append(seconds)
            finally:
                client.close()
                cluster.close()
            print(
                f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()),
                flush=True,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    median = {k: statistics.median(v) for k, v in times.items()}
    figures.update(seconds=times, median_s=median)
    local_s = median["local"]
    rows = [
        ("local process pool", "local"),
        ("dask, cold (screener builds)", "cold"),
        ("dask, warm cluster", "warm"),
        ("dask, write_jsonl (warm)", "write"),
    ]
    print(
        f"\n{args.n} resumes per corpus, {args.workers} processes, chunk {chunk}, "
        f"{figures['usable_cores']} usable cores, Python {figures['python']}, "
        f"median of {args.rounds} rounds"
    )
    print(f"LocalCluster start-up: {median['startup']:.2f}s (not in the figures below)")
    print(f"{'path':30} {'seconds':>8} {'resumes/s':>10} {'vs local':>9}")
    for label, key in rows:
        seconds = median[key]
        figures[f"{key}_rate"] = args.n / seconds
        print(f"{label:30} {seconds:8.2f} {args.n / seconds:10,.0f} {seconds / local_s:8.2f}x")
    ratio = median["cold"] / local_s
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    figures.update(cold_ratio=ratio, target=verdict)
    print(f"target: cold dask time <= {TARGET_RATIO}x local: {ratio:.2f}x {verdict}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
