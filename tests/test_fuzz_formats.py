"""Mutation fuzz of every supported format through the reader and the screener.

Real files of each format are written here (PDF with fpdf2, compressed and not; DOCX with
python-docx; ODT; RTF; HTML; text; Markdown; JSON Resume; PNG; the shipped legacy .doc),
then mutated with a fixed seed: byte flips, truncations, splices from another file, blocks
repeated many times, random inserts, and the same inside a zip member or a PDF stream.
Every case goes through ``read_bytes`` and ``Screener.screen_bytes``: only documented errors
(``CrisisScreenError`` subclasses) may escape, never with resume text in the message, and
no file may take the reader past twice its time limit.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from crisis_screen import Screener
from crisis_screen.errors import CrisisScreenError, ExtractionError
from crisis_screen.extract import ExtractionLimits, read_bytes
from test_hostile_files import make_odt

SECRET = "Zelda"
SEED = 1313
# The reader's limits for the fuzz: OCR gets no extra time per page, so a mutated image
# that still decodes costs at most the time limit.
LIMITS = ExtractionLimits(time_limit=2.0, ocr_page_time=0.0)
LINES = [
    f"{SECRET} Quill",
    "EXPERIENCE",
    "- Completed 40-hour Crisis Intervention Team (CIT) training",
    "- Responded to over 300 mental health calls; placed 5150 holds",
    "Skills: de-escalation, safety planning",
]
DOC_SAMPLE = Path(__file__).resolve().parent / "data" / "legacy_resume.doc"


def _pdf(compress: bool) -> bytes:
    pdf = FPDF()
    pdf.set_compression(compress)
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    for line in LINES:
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _docx() -> bytes:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = LINES[0]
    for line in LINES[1:]:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "2019 - 2023", "Crisis Clinician"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (120, 24), 255)
    ImageDraw.Draw(image).text((2, 6), "CIT training", fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seeds() -> dict[str, tuple[str, bytes]]:
    """One real file per format: label -> (file name, bytes)."""
    text = "\n".join(LINES)
    rtf = "{\\rtf1\\ansi{\\fonttbl{\\f0\\fcharset0 Arial;}}\\f0 " + "\\par ".join(LINES) + "}"
    html = (
        "<!DOCTYPE html><html><head><title>CV</title><style>p{}</style></head><body>"
        + "".join(f"<p>{line}</p>" for line in LINES[:2])
        + "<ul>"
        + "".join(f"<li>{line[2:]}</li>" for line in LINES[2:4])
        + f"</ul><table><tr><td>2019</td><td>{LINES[4]}</td></tr></table></body></html>"
    )
    resume = {
        "basics": {"name": LINES[0], "summary": LINES[2]},
        "work": [{"position": "Deputy", "name": "Example County", "highlights": LINES[3:]}],
        "skills": [{"name": "Crisis", "keywords": ["de-escalation"]}],
    }
    odt_body = "".join(f"<text:p>{line}</text:p>" for line in LINES)
    found = {
        "pdf": ("cv.pdf", _pdf(True)),
        "pdf_plain": ("cv.pdf", _pdf(False)),
        "docx": ("cv.docx", _docx()),
        "odt": ("cv.odt", make_odt(odt_body)),
        "rtf": ("cv.rtf", rtf.encode()),
        "html": ("cv.html", html.encode()),
        "text": ("cv.txt", text.encode()),
        "markdown": ("cv.md", ("# " + text).encode()),
        "json_resume": ("cv.json", json.dumps(resume).encode()),
        "png": ("cv.png", _png()),
    }
    if shutil.which("antiword") or shutil.which("catdoc"):
        found["doc"] = ("cv.doc", DOC_SAMPLE.read_bytes())
    return found


# ---------------------------------------------------------------- mutations

Mutation = Callable[[random.Random, bytes, bytes], bytes]


def flip(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        buf[rng.randrange(len(buf))] ^= rng.randint(1, 255)
    return bytes(buf)


def truncate(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    return data[: rng.randrange(1, len(data))]


def splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    at = rng.randrange(len(data))
    start = rng.randrange(len(other))
    return data[:at] + other[start : start + rng.randint(1, 4096)] + data[at:]


def repeat(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    start = rng.randrange(len(data))
    block = data[start : start + rng.randint(1, 64)]
    return data[:start] + block * rng.choice([2, 50, 2000, 20000]) + data[start:]


def insert(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    at = rng.randrange(len(data))
    noise = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
    tokens = [b"{", b"}", b"<", b">", b"\\", b"(", b")", b"[", b"]", b"\x00", b"\\ud800", b"obj"]
    return data[:at] + rng.choice([noise, rng.choice(tokens) * rng.randint(1, 300)]) + data[at:]


def delete(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 256) :]


SIMPLE: list[Mutation] = [flip, truncate, splice, repeat, insert, delete]


def in_zip_member(rng: random.Random, data: bytes, other: bytes) -> bytes:
    """Mutate the uncompressed bytes of one member and zip the package again."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        infos = src.infolist()
        target = rng.choice([i for i in infos if i.filename.endswith(".xml")] or infos)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in infos:
                content = src.read(info)
                if info is target and content:
                    content = rng.choice(SIMPLE)(rng, content, other)
                dst.writestr(info.filename, content)
    return out.getvalue()


