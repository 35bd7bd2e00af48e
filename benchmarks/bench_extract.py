"""Benchmark document reading: documents per second for generated PDF and DOCX resumes.

Usage::

    python benchmarks/bench_extract.py [--n 200]

Generates N PDF and N DOCX resumes (deterministic) in a temporary directory, reads each
with ``read_document`` and prints a table. When ``crisis_screen.Screener`` is available,
it also times read + screen.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from crisis_screen.extract import read_document

BULLETS = [
    "Completed 40-hour Crisis Intervention Team (CIT) training and served as a CIT responder.",
    "Responded to over 300 mental health calls using de-escalation and time-and-distance tactics.",
    "Placed individuals on 72-hour psychiatric holds (5150) when they met criteria.",
    "Partnered with the county mobile crisis team on follow-up visits for repeat callers.",
    "Wrote incident reports, reviewed body-worn camera footage and testified in court.",
    "Conducted traffic enforcement and collision investigations on the north district.",
    "Trained recruits as a field training officer, including scenario-based practice.",
    "Managed a team of 12 associates and resolved customer escalations at the service desk.",
]


def resume_lines(index: int) -> list[str]:
    rng = random.Random(index)
    lines = [f"Candidate {index:04d}", f"candidate{index}@example.com | 555-01{index % 100:02d}"]
    for heading in ("SUMMARY", "EXPERIENCE", "SKILLS", "CERTIFICATIONS", "EDUCATION"):
        lines.append(heading)
        count = 6 if heading == "EXPERIENCE" else 2
        lines.extend("- " + rng.choice(BULLETS) for _ in range(count))
    return lines


def make_pdf(lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in lines:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_docx(lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        if line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        else:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def timed(paths: list[Path], work: Callable[[Path], object]) -> float:
    start = time.perf_counter()
    for path in paths:
        work(path)
    return len(paths) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark crisis_screen document reading.")
    parser.add_argument("--n", type=int, default=200, help="documents per format (default 200)")
    args = parser.parse_args(argv)
    screener = None
    try:
        from crisis_screen import Screener  # type: ignore[attr-defined]

        screener = Screener.default()
    except Exception as exc:  # the screener may not exist yet; reading is still measured
        print(f"(screening skipped: {type(exc).__name__}: {exc})", file=sys.stderr)
    rows: list[tuple[str, float, float | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, maker in (("pdf", make_pdf), ("docx", make_docx)):
            paths = []
            for index in range(args.n):
                path = Path(tmp) / f"cv{index:04d}.{fmt}"
                path.write_bytes(maker(resume_lines(index)))
                paths.append(path)
            read_rate = timed(paths, read_document)
            screen_rate = None
            if screener is not None:

                def read_and_screen(path: Path) -> object:
                    doc = read_document(path)
                    return screener.screen_text(doc.text, source=doc.source)

                screen_rate = timed(paths, read_and_screen)
            rows.append((fmt, read_rate, screen_rate))
    print(f"{'format':<8}{'n':>6}{'read docs/s':>14}{'read+screen docs/s':>22}")
    for fmt, read_rate, screen_rate in rows:
        screened = f"{screen_rate:.1f}" if screen_rate is not None else "n/a"
        print(f"{fmt:<8}{args.n:>6}{read_rate:>14.1f}{screened:>22}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
