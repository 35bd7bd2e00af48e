"""Throughput benchmark: ``Screener.screen_many`` against a plain ``re`` scan, one process.

Usage::

    python benchmarks/bench_screen.py [--n 3000] [--repeat 3] [--seed 0] [--json OUT]
    python benchmarks/bench_screen.py --baseline-only        # re scan only (no crisis_screen)
    python benchmarks/bench_screen.py --profile              # + cProfile of one screen_many pass
    python benchmarks/bench_screen.py --memory-probe N       # internal: one memory run, JSON out

Everything runs in this one process on one core, except the memory probes, which run in a fresh
subprocess per size so that ``ru_maxrss`` (peak RSS) belongs to that run alone. No thread or
process settings are changed. See benchmarks/README.md for the targets.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from corpus import (  # noqa: E402
    SKILL_ACRONYMS,
    SKILL_PHRASES,
    Sample,
    baseline_patterns,
    iter_corpus,
    iter_samples,
)

TARGET_RATE = 3000.0  # resumes/s, screen_many on one core (best warm pass)
TARGET_RE_RATIO = 1.2  # screen_many / re scan, paired rounds (the recall issue's bound)
TARGET_AC_RATIO = 0.35  # screen_many / raw Aho-Corasick scan of the surface forms
TARGET_MEM_GROWTH = 0.20  # peak RSS growth from N to 4N resumes
WARMUP_DOCS = 200  # resumes screened before the memory baseline is taken


# ---------------------------------------------------------------------------------------------
# helpers


def _max_rss_mb() -> float:
    """Peak RSS of this process in MB.

    On Linux this is ``VmHWM`` from ``/proc/self/status``: ``ru_maxrss`` survives ``exec`` and
    so reports the (larger) parent's peak in a freshly spawned probe. Elsewhere ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _current_rss_mb() -> float | None:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except OSError:
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def _import_screener() -> tuple[Any, float, str]:
    """Import ``crisis_screen.Screener``, falling back to the repo's ``src`` directory.

    Returns:
        ``(Screener, import_seconds, module_file)``.
    """
    t0 = time.perf_counter()
    try:
        import crisis_screen  # noqa: F401
    except ModuleNotFoundError:
        src = REPO / "src"
        if (src / "crisis_screen").is_dir() and str(src) not in sys.path:
            sys.path.insert(0, str(src))
    try:
        import crisis_screen
        from crisis_screen import Screener
    except ImportError as exc:
        raise SystemExit(
            "bench_screen: cannot import `from crisis_screen import Screener` "
            f"({type(exc).__name__}: {exc}).\n"
            "  Install the package (pip install -e .) or run from the repo with "
            "PYTHONPATH=src, or pass --baseline-only to run the re baseline alone."
        ) from exc
    return Screener, time.perf_counter() - t0, str(getattr(crisis_screen, "__file__", "?"))


