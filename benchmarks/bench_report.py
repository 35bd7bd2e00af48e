"""Benchmark of the HTML report at scale: file size, and first-screen time in headless Chromium.

Builds a report of ``--n`` (6,000) synthetic resumes (``corpus.iter_corpus``, screened in this
process as in-memory sources, ranked, rendered with ``report.render_html``), writes it and a
trivial page (a heading, a paragraph and a ten-row table) to a temporary folder, then loads
them alternately in one headless Chromium, A B A B, ``--rounds`` times each, and reports
medians and their ratio.

What is timed for each load, from the navigation's start, in the page's own clock:

- ``first screen``: the figure the target is checked on. For the report, the later of its
  largest contentful paint and the frame after its script drew the first rows (the
  ``crisis-screen:first-frame`` performance mark); for the trivial page, its largest
  contentful paint (everything on it is painted at once);
- ``lcp``: the render time of the largest contentful paint alone;
- ``DOMContentLoaded`` and ``load``: when the whole page is parsed (every row's data, after
  the first screen, read) and its load event ended: the page is interactive from the first
  (sorting and search need every row), and the second is what ``driver.get`` waits for;
- the wall clock of ``driver.get``, as seen from outside, with the WebDriver round trip.

Targets: the report under 8 MB, and its first screen within 3x the trivial page (ratio of
medians). Printed as PASS / FAIL; the script exits 0 when it ran.

Usage (from the repository root; needs chromium, chromedriver and selenium)::

    PYTHONPATH=src python benchmarks/bench_report.py                 # 6,000 resumes, 5 rounds
    PYTHONPATH=src python benchmarks/bench_report.py --n 2000 --rounds 9 --json out.json
    PYTHONPATH=src python benchmarks/bench_report.py --keep report.html   # keep the report
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent / "src"))

from corpus import iter_corpus  # noqa: E402

TARGET_MB = 8.0
TARGET_RATIO = 3.0

TRIVIAL = (
    "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>trivial</title></head>"
    "<body><h1>A trivial page</h1><p>One heading, one paragraph and a small table.</p>"
    "<table>"
    + "".join(f"<tr><td>{i}</td><td>row {i}</td><td>{i * 7 % 100}</td></tr>" for i in range(10))
    + "</table></body></html>\n"
)

#: Runs in the page after the load: the navigation's timings and the largest paint so far.
TIMINGS_JS = """
var done = arguments[arguments.length - 1];
var nav = performance.getEntriesByType("navigation")[0];
var lcp = 0;
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) { lcp = Math.max(lcp, e.renderTime || e.startTime); });
  }).observe({ type: "largest-contentful-paint", buffered: true });
} catch (e) {}
requestAnimationFrame(function () { requestAnimationFrame(function () {
  setTimeout(function () {
    var frame = performance.getEntriesByName("crisis-screen:first-frame")[0];
    done({ load: nav.loadEventEnd, dom: nav.domContentLoadedEventEnd, lcp: lcp,
           frame: frame ? frame.startTime : 0,
           rows: document.querySelectorAll("#ranking tr.resume-row").length });
  }, 50);
}); });
"""


def build_report(n: int, seed: int) -> tuple[str, dict[str, Any]]:
    """Screen ``n`` generated resumes and render the HTML report; return it with figures."""
    from crisis_screen import report
    from crisis_screen.runs.screen import screen_source
    from crisis_screen.runs.sources import MemorySource
    from crisis_screen.screener import Screener

    t0 = time.perf_counter()
    screener = Screener.default()
    t1 = time.perf_counter()
    records = [
        screen_source(screener, MemorySource(name=f"resumes/cv_{i:05d}.txt", data=text.encode()))
        for i, text in enumerate(iter_corpus(n, seed))
    ]
    t2 = time.perf_counter()
    ranked = report.rank_records(records)
    page = report.render_html(ranked, meta={"benchmark": f"{n} resumes, seed {seed}"})
    t3 = time.perf_counter()
    figures = {
        "resumes": n,
        "with_evidence": sum(1 for r in records if r.evidence),
        "flagged": sum(1 for r in records if r.flagged),
        "build_screener_s": round(t1 - t0, 2),
        "screen_s": round(t2 - t1, 2),
        "render_s": round(t3 - t2, 2),
        "size_mb": round(len(page.encode("utf-8")) / 1e6, 3),
    }
    return page, figures


def _driver(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
        None,
    )
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        raise SystemExit(
            "needs chromium and chromedriver on PATH (apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_script_timeout(60)
    driver.set_page_load_timeout(120)
    return driver


def load_once(driver: Any, url: str) -> dict[str, float]:
    """Load ``url`` from a blank page; return its timings in milliseconds."""
    driver.get("about:blank")
    start = time.perf_counter()
    driver.get(url)
    wall = (time.perf_counter() - start) * 1000.0
    timings = driver.execute_async_script(TIMINGS_JS)
    first = max(float(timings["lcp"]), float(timings["frame"]))
    return {
        "wall": round(wall, 1),
        "dom": round(float(timings["dom"]), 1),
        "load": round(float(timings["load"]), 1),
        "lcp": round(float(timings["lcp"]), 1),
        "first_screen": round(first, 1),
        "rows_drawn": int(timings["rows"]),
    }


def measure(report_url: str, trivial_url: str, rounds: int, profile: Path) -> dict[str, Any]:
    """A B A B loads (A the trivial page, B the report), after one warm-up load of each."""
    driver = _driver(profile)
    try:
        load_once(driver, trivial_url)
        load_once(driver, report_url)
        runs: dict[str, list[dict[str, float]]] = {"trivial": [], "report": []}
        for _ in range(rounds):
            runs["trivial"].append(load_once(driver, trivial_url))
            runs["report"].append(load_once(driver, report_url))
    finally:
        driver.quit()
    out: dict[str, Any] = {"runs": runs}
    for key in ("wall", "dom", "load", "lcp", "first_screen"):
        a = statistics.median(r[key] for r in runs["trivial"])
        b = statistics.median(r[key] for r in runs["report"])
        out[key] = {"trivial_ms": a, "report_ms": b, "ratio": round(b / a, 2) if a else None}
    out["rows_drawn"] = runs["report"][-1]["rows_drawn"]
    return out


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=6000, help="resumes in the report (6000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=5, help="A B pairs of loads (5)")
    ap.add_argument("--json", type=Path, help="write every figure here")
    ap.add_argument("--keep", type=Path, help="also save the report here")
    args = ap.parse_args(argv)

    page, figures = build_report(args.n, args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        folder = Path(tmp)
        report_path = folder / "report.html"
        trivial_path = folder / "trivial.html"
        report_path.write_text(page, encoding="utf-8")
        trivial_path.write_text(TRIVIAL, encoding="utf-8")
        if args.keep:
            shutil.copyfile(report_path, args.keep)
        timing = measure(
            report_path.as_uri(), trivial_path.as_uri(), args.rounds, folder / "profile"
        )
    size_ok = figures["size_mb"] < TARGET_MB
    ratio = timing["first_screen"]["ratio"]
    ratio_ok = ratio is not None and ratio <= TARGET_RATIO
    print(
        f"report of {figures['resumes']:,} resumes ({figures['with_evidence']:,} with evidence, "
        f"{figures['flagged']:,} flagged); screened in {figures['screen_s']} s, rendered in "
        f"{figures['render_s']} s"
    )
    print(
        f"size           {figures['size_mb']:.2f} MB   target < {TARGET_MB:g} MB   "
        f"{_verdict(size_ok)}"
    )
    print(f"rows drawn at load: {timing['rows_drawn']}")
    print(f"medians of {args.rounds} A B rounds (ms)   trivial    report    ratio")
    for key, label in (
        ("first_screen", "first screen"),
        ("lcp", "largest paint"),
        ("dom", "DOMContentLoaded"),
        ("load", "load event"),
        ("wall", "driver.get wall"),
    ):
        t = timing[key]
        print(f"  {label:<22} {t['trivial_ms']:>9.1f} {t['report_ms']:>9.1f} {t['ratio']:>8}")
    print(f"first screen ratio {ratio}   target <= {TARGET_RATIO:g}x   {_verdict(ratio_ok)}")
    if args.json:
        result = {
            "report": figures,
            "timing": timing,
            "targets": {
                "size_mb": {"value": figures["size_mb"], "limit": TARGET_MB, "pass": size_ok},
                "first_screen_ratio": {"value": ratio, "limit": TARGET_RATIO, "pass": ratio_ok},
            },
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
