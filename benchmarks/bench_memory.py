"""Memory over a long stream: RSS of ``Screener.screen_many`` from the 10,000th resume on.

Every resume carries words never seen before (a unique token on a skill line, the shape of
real names, places and employers), so anything interned per word would grow without bound.
Prints RSS at checkpoints and the growth between the 10,000th and the last resume.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/bench_memory.py                  # 60,000 resumes
    PYTHONPATH=src python benchmarks/bench_memory.py --n 120000 --every 10000 --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import generate_corpus  # noqa: E402

TARGET_GROWTH_MB = 15.0
START = 10_000


def rss_mb() -> float:
    """Resident set size of this process now (Linux /proc; ru_maxrss elsewhere)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream(n: int, base: list[str]) -> Iterator[str]:
    """``n`` resumes cycling over ``base``, each with two words no earlier resume had."""
    for i in range(n):
        yield (
            f"{base[i % len(base)]}\nCompleted CIT training with the Unit{i}x team at "
            f"Harbor{i * 7919 % 1_000_003}ville\n"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=60_000, help="resumes streamed")
    parser.add_argument("--every", type=int, default=10_000, help="checkpoint interval")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    from crisis_screen import Screener

    screener = Screener.default()
    base = generate_corpus(500, seed=3)
    points: list[dict[str, float]] = []
    start = time.perf_counter()
    for i, _ in enumerate(screener.screen_many(stream(args.n, base)), start=1):
        if i % args.every == 0 or i == args.n:
            points.append({"resumes": i, "rss_mb": round(rss_mb(), 1),
                           "strings": len(screener.nlp.vocab.strings),
                           "elapsed_s": round(time.perf_counter() - start, 1)})  # fmt: skip
            print(json.dumps(points[-1]), file=sys.stderr)
    at_start = next((p["rss_mb"] for p in points if p["resumes"] >= START), points[0]["rss_mb"])
    growth = points[-1]["rss_mb"] - at_start
    ok = growth < TARGET_GROWTH_MB
    print(f"\nscreen_many, {args.n:,} resumes with new words each")
    for p in points:
        print(f"  {p['resumes']:>8,}  RSS {p['rss_mb']:7.1f} MB  strings {p['strings']:>8,}")
    print(f"  growth from resume {START:,} to {args.n:,}: {growth:+.1f} MB"
          f"  (target < {TARGET_GROWTH_MB:.0f} MB: {'met' if ok else 'MISSED'})")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"points": points, "growth_mb": growth}, indent=2) + "\n")


if __name__ == "__main__":
    main()