def _timed(fn: Callable[[], list[bool]]) -> tuple[float, list[bool]]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _rates(n: int, seconds: Sequence[float]) -> dict[str, Any]:
    return {
        "cold_first_pass_per_s": n / seconds[0],
        "best_per_s": n / min(seconds),
        "median_per_s": n / sorted(seconds)[len(seconds) // 2],
        "pass_seconds": list(seconds),
    }


def _prf(pred: Sequence[bool], truth: Sequence[bool]) -> dict[str, float]:
    tp = sum(p and t for p, t in zip(pred, truth, strict=True))
    fp = sum(p and not t for p, t in zip(pred, truth, strict=True))
    fn = sum(t and not p for p, t in zip(pred, truth, strict=True))
    return {
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _breakdown(pred: Sequence[bool], samples: Sequence[Sample]) -> dict[str, dict[str, float]]:
    """Flag rate per kind, over resumes whose insertions are all of that one kind.

    ``pos:<form>``: positives whose skill mentions are all of that form (recall on the form).
    ``neg:<kind>``: negatives whose hard negatives are all of that kind (false-flag rate);
    ``neg:clean``: negatives with no hard negative.
    """
    hit: Counter[str] = Counter()
    tot: Counter[str] = Counter()
    for p, s in zip(pred, samples, strict=True):
        kinds = set(s.forms) if s.positive else set(s.negatives)
        if len(kinds) > 1:
            continue
        k = ("pos:" if s.positive else "neg:") + (kinds.pop() if kinds else "clean")
        tot[k] += 1
        hit[k] += p
    return {k: {"flagged": hit[k], "of": tot[k], "rate": hit[k] / tot[k]} for k in sorted(tot)}


def _fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ---------------------------------------------------------------------------------------------
# memory probe (runs in a subprocess)


def memory_probe(n: int, seed: int) -> dict[str, Any]:
    """Stream ``screen_many`` over ``n`` lazily generated resumes; report RSS figures."""
    rss_start = _max_rss_mb()
    screener_cls, import_s, module_file = _import_screener()
    t0 = time.perf_counter()
    screener = screener_cls.default()
    construct_s = time.perf_counter() - t0
    rss_built = _max_rss_mb()
    for _ in screener.screen_many(iter_corpus(WARMUP_DOCS, seed + 99_991)):
        pass
    rss_warm = _max_rss_mb()
    count = flagged = 0
    t0 = time.perf_counter()
    for result in screener.screen_many(iter_corpus(n, seed)):  # consume and drop
        count += 1
        flagged += bool(result.flagged)
    elapsed = time.perf_counter() - t0
    return {
        "n": n,
        "screened": count,
        "flagged": flagged,
        "import_s": import_s,
        "construct_s": construct_s,
        "rss_start_mb": rss_start,
        "rss_after_construct_mb": rss_built,
        "rss_after_warmup_mb": rss_warm,
        "peak_rss_mb": _max_rss_mb(),
        "current_rss_end_mb": _current_rss_mb(),
        "stream_seconds_incl_generation": elapsed,
        "module": module_file,
    }


def _run_probe(n: int, seed: int, module_file: str) -> dict[str, Any]:
    env = dict(os.environ)
    pkg_parent = str(Path(module_file).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_parent, env.get("PYTHONPATH")) if p)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--memory-probe",
        str(n),
        "--seed",
        str(seed),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"memory probe n={n} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------------------------------------
# main benchmark


def _re_pass(texts: Sequence[str]) -> list[bool]:
    phrases, acronyms = _PATTERNS
    out: list[bool] = []
    append = out.append
    for text in texts:
        append(phrases.search(text.lower()) is not None or acronyms.search(text) is not None)
    return out


_PATTERNS = baseline_patterns()


def _ac_pass(forms: Sequence[str]) -> Callable[[Sequence[str]], list[bool]]:
    import ahocorasick_rs

    automaton = ahocorasick_rs.AhoCorasick(forms, implementation=ahocorasick_rs.Implementation.DFA)

    def run(texts: Sequence[str]) -> list[bool]:
        return [bool(automaton.find_matches_as_indexes(t.lower())) for t in texts]

    return run


def _screen_pass(screener: Any, texts: Iterable[str]) -> Callable[[], list[bool]]:
    def run() -> list[bool]:
        results = list(screener.screen_many(texts))
        return [bool(r.flagged) for r in results]

    return run


def _print_header(args: argparse.Namespace) -> dict[str, Any]:
    info = {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or "?",
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "pid": os.getpid(),
        "thread_env": {
            k: os.environ[k]
            for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
            if k in os.environ
        },
    }
    print("crisis_screen throughput benchmark")
    print(f"  python {info['python']} ({info['implementation']}) on {info['platform']}")
    print(
        f"  os.cpu_count()={info['cpu_count']}  usable cores={info['affinity']}  "
        f"machine={info['machine']}"
    )
    print(
        "  single process, single core: the timed passes run in this process only; "
        "no thread settings changed"
        + (f" (env: {info['thread_env']})" if info["thread_env"] else "")
    )
    print(f"  corpus: n={args.n} seed={args.seed} repeat={args.repeat}")
    return info


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=3000, help="resumes in the timed corpus")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per approach")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="OUT", help="write all figures as JSON to OUT")
    ap.add_argument(
        "--mem-n",
        type=int,
        default=None,
        help="memory probe sizes are MEM_N and 4*MEM_N (default: --n)",
    )
    ap.add_argument("--no-memory", action="store_true", help="skip the memory probes")
    ap.add_argument("--baseline-only", action="store_true", help="run the re baseline alone")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="cProfile one screen_many pass on unseen texts, print the top entries",
    )
    ap.add_argument("--memory-probe", type=int, metavar="N", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.memory_probe is not None:
        print(json.dumps(memory_probe(args.memory_probe, args.seed)))
        return 0
    if args.n < 1 or args.repeat < 1:
        ap.error("--n and --repeat must be >= 1")

    report: dict[str, Any] = {"system": _print_header(args)}

    # Import first (fails early with a clear message), then build the corpus.
    screener_cls: Any = None
    if not args.baseline_only:
        screener_cls, import_s, module_file = _import_screener()

    t0 = time.perf_counter()
    samples = list(iter_samples(args.n, args.seed))
    gen_s = time.perf_counter() - t0
    texts = [s.text for s in samples]
    truth = [s.positive for s in samples]
    words = [len(t.split()) for t in texts]
    report["corpus"] = {
        "n": args.n,
        "seed": args.seed,
        "generate_seconds": gen_s,
        "mb": sum(len(t.encode()) for t in texts) / 1e6,
        "mean_words": sum(words) / len(words),
        "mean_lines": sum(len(t.splitlines()) for t in texts) / len(texts),
        "positives": sum(truth),
        "with_hard_negatives": sum(bool(s.negatives) for s in samples),
    }
    c = report["corpus"]
    print(
        f"  generated {c['n']} resumes ({c['mb']:.1f} MB, {c['mean_words']:.0f} words and "
        f"{c['mean_lines']:.0f} lines on average, {c['positives']} with the skill, "
        f"{c['with_hard_negatives']} with hard negatives) in {gen_s:.1f} s"
    )

    # --- re baseline ---------------------------------------------------------------------
    re.purge()
    t0 = time.perf_counter()
    baseline_patterns()
    compile_s = time.perf_counter() - t0
    re_secs: list[float] = []
    re_flags: list[bool] = []
    for _ in range(args.repeat):
        dt, re_flags = _timed(lambda: _re_pass(texts))
        re_secs.append(dt)
    report["re"] = {
        "description": (
            f"{len(SKILL_PHRASES)} phrases in ONE alternation (escaped, longest "
            "first, \\b-bounded) on the text lower-cased once, plus "
            f"{len(SKILL_ACRONYMS)} acronyms case-sensitively in a SECOND "
            "alternation on the original text; search() = stop at first match"
        ),
        "compile_seconds": compile_s,
        **_rates(args.n, re_secs),
        "accuracy": _prf(re_flags, truth),
        "breakdown": _breakdown(re_flags, samples),
    }

    # --- crisis_screen -------------------------------------------------------------------
    if screener_cls is not None:
        t0 = time.perf_counter()
        screener = screener_cls.default()
        construct_s = time.perf_counter() - t0
        sc_secs: list[float] = []
        sc_flags: list[bool] = []
        first_flags: list[bool] = []
        # The raw Aho-Corasick limit: one DFA of every surface form of the lexicon's terms over
        # each text lower-cased once (what any exact matcher must at least do). Passes of re,
        # Aho-Corasick and screen_many alternate (A B C A B C), so each round's ratios come
        # from the same moment of a noisy machine; the targets read the median ratio.
        forms = sorted({e.variant.lower() for e in screener.lexicon.term_entries()})
        ac_pass = _ac_pass(forms)
        ac_secs: list[float] = []
        paired_re: list[float] = []
        for i in range(args.repeat):
            re_dt, _ = _timed(lambda: _re_pass(texts))
            ac_dt, _ = _timed(lambda: ac_pass(texts))
            dt, sc_flags = _timed(_screen_pass(screener, texts))
            sc_secs.append(dt)
            ac_secs.append(ac_dt)
            paired_re.append(re_dt)
            if i == 0:
                first_flags = sc_flags
        report["aho_corasick"] = {"forms": len(forms), **_rates(args.n, ac_secs)}
        ratios_ac = sorted(a / s for a, s in zip(ac_secs, sc_secs, strict=True))
        ratios_re = sorted(r / s for r, s in zip(paired_re, sc_secs, strict=True))
        unseen = list(iter_corpus(args.n, args.seed + 1))
        unseen_s, _ = _timed(_screen_pass(screener, unseen))
        report["screen_many"] = {
            "module": module_file,
            "import_seconds": import_s,
            "construct_seconds": construct_s,
            **_rates(args.n, sc_secs),
            "unseen_texts_per_s": args.n / unseen_s,
            "ratio_to_re_best": (args.n / min(sc_secs)) / (args.n / min(re_secs)),
            "ratio_to_re_paired_median": ratios_re[len(ratios_re) // 2],
            "ratio_to_aho_corasick_paired_median": ratios_ac[len(ratios_ac) // 2],
            "ratio_to_re_cold": (args.n / sc_secs[0]) / (args.n / re_secs[0]),
            "deterministic_across_passes": first_flags == sc_flags,
            "accuracy": _prf(first_flags, truth),
            "breakdown": _breakdown(first_flags, samples),
        }
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            for _ in screener.screen_many(unseen):
                pass
            prof.disable()
            print("\ncProfile of one screen_many pass over unseen texts:")
            stats = pstats.Stats(prof)
            stats.sort_stats("tottime").print_stats(20)
            stats.sort_stats("cumulative").print_stats(25)
        del unseen

        if not args.no_memory:
            mem_n = args.mem_n or args.n
            probes = [_run_probe(k, args.seed, module_file) for k in (mem_n, 4 * mem_n)]
            small, big = probes
            report["memory"] = {
                "probes": probes,
                "peak_growth": big["peak_rss_mb"] / small["peak_rss_mb"] - 1.0,
                "above_warmup_mb": [p["peak_rss_mb"] - p["rss_after_warmup_mb"] for p in probes],
            }

    _print_table(report)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


def _print_table(report: dict[str, Any]) -> None:
    n = report["corpus"]["n"]
    rx = report["re"]
    sc = report.get("screen_many")
    print(f"\nre baseline: {rx['description']}")
    print(f"  compile {rx['compile_seconds'] * 1000:.1f} ms")
    if sc:
        print(f"\ncrisis_screen: {sc['module']}")
        print(
            f"  import {sc['import_seconds']:.2f} s, Screener.default() "
            f"{sc['construct_seconds']:.2f} s (cold start, in this process)"
        )

    rows: list[tuple[str, str, str, str, str, str, str]] = []
    header = ("approach", "best/s", "cold 1st/s", "median/s", "recall", "precision", "fp")
    for name, d in (("re scan", rx), ("screen_many", sc)):
        if d is None:
            continue
        a = d["accuracy"]
        rows.append(
            (
                name,
                _fmt_rate(d["best_per_s"]),
                _fmt_rate(d["cold_first_pass_per_s"]),
                _fmt_rate(d["median_per_s"]),
                f"{a['recall']:.3f}",
                f"{a['precision']:.3f}",
                str(a["fp"]),
            )
        )
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    print(
        f"\nThroughput on {n} resumes (resumes/s, one process, best of "
        f"{len(rx['pass_seconds'])} passes on the same texts; 'cold 1st' = first pass)"
    )
    for r in (header, *rows):
        print(
            "  "
            + "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    if sc:
        print(
            f"  screen_many on {n} unseen texts (warm screener, new seed): "
            f"{_fmt_rate(sc['unseen_texts_per_s'])}/s"
        )
        print(
            f"  ratio screen_many / re: best {sc['ratio_to_re_best']:.2f}x, "
            f"cold {sc['ratio_to_re_cold']:.2f}x"
        )
        if not sc["deterministic_across_passes"]:
            print("  WARNING: screen_many flags differ between passes on the same texts")

    keys = sorted(set(rx["breakdown"]) | set(sc["breakdown"] if sc else ()))
    print(
        "\nFlag rate by inserted kind, over resumes whose insertions are all of one kind\n"
        "  (pos:* = recall on that form; neg:* = false-flag rate on that hard negative)"
    )
    print(f"  {'group':<34}{'of':>6}{'re':>8}" + (f"{'screen':>8}" if sc else ""))
    for k in keys:
        r = rx["breakdown"][k]
        line = f"  {k:<34}{r['of']:>6}{r['rate']:>8.2f}"
        if sc:
            line += f"{sc['breakdown'][k]['rate']:>8.2f}"
        print(line)

    mem = report.get("memory")
    if mem:
        print(
            "\nMemory while streaming screen_many over lazily generated resumes "
            "(fresh subprocess per size, results consumed and dropped)"
        )
        print(
            f"  {'N':>7}{'import s':>10}{'build s':>9}{'after build':>13}"
            f"{'after warmup':>14}{'peak RSS':>10}{'peak-warm':>11}"
        )
        for p in mem["probes"]:
            print(
                f"  {p['n']:>7}{p['import_s']:>10.2f}{p['construct_s']:>9.2f}"
                f"{p['rss_after_construct_mb']:>10.1f} MB{p['rss_after_warmup_mb']:>11.1f} MB"
                f"{p['peak_rss_mb']:>7.1f} MB{p['peak_rss_mb'] - p['rss_after_warmup_mb']:>8.1f}"
                " MB"
            )
        print(f"  peak RSS growth N -> 4N: {mem['peak_growth'] * 100:+.1f}%")

    if sc:
        targets = [
            (
                f"screen_many >= {TARGET_RATE:,.0f} resumes/s on one core (best pass)",
                sc["best_per_s"] >= TARGET_RATE,
                _fmt_rate(sc["best_per_s"]),
            ),
            (
                "screen_many >= re scan (best passes)",
                sc["best_per_s"] >= rx["best_per_s"],
                f"{sc['ratio_to_re_best']:.2f}x",
            ),
            (
                f"screen_many >= {TARGET_RE_RATIO}x the re scan (median of paired rounds)",
                sc["ratio_to_re_paired_median"] >= TARGET_RE_RATIO,
                f"{sc['ratio_to_re_paired_median']:.2f}x",
            ),
            (
                f"screen_many >= {TARGET_AC_RATIO}x the raw Aho-Corasick scan of the "
                f"{report['aho_corasick']['forms']:,} surface forms (median of paired rounds)",
                sc["ratio_to_aho_corasick_paired_median"] >= TARGET_AC_RATIO,
                f"{sc['ratio_to_aho_corasick_paired_median']:.2f}x; Aho-Corasick "
                f"{_fmt_rate(report['aho_corasick']['best_per_s'])} best",
            ),
        ]
        if mem:
            targets.append(
                (
                    f"peak RSS growth N -> 4N < {TARGET_MEM_GROWTH:.0%}",
                    mem["peak_growth"] < TARGET_MEM_GROWTH,
                    f"{mem['peak_growth'] * 100:+.1f}%",
                )
            )
        print("\nTargets")
        for label, ok, value in targets:
            print(f"  {_verdict(ok)}  {label}  ({value})")
        report["targets"] = [{"target": t, "pass": ok, "value": v} for t, ok, v in targets]


if __name__ == "__main__":
    raise SystemExit(main())
