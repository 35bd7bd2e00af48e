"""Regenerate the scanned-PDF and legacy Word (.doc) sample resumes from their text sources.

Sources use the markup of ``make_sample_resumes.py`` (``## HEADING``, ``- `` bullets, job
lines). The scan is the source typeset with a DejaVu font onto a 300-dpi letter page, turned
by 0.6 degrees, sprinkled with specks and thresholded to black and white, as an office
scanner makes it, then wrapped in a PDF without a text layer. The scan is deterministic
(fixed seed and PDF dates). The ``.doc`` is the sample DOCX rendering converted by
LibreOffice headless (``soffice``), which is needed to run that part; LibreOffice stamps
its own dates, so re-run it only after editing that source.

Usage::

    python scripts/make_scanned_samples.py [--out sample_resumes] [--only scan|doc]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_sample_resumes import parse, render_docx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "scripts" / "sample_sources"

#: Source name -> output file name.
SCANS = {"mobile_crisis_paramedic": "mobile_crisis_paramedic_scan.pdf"}
DOCS = {"warehouse_safety_lead": "warehouse_safety_lead.doc"}
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/Library/Fonts")
FIXED_DATE = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
DPI = 300


def font_path(bold: bool = False) -> Path:
    """Return a DejaVu Sans font file (Debian package ``fonts-dejavu-core``)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return path
    raise SystemExit(f"{name} not found; install the DejaVu fonts (fonts-dejavu-core)")


def render_scan(text: str, seed: int = 7) -> bytes:
    """Typeset a source onto a page image and return it as an image-only PDF."""
    from PIL import Image, ImageDraw, ImageFont

    header, sections = parse(text)
    width, height, margin = int(8.5 * DPI), int(11 * DPI), int(0.8 * DPI)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    regular = ImageFont.truetype(str(font_path()), 36)  # about 8.6 pt at 300 dpi
    bold = ImageFont.truetype(str(font_path(bold=True)), 38)
    title = ImageFont.truetype(str(font_path(bold=True)), 60)
    y = margin

    def write(line: str, font: ImageFont.FreeTypeFont, indent: int = 0) -> None:
        nonlocal y
        # Wrap at the right margin as a word processor does; continuation lines are
        # indented under the bullet's text.
        words = line.split(" ")
        current = ""
        first = True
        for word in words:
            trial = f"{current} {word}".strip()
            left = margin + (indent if first else indent + (50 if line.startswith("• ") else 0))
            if current and left + draw.textlength(trial, font=font) > width - margin:
                draw.text((left, y), current, fill=0, font=font)
                y += int(font.size * 1.45)
                current, first = word, False
            else:
                current = trial
        left = margin + (indent if first else indent + (50 if line.startswith("• ") else 0))
        draw.text((left, y), current, fill=0, font=font)
        y += int(font.size * 1.45)

    write(header[0], title)
    for line in header[1:]:
        write(line, regular)
    for heading, lines in sections:
        y += 30
        write(heading, bold)
        for line in lines:
            if line.startswith("- "):
                write("• " + line[2:], regular, indent=30)
            elif " | " in line and "," in line.split(" | ")[0]:
                write(line, bold)
            else:
                write(line, regular)
    rng = random.Random(seed)
    scan = page.rotate(0.6, resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = scan.load()
    assert pixels is not None
    for _ in range(6000):
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 90))
    bilevel = scan.point(lambda v: 255 if v > 150 else 0).convert("1")
    out = io.BytesIO()
    stamp = time.gmtime(FIXED_DATE.timestamp())  # Pillow writes struct_time dates
    bilevel.save(out, format="PDF", resolution=DPI, creationDate=stamp, modDate=stamp)
    return out.getvalue()


def render_doc(text: str) -> bytes:
    """Render a source as DOCX, then convert it to Word 97-2003 with LibreOffice."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise SystemExit("LibreOffice (soffice) is needed to write .doc samples")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "resume.docx"
        source.write_bytes(render_docx(text))
        profile = (Path(tmp) / "profile").as_uri()
        subprocess.run(
            [
                office,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                "doc:MS Word 97",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        return (Path(tmp) / "resume.doc").read_bytes()


def main(argv: list[str] | None = None) -> int:
    """Regenerate the samples; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "sample_resumes")
    parser.add_argument("--only", choices=("scan", "doc"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [(n, f, render_scan) for n, f in SCANS.items()] if args.only != "doc" else []
    jobs += [(n, f, render_doc) for n, f in DOCS.items()] if args.only != "scan" else []
    for name, filename, render in jobs:
        text = (SRC / f"{name}.txt").read_text(encoding="utf-8")
        target = args.out / filename
        target.write_bytes(render(text))
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
