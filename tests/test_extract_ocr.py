"""OCR of scanned PDFs and page images (Tesseract), with the pages made here by Pillow.

Tests that run Tesseract skip only when the ``tesseract`` binary is absent (CI installs it);
the refusals that happen before OCR (pixel limit, page count, missing Tesseract) always run.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from crisis_screen import Screener
from crisis_screen.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    LimitExceededError,
    NeedsOCRError,
)
from crisis_screen.extract import ExtractionLimits, read_bytes
from crisis_screen.models import Document, ScreenResult
from crisis_screen.scoring import OCR_FACTOR

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
FONT = next(
    (os.path.join(d, "DejaVuSans.ttf") for d in FONT_DIRS if os.path.isfile(f"{d}/DejaVuSans.ttf")),
    None,
)

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed"
)
needs_font = pytest.mark.skipif(FONT is None, reason="DejaVu fonts (fonts-dejavu-core) missing")

# A fictional resume in this test's own words; bullets are long enough to wrap.
RESUME = [
    "Avery Q. Example",
    "avery.example@example.com | 555-0129",
    "EXPERIENCE",
    "Outreach Worker, Example County Behavioral Health | 2019 - 2024",
    "• Answered mobile crisis calls together with a sheriff's deputy and arranged "
    "involuntary psychiatric holds for two clients after a clinical assessment.",
    "• Completed Crisis Intervention Team (CIT) training, 40 hours, in 2020.",
    "• Kept the shelter's intake spreadsheets and drove the outreach van.",
    "SKILLS",
    "Spreadsheets, safe driving, Spanish",
]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.default()


def render_page(lines: list[str], size: tuple[int, int] = (1700, 1300), x: int = 90) -> Image.Image:
    """Typeset lines onto a white 300-dpi page, wrapping at the right margin."""
    assert FONT is not None
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 30)
    y = 80
    right = size[0] - 90
    for line in lines:
        words, current, indent = line.split(" "), "", 0
        for word in words:
            trial = f"{current} {word}".strip()
            if current and x + indent + draw.textlength(trial, font=font) > right:
                draw.text((x + indent, y), current, fill=0, font=font)
                y += 44
                current, indent = word, (34 if line.startswith("• ") else 0)
            else:
                current = trial
        draw.text((x + indent, y), current, fill=0, font=font)
        y += 44
    return page


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, dpi=(300, 300), **options)
    return out.getvalue()


def scanned(image: Image.Image, angle: float = 1.2, specks: int = 3000) -> Image.Image:
    """A slightly rotated page with specks of dirt, as a flatbed scan looks."""
    rng = random.Random(5)
    out = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = out.load()
    assert pixels is not None
    for _ in range(specks):
        pixels[rng.randrange(out.width), rng.randrange(out.height)] = rng.choice((0, 100))
    return out


def counted_concepts(result: ScreenResult) -> list[str]:
    return [e.concept for e in result.counted]


def assert_same_evidence_as_text(doc: Document, lines: list[str], screener: Screener) -> None:
    """The OCR'd document counts the same concepts as its source text, each marked OCR."""
    result = screener.screen_document(doc)
    expected = screener.screen_text("\n".join(lines))
    assert counted_concepts(result) == counted_concepts(expected)
    assert counted_concepts(result), "the resume should show the skill"
    for ev, plain in zip(result.evidence, expected.evidence, strict=True):
        assert doc.text[ev.start : ev.end] == ev.text
        assert [a.kind for a in ev.adjustments][-1] == "ocr"
        assert ev.confidence == pytest.approx(round(plain.confidence * OCR_FACTOR, 4), abs=1e-4)


@needs_tesseract
@needs_font
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_photo_of_a_page(fmt: str, screener: Screener) -> None:
    data = encode(render_page(RESUME), fmt)
    doc = read_bytes(data, f"cv.{fmt.lower()}")
    assert doc.format == "image" and doc.ocr and doc.ocr_pages == (1,)
    # Each wrapped bullet is back on one line, and the misread bullet glyph is a bullet.
    assert [line for line in doc.text.splitlines() if line.startswith("• ")] == [
        line for line in RESUME if line.startswith("• ")
    ]
    assert_same_evidence_as_text(doc, RESUME, screener)


@needs_tesseract
@needs_font
def test_scanned_pdf(screener: Screener) -> None:
    data = encode(render_page(RESUME).convert("1"), "PDF", resolution=300)
    doc = read_bytes(data, "scan.pdf")
    assert doc.format == "pdf" and doc.ocr and doc.ocr_pages == (1,)
    assert_same_evidence_as_text(doc, RESUME, screener)


@needs_tesseract
@needs_font
def test_scan_record_says_ocr_was_used(screener: Screener, tmp_path: Path) -> None:
    import crisis_screen

    path = tmp_path / "scan.pdf"
    path.write_bytes(encode(render_page(RESUME).convert("1"), "PDF", resolution=300))
    [record] = crisis_screen.screen_paths([path], screener=screener)
    assert record.status == "ok" and record.ocr and record.ocr_pages == (1,)
    assert record.flagged
    assert all(any(a.kind == "ocr" for a in e.adjustments) for e in record.evidence)


@needs_tesseract
@needs_font
def test_rotated_noisy_scan(screener: Screener) -> None:
    data = encode(scanned(render_page(RESUME)).convert("RGB"), "JPEG", quality=60)
    doc = read_bytes(data, "phone.jpg")
    assert_same_evidence_as_text(doc, RESUME, screener)