def mutate(rng: random.Random, label: str, data: bytes, other: bytes) -> tuple[str, bytes]:
    choices = list(SIMPLE)
    if label in ("docx", "odt"):
        choices += [in_zip_member] * 4  # most byte flips only break the zip's checksums
    op = rng.choice(choices)
    mutated = op(rng, data, other)
    if rng.random() < 0.2:
        second = rng.choice(SIMPLE)
        mutated = second(rng, mutated, other) if mutated else mutated
        return f"{op.__name__}+{second.__name__}", mutated
    return op.__name__, mutated


# ---------------------------------------------------------------- the fuzz

CASES_PER_FORMAT = {"png": 12, "doc": 15}
DEFAULT_CASES = 36
# Texts longer than this are read but not screened here: screening time grows with the
# text, and the screener's own bounds are tested with the screener; this fuzz is about
# what the readers let through.
MAX_SCREENED_CHARS = 20_000


def _check_error(exc: CrisisScreenError, name: str, case: str) -> None:
    message = str(exc)
    assert SECRET not in message, case
    assert "Quill" not in message, case
    if isinstance(exc, ExtractionError):
        assert exc.source == name, case
        assert "\n" not in exc.reason, case


@pytest.mark.slow
def test_mutated_files_of_every_format_raise_only_documented_errors(screener: Screener) -> None:
    files = seeds()
    labels = sorted(files)
    rng = random.Random(SEED)
    outcomes: dict[str, int] = {}
    for label in labels:
        name, seed = files[label]
        for index in range(CASES_PER_FORMAT.get(label, DEFAULT_CASES)):
            other = files[rng.choice(labels)][1]
            how, data = mutate(rng, label, seed, other)
            case = f"{label} #{index} ({how}, {len(data)} bytes)"
            if not data:
                continue
            read_chars = 0
            for step in ("read_bytes", "screen_bytes"):
                if step == "screen_bytes" and read_chars > MAX_SCREENED_CHARS:
                    continue
                started = time.monotonic()
                try:
                    if step == "read_bytes":
                        doc = read_bytes(data, name, limits=LIMITS)
                        assert doc.text.strip(), case
                        doc.text.encode("utf-8")  # no lone surrogates reach the caller
                        read_chars = len(doc.text)
                    else:
                        result = screener.screen_bytes(data, name, limits=LIMITS)
                        result.model_dump_json()
                    outcome = "ok"
                except CrisisScreenError as exc:
                    _check_error(exc, name, case)
                    outcome = type(exc).__name__
                except Exception as exc:  # the failure this test exists to find
                    pytest.fail(f"{case}: {step} raised {type(exc).__name__}")
                elapsed = time.monotonic() - started
                if step == "read_bytes":
                    # Screening time is the screener's own bound; reading must stop here.
                    assert elapsed < 2 * LIMITS.time_limit + 3.0, f"{case}: {elapsed:.1f} s"
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    total = sum(outcomes.values())
    assert total >= 2 * 300
    # The mutations reach past the first check: some files still read, others fail deep.
    assert outcomes.get("ok", 0) > total // 10
    assert len(outcomes) >= 4, outcomes
