"""Benchmark of two versions of the library against each other: ``screen_many`` rate, paired.

A change's cost ("speed stays within 10%") is the ratio of two versions' rates measured in one
run. Two versions cannot share a process (same package name), so each runs in a long-lived
subprocess of its own with its checkout's ``src`` first on ``PYTHONPATH``; both build their
screener and screen the same generated resumes (``corpus.generate_corpus`` of this checkout)
once to warm up, then take turns over the corpus, ``--slice`` resumes at a time (A B A B ...
in one round, B A B A ... in the next), so that drift in the machine's speed falls on both
equally. Only one version runs at any moment. A process's own luck (string hashing is seeded
per process, and memory layout differs) moves its rate by up to about 10% for the same code,
so the pair of processes is started afresh ``--processes`` times and the median is taken over
every paired round of every pair.

It also reports whether the two versions give the same results on the corpus (each record's
JSON without its version strings, hashed): a speed change meant to change nothing must say yes.

Usage (from the repository root; make the old checkout with ``git worktree add``)::

    git worktree add --detach ../old-version COMMIT
    python benchmarks/bench_versions.py --old ../old-version [--new .] [--n 3000]
        [--rounds 4] [--processes 4] [--slice 250]

Prints each version's median rate (resumes per CPU second), every paired ratio new / old and
their median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The driver each subprocess runs: build, warm up, then one timed pass per "run" line. A pass
# is timed in CPU seconds of its process: on a shared virtual machine the wall clock also
# counts time the CPU was given to others, which moved single passes by 25%.
_DRIVER = r"""
import hashlib, sys, time
sys.path.insert(0, sys.argv[1])
from corpus import generate_corpus
from crisis_screen import Screener
texts = generate_corpus(int(sys.argv[2]), seed=int(sys.argv[3]))
screener = Screener()
digest = hashlib.sha256()
for result in screener.screen_many(texts):
    digest.update(result.model_dump_json(exclude={"versions"}).encode())
print("ready", digest.hexdigest(), flush=True)
for command in sys.stdin:
    start, stop = map(int, command.split())
    t0 = time.process_time()
    for _ in screener.screen_many(texts[start:stop]):
        pass
    print(time.process_time() - t0, flush=True)
"""


class _Version:
    """One version's subprocess."""

    def __init__(self, checkout: Path, n: int, seed: int) -> None:
        src = checkout / "src"
        if not (src / "crisis_screen").is_dir():
            raise SystemExit(f"{checkout}: no src/crisis_screen (not a checkout of this project)")
        env = dict(os.environ, PYTHONPATH=str(src))
        args = [sys.executable, "-c", _DRIVER, str(HERE), str(n), str(seed)]
        self.process = subprocess.Popen(
            args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.digest = self._line().split()[1]

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("a version's process ended early (see its error above)")
        return line

    def run(self, start: int, stop: int) -> float:
        """Time one pass over resumes ``[start, stop)``; CPU seconds."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{start} {stop}\n")
        self.process.stdin.flush()
        return float(self._line())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="checkout of the old version")
    parser.add_argument("--new", type=Path, default=HERE.parent, help="checkout of the new one")
    parser.add_argument("--n", type=int, default=3000, help="generated resumes per pass")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=4, help="paired passes per process pair")
    parser.add_argument("--processes", type=int, default=4, help="process pairs started")
    parser.add_argument("--slice", type=int, default=250, help="resumes per turn")
    args = parser.parse_args()
    t0 = time.perf_counter()
    rates: dict[str, list[float]] = {"old": [], "new": []}
    ratios: list[float] = []
    digests: set[tuple[str, str]] = set()
    for _ in range(args.processes):
        old = _Version(args.old.resolve(), args.n, args.seed)
        try:
            new = _Version(args.new.resolve(), args.n, args.seed)
        except BaseException:
            old.close()
            raise
        digests.add((old.digest, new.digest))
        try:
            for k in range(args.rounds):
                # The versions take turns every --slice resumes (a tenth of a second or so),
                # so both see the same moments of the machine; the order flips each round.
                spent = {"old": 0.0, "new": 0.0}
                for start in range(0, args.n, args.slice):
                    stop = min(start + args.slice, args.n)
                    turns = [("old", old), ("new", new)]
                    for name, version in turns if k % 2 == 0 else reversed(turns):
                        spent[name] += version.run(start, stop)
                for name, seconds in spent.items():
                    rates[name].append(args.n / seconds)
                ratios.append(spent["old"] / spent["new"])
        finally:
            old.close()
            new.close()
    print(
        f"resumes per pass {args.n} (seed {args.seed}), {args.processes} process pairs x "
        f"{args.rounds} paired rounds"
    )
    for name in ("old", "new"):
        print(f"{name}: {statistics.median(rates[name]):8,.0f} resumes per CPU second (median)")
    print("ratios new / old: " + ", ".join(f"{r:.3f}" for r in ratios))
    print(f"median ratio new / old: {statistics.median(ratios):.3f}")
    same = all(a == b for a, b in digests)
    print(f"same results on the corpus: {'yes' if same else 'no'}")
    print(f"took {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