@needs_tesseract
@needs_font
def test_two_page_tiff(screener: Screener) -> None:
    first, second = render_page(RESUME[:4]), render_page(RESUME[4:])
    out = io.BytesIO()
    first.save(out, format="TIFF", save_all=True, append_images=[second], dpi=(300, 300))
    doc = read_bytes(out.getvalue(), "scan.tiff")
    assert doc.ocr_pages == (1, 2) and len(doc.page_starts) == 2
    assert doc.text[doc.page_starts[1] :].startswith("• Answered mobile crisis calls")
    result = screener.screen_document(doc)
    assert {e.page for e in result.counted} == {2}
    assert_same_evidence_as_text(doc, RESUME, screener)


@needs_tesseract
@needs_font
def test_mixed_pdf_ocrs_only_the_scanned_page(screener: Screener) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Avery Q. Example\nCompleted Crisis Intervention Team (CIT) training.")
    pdf.add_page()
    pdf.image(render_page(RESUME[2:]), x=0, y=0, w=pdf.w)
    doc = read_bytes(bytes(pdf.output()), "mixed.pdf")
    assert doc.ocr and doc.ocr_pages == (2,)
    result = screener.screen_document(doc)
    by_page = {e.page: e for e in result.counted}
    assert set(by_page) == {1, 2}
    assert "ocr" not in [a.kind for a in by_page[1].adjustments]
    assert "ocr" in [a.kind for a in by_page[2].adjustments]


@needs_tesseract
@needs_font
def test_two_columns_are_read_one_after_the_other() -> None:
    left = ["SKILLS", "• Spanish", "• Safe driving", "• Spreadsheets"]
    right = [
        "EXPERIENCE",
        "• Co-responder with a mental health clinician on patrol for four years.",
        "• Taught de-escalation to new hires.",
    ]
    page = Image.new("L", (1700, 900), 255)
    page.paste(render_page(left, (700, 900), x=60), (0, 0))
    page.paste(render_page(right, (1000, 900), x=20), (700, 0))
    text = read_bytes(encode(page, "PNG"), "columns.png").text
    lines = text.splitlines()
    assert lines.index("• Spreadsheets") < lines.index("EXPERIENCE")
    # The right column's wrapped bullet is one line again.
    assert right[1] in lines and right[2] in lines


@needs_tesseract
def test_noise_image_gives_one_empty_error_in_time() -> None:
    noise = Image.effect_noise((1200, 1200), 90).convert("L")
    started = time.monotonic()
    with pytest.raises(EmptyDocumentError) as info:
        read_bytes(encode(noise, "PNG"), "noise.png")
    assert time.monotonic() - started < ExtractionLimits().time_limit
    assert info.value.source == "noise.png"


@needs_tesseract
def test_picture_only_pdf_without_text_is_empty() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("RGB", (60, 40), (200, 30, 30)), x=10, y=10, w=100)
    with pytest.raises(EmptyDocumentError, match="OCR found no legible text"):
        read_bytes(bytes(pdf.output()), "logo.pdf")


@needs_tesseract
@needs_font
def test_ocr_time_limit_kills_tesseract() -> None:
    data = encode(render_page(RESUME * 3, (2550, 3300)), "PNG")
    limits = ExtractionLimits(time_limit=0.2, ocr_page_time=0.3)
    started = time.monotonic()
    with pytest.raises(LimitExceededError, match="time limit"):
        read_bytes(data, "slow.png", limits=limits)
    assert time.monotonic() - started < 3.0


@needs_tesseract
def test_truncated_image_is_corrupt() -> None:
    data = encode(Image.effect_noise((400, 400), 50).convert("L"), "PNG")
    with pytest.raises(CorruptDocumentError, match="image"):
        read_bytes(data[: len(data) // 2], "cut.png")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width x height`` grayscale pixels but holds one row."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" + bytes(width))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_huge_image_is_refused_before_decoding() -> None:
    data = _png_header_only(10_000, 10_000)
    started = time.monotonic()
    with pytest.raises(LimitExceededError, match="10000x10000 pixels") as info:
        read_bytes(data, "bomb.png")
    assert time.monotonic() - started < 1.0
    assert type(info.value) is LimitExceededError


def test_too_many_tiff_pages_are_refused() -> None:
    pages = [Image.new("L", (50, 50), 255) for _ in range(3)]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    with pytest.raises(LimitExceededError, match="3 pages"):
        read_bytes(out.getvalue(), "long.tif", limits=ExtractionLimits(max_pdf_pages=2))


def test_without_tesseract_an_image_needs_ocr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH on which no tesseract is found
    with pytest.raises(NeedsOCRError, match="tesseract-ocr") as info:
        read_bytes(encode(Image.new("L", (100, 100), 255), "PNG"), "cv.png")
    assert type(info.value) is NeedsOCRError


@pytest.mark.slow
def test_cli_scan_without_tesseract_on_path(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    # Something drawn, so the page is a scan rather than blank.
    image = Image.new("L", (850, 1100), 255)
    ImageDraw.Draw(image).rectangle((100, 100, 700, 300), fill=0)
    scan.write_bytes(encode(image, "PDF", resolution=100))
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {**os.environ, "PATH": str(empty_bin)}
    proc = subprocess.run(
        [sys.executable, "-m", "crisis_screen", "scan", str(scan), "--format", "jsonl", "-j", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    record = json.loads(proc.stdout.splitlines()[0])
    assert record["status"] == "error" and record["error_type"] == "NeedsOCRError"
    assert "no text layer" in record["error"] and "tesseract-ocr" in record["error"]
    assert proc.returncode == 1
