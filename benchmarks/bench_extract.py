"""Benchmark document reading: documents per second for generated resumes.

Usage::

    python benchmarks/bench_extract.py [--n 200] [--formats pdf,docx,odt,doc,scan]
        [--ocr-pages 4]

Generates N resumes per format (deterministic) in a temporary directory, reads each with
``read_document`` and prints a table. When ``crisis_screen.Screener`` is available, it also
times read + screen. ``odt`` files are written with zipfile; ``doc`` files are converted
from DOCX by LibreOffice (``soffice``, skipped when absent) and read with antiword;
``scan`` is a one-page image-only PDF per resume, read by Tesseract OCR, so its rate is
OCR pages per second (``--ocr-pages`` of them, as OCR takes seconds per page).
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
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


def make_odt(lines: list[str]) -> bytes:
    from xml.sax.saxutils import escape

    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    body = "".join(
        f"<text:list><text:list-item><text:p>{escape(line[2:])}</text:p></text:list-item></text:list>"
        if line.startswith("- ")
        else f"<text:p>{escape(line)}</text:p>"
        for line in lines
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def make_scan(lines: list[str]) -> bytes:
    """One 300-dpi letter page typeset with DejaVu Sans, as an image-only PDF."""
    from PIL import Image, ImageDraw, ImageFont

    font_file = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    page = Image.new("L", (2550, 3300), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(font_file, 36)
    for row, line in enumerate(lines):
        draw.text((240, 240 + 60 * row), line.replace("- ", "\u2022 ", 1), fill=0, font=font)
    out = io.BytesIO()
    page.convert("1").save(out, format="PDF", resolution=300)
    return out.getvalue()


def make_docs(folder: Path, n: int) -> list[Path] | None:
    """Convert N DOCX resumes to Word 97-2003 with one LibreOffice run; None without it."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        return None
    sources = []
    for index in range(n):
        path = folder / f"cv{index:04d}.docx"
        path.write_bytes(make_docx(resume_lines(index)))
        sources.append(str(path))
    profile = (folder / "lo-profile").as_uri()
    subprocess.run(
        [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to"]
        + ["doc:MS Word 97", "--outdir", str(folder), *sources],
        check=True,
        capture_output=True,
    )
    return [Path(p).with_suffix(".doc") for p in sources]


MAKERS: dict[str, Callable[[list[str]], bytes]] = {
    "pdf": make_pdf,
    "docx": make_docx,
    "odt": make_odt,
    "scan": make_scan,
}


def timed(paths: list[Path], work: Callable[[Path], object]) -> float:
    start = time.perf_counter()
    for path in paths:
        work(path)
    return len(paths) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark crisis_screen document reading.")
    parser.add_argument("--n", type=int, default=200, help="documents per format (default 200)")
    parser.add_argument(
        "--formats",
        default="pdf,docx",
        help="comma-separated: pdf, docx, odt, doc, scan (default pdf,docx)",
    )
    parser.add_argument(
        "--ocr-pages", type=int, default=4, help="scanned pages for 'scan' (default 4)"
    )
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = set(formats) - {*MAKERS, "doc"}
    if unknown:
        parser.error(f"unknown formats: {', '.join(sorted(unknown))}")
    screener = None
    try:
        from crisis_screen import Screener  # type: ignore[attr-defined]

        screener = Screener.default()
    except Exception as exc:  # the screener may not exist yet; reading is still measured
        print(f"(screening skipped: {type(exc).__name__}: {exc})", file=sys.stderr)
    rows: list[tuple[str, int, float, float | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in formats:
            folder = Path(tmp) / fmt
            folder.mkdir()
            count = args.ocr_pages if fmt == "scan" else args.n
            if fmt == "doc":
                made = make_docs(folder, count)
                if made is None:
                    print("(doc skipped: LibreOffice is not installed)", file=sys.stderr)
                    continue
                paths = made
            else:
                paths = []
                suffix = "pdf" if fmt == "scan" else fmt
                for index in range(count):
                    path = folder / f"cv{index:04d}.{suffix}"
                    path.write_bytes(MAKERS[fmt](resume_lines(index)))
                    paths.append(path)
            read_rate = timed(paths, read_document)
            screen_rate = None
            if screener is not None:

                def read_and_screen(path: Path) -> object:
                    doc = read_document(path)
                    return screener.screen_text(doc.text, source=doc.source)

                screen_rate = timed(paths, read_and_screen)
            rows.append((fmt, count, read_rate, screen_rate))
    # A scan is one page per file, so its docs/s is OCR pages/s.
    print(f"{'format':<8}{'n':>6}{'read docs/s':>14}{'read+screen docs/s':>22}")
    for fmt, count, read_rate, screen_rate in rows:
        screened = f"{screen_rate:.2f}" if screen_rate is not None else "n/a"
        print(f"{fmt:<8}{count:>6}{read_rate:>14.2f}{screened:>22}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
