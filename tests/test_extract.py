"""Tests of crisis_screen.extract: every format, every failure mode, and a mutation fuzz."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crisis_screen.extract as extract_pkg
from crisis_screen.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    ExtractionError,
    LimitExceededError,
    NeedsOCRError,
    TimeLimitExceededError,
    UnsupportedFormatError,
)
from crisis_screen.extract import (
    SUFFIX_FORMATS,
    SUPPORTED_FORMATS,
    ExtractionLimits,
    is_candidate_file,
    read_bytes,
    read_document,
)

LONG_BULLET = (
    "- Completed 40-hour Crisis Intervention Team (CIT) training and responded to over 300 "
    "mental health calls in Example County, placing individuals on 72-hour psychiatric holds "
    "(5150) when needed."
)
# A word that appears in every fixture resume; error reasons must never contain it.
SECRET = "Zelda"


# ---------------------------------------------------------------- fixture builders


def make_pdf(pages: int = 2, *, encrypt: bool = False) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 8, f"{SECRET} Quill, Deputy Sheriff", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "EXPERIENCE", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, LONG_BULLET, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0, 6, "- Co-responder with mobile crisis clinicians.", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.cell(0, 8, "Deputy Sheriff, Example County")
    pdf.set_x(160)
    pdf.cell(0, 8, "2015 - 2020", new_x="LMARGIN", new_y="NEXT")
    for number in range(2, pages + 1):
        pdf.add_page()
        pdf.cell(0, 8, f"Page {number} EDUCATION", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 8, "A.S. Criminal Justice, Example Community College", new_x="LMARGIN")
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password="user")
    return bytes(pdf.output())


def make_two_column_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 8, f"{SECRET} Quill - Crisis Counsellor", new_x="LMARGIN", new_y="NEXT")
    left = [f"Left item {i} about crisis line work and safety planning" for i in range(6)]
    right = [f"Right item {i} about ASIST training{'!' * (i % 3)}" for i in range(6)]
    top = pdf.get_y() + 5
    pdf.set_xy(10, top)
    for line in left:
        pdf.set_x(10)
        pdf.multi_cell(85, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(110, top)
    for line in right:
        pdf.set_x(110)
        pdf.multi_cell(85, 6, line, new_x="RIGHT", new_y="NEXT")
    return bytes(pdf.output())


def make_image_pdf() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (60, 40), (200, 30, 30))
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=100)
    return bytes(pdf.output())


def make_blank_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())


def make_docx(*, textbox: bool = True) -> bytes:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = f"{SECRET} Quill | zq@example.com"
    document.sections[0].footer.paragraphs[0].text = "Footer: references on request"
    document.add_heading("Summary", level=1)
    document.add_paragraph("Co-responder mental-health clinician, Example County.")
    document.add_paragraph(
        "Placed individuals on 72-hour psychiatric holds (5150)", style="List Bullet"
    )
    document.add_paragraph("ASIST-certified", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "2019 - 2023"
    table.cell(0, 1).text = "Crisis Clinician"
    table.cell(1, 0).text = "2016 - 2019"
    table.cell(1, 1).text = "Case Manager"
    layout = document.add_table(rows=1, cols=2)
    layout.cell(0, 0).text = "Skills"
    layout.cell(0, 1).text = "De-escalation"
    layout.cell(0, 1).add_paragraph("Safety planning")
    if textbox:
        paragraph = document.add_paragraph()
        box = parse_xml(
            '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            'xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox>'
            "<w:txbxContent><w:p><w:r><w:t>Text box: CIT coordinator</w:t></w:r></w:p>"
            "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
        )
        paragraph._p.append(box)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def replace_member(
    data: bytes, name: str, content: bytes, *, extra: dict[str, bytes] | None = None
) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info))
        for extra_name, extra_content in (extra or {}).items():
            dst.writestr(extra_name, extra_content)
    return out.getvalue()


HTML = (
    "<!DOCTYPE html><html><head><title>CV title</title><style>p {color: red}</style>"
    "<script>var hidden = 'script text';</script></head><body>"
    f"<h1>{SECRET} Quill</h1><p>911 dispatcher,\n   Example   County &amp; partners</p>"
    "<ul><li>Handled <b>suicidal</b> callers<li>Trained in CIT</ul>"
    "<table><tr><td>2018</td><td>Dispatcher II</td></tr></table>"
    "<noscript>enable js</noscript></body></html>"
)
RTF = (
    r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}\f0 " + SECRET + r" Quill\par "
    r"Crisis-line counsellor, caf\'e9 volunteer\par ASIST-certified\par}"
)
JSON_RESUME = {
    "basics": {
        "name": f"{SECRET} Quill",
        "label": "Crisis Line Counsellor",
        "email": "zq@example.com",
        "phone": "555-0142",
        "summary": "Crisis counsellor with ASIST certification.",
        "location": {"city": "Example City", "region": "EX"},
    },
    "work": [
        {
            "name": "Example Crisis Line",
            "position": "Counsellor",
            "startDate": "2019-01",
            "summary": "Answered crisis calls.",
            "highlights": ["Handled over 2,000 crisis calls", "Completed safety plans"],
        }
    ],
    "volunteer": [
        {"organization": "Example Shelter", "position": "Volunteer", "highlights": ["Peer support"]}
    ],
    "education": [{"institution": "Example University", "area": "Psychology", "studyType": "BA"}],
    "certificates": [{"name": "ASIST", "issuer": "LivingWorks", "date": "2020-05"}],
    "skills": [{"name": "Crisis", "keywords": ["de-escalation", "safety planning"]}],
    "languages": [{"language": "Spanish", "fluency": "Conversational"}],
}
PLAIN = f"{SECRET} Quill\r\nSUMMARY\r\n\t\u2022 Responded to over 300 mental health calls\r\n"


def seeds() -> dict[str, tuple[str, bytes]]:
    """One valid file per format: name -> (filename, bytes)."""
    return {
        "pdf": ("cv.pdf", make_pdf()),
        "docx": ("cv.docx", make_docx()),
        "html": ("cv.html", HTML.encode()),
        "rtf": ("cv.rtf", RTF.encode()),
        "text": ("cv.txt", PLAIN.encode()),
        "markdown": ("cv.md", b"# Zelda\n\n- CIT trained\n"),
        "json_resume": ("cv.json", json.dumps(JSON_RESUME).encode()),
    }


# ---------------------------------------------------------------- formats


def test_pdf_text_pages_and_bullet_joining() -> None:
    doc = read_bytes(make_pdf(pages=2), "cv.pdf")
    assert doc.format == "pdf"
    assert doc.source == "cv.pdf"
    lines = doc.text.split("\n")
    assert LONG_BULLET in lines  # wrapped bullet rejoined onto one line
    assert "- Co-responder with mobile crisis clinicians." in lines
    assert "Deputy Sheriff, Example County\t2015 - 2020" in lines
    assert len(doc.page_starts) == 2 and doc.page_starts[0] == 0
    assert doc.text[doc.page_starts[1] :].startswith("Page 2 EDUCATION")
    assert doc.text[doc.page_starts[1] - 1] == "\n"


def test_pdf_two_columns_read_column_by_column() -> None:
    lines = read_bytes(make_two_column_pdf(), "cv.pdf").text.split("\n")
    left = [i for i, line in enumerate(lines) if line.startswith("Left item")]
    right = [i for i, line in enumerate(lines) if line.startswith("Right item")]
    assert len(left) == 6 and len(right) == 6
    assert max(left) < min(right)
    # The narrow left column wraps "... safety" / "planning": rejoined as it reads on.
    assert lines[left[0]] == "Left item 0 about crisis line work and safety planning"
    assert lines[0].startswith(f"{SECRET} Quill")


def test_docx_body_tables_lists_header_footer_textbox() -> None:
    doc = read_bytes(make_docx(), "cv.docx")
    lines = doc.text.split("\n")
    assert doc.format == "docx" and doc.page_starts == ()
    assert lines[0] == f"{SECRET} Quill | zq@example.com"  # header first
    assert lines[-1] == "Footer: references on request"  # footer last
    assert "- Placed individuals on 72-hour psychiatric holds (5150)" in lines
    assert "- ASIST-certified" in lines
    assert "2019 - 2023\tCrisis Clinician" in lines
    # A row whose cell holds several paragraphs is read cell by cell, one line each.
    assert lines.index("Skills") + 1 == lines.index("De-escalation")
    assert "Safety planning" in lines
    assert "Text box: CIT coordinator" in lines


def test_html_visible_text_only() -> None:
    doc = read_bytes(HTML.encode(), "cv.html")
    assert doc.format == "html"
    assert doc.text.split("\n") == [
        f"{SECRET} Quill",
        "911 dispatcher, Example County & partners",
        "- Handled suicidal callers",
        "- Trained in CIT",
        "2018\tDispatcher II",
    ]


def test_rtf() -> None:
    doc = read_bytes(RTF.encode(), "cv.rtf")
    assert doc.format == "rtf"
    assert doc.text.split("\n") == [
        f"{SECRET} Quill",
        "Crisis-line counsellor, café volunteer",
        "ASIST-certified",
    ]


def test_json_resume_sections() -> None:
    doc = read_bytes(json.dumps(JSON_RESUME).encode(), "cv.json")
    assert doc.format == "json_resume"
    spans: dict[str, str] = {}
    for span in doc.sections:
        spans[span.section] = spans.get(span.section, "") + doc.text[span.start : span.end] + "\n"
    assert set(spans) == {"summary", "experience", "education", "certifications", "skills", "other"}
    assert "Crisis counsellor with ASIST certification." in spans["summary"]
    assert "- Handled over 2,000 crisis calls" in spans["experience"].split("\n")
    assert "ASIST | LivingWorks | 2020-05" in spans["certifications"]
    assert "Crisis: de-escalation, safety planning" in spans["skills"]
    assert "Example University | BA, Psychology" in spans["education"]
    experience = [s for s in doc.sections if s.section == "experience"]
    assert len(experience) == 2  # work and volunteer
    assert "Peer support" in doc.text[experience[1].start : experience[1].end]
    for span in doc.sections:
        assert 0 <= span.start < span.end <= len(doc.text)
        assert doc.text[span.end - 1] != "\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(PLAIN.encode("utf-8"), PLAIN, id="utf8-crlf-tabs-kept"),
        pytest.param(b"\xef\xbb\xbf" + PLAIN.encode("utf-8"), PLAIN, id="utf8-bom"),
        pytest.param(PLAIN.encode("utf-16"), PLAIN, id="utf16-bom"),
        pytest.param(b"\xfe\xff" + PLAIN.encode("utf-16-be"), PLAIN, id="utf16be-bom"),
        pytest.param(PLAIN.encode("utf-16-le"), PLAIN, id="utf16le-no-bom"),
        pytest.param(
            "Résumé – “CIT” naïve café\r\nCrisis Intervention Team member\r\n".encode("cp1252"),
            "Résumé – “CIT” naïve café\r\nCrisis Intervention Team member\r\n",
            id="cp1252",
        ),
    ],
)
def test_plain_text_decoded_unchanged(data: bytes, expected: str) -> None:
    doc = read_bytes(data, "cv.txt")
    assert doc.format == "text"
    assert doc.text == expected


def test_markdown_kept_verbatim() -> None:
    source = "# Zelda Quill\n\n## Skills\n* CIT  \n* ASIST\n"
    doc = read_bytes(source.encode(), "cv.md")
    assert (doc.format, doc.text) == ("markdown", source)


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [
        ("cv.docx", make_pdf(), "pdf"),
        ("cv.pdf", make_docx(), "docx"),
        ("cv.txt", HTML.encode(), "html"),
        ("cv.txt", json.dumps(JSON_RESUME).encode(), "json_resume"),
        ("cv.html", RTF.encode(), "rtf"),
        ("cv", PLAIN.encode(), "text"),
    ],
)
def test_format_detected_by_content(name: str, data: bytes, fmt: str) -> None:
    assert read_bytes(data, name).format == fmt


def test_read_document_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "cv.pdf"
    path.write_bytes(make_pdf(pages=1))
    doc = read_document(path)
    assert doc.source == str(path)
    assert LONG_BULLET in doc.text.split("\n")
    assert read_document(str(path)).text == doc.text


# ---------------------------------------------------------------- failures


def _junk() -> bytes:
    rng = random.Random(7)
    return bytes(rng.getrandbits(8) for _ in range(4096))


def _zip_other() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return out.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"
)


BAD_CASES: list[
    tuple[str, str, Callable[[], bytes], type[ExtractionError], ExtractionLimits | None]
] = [
    ("empty", "cv.pdf", lambda: b"", EmptyDocumentError, None),
    ("whitespace-only", "cv.txt", lambda: b"  \r\n\t \n", EmptyDocumentError, None),
    (
        "empty-html",
        "cv.html",
        lambda: b"<html><body><script>x</script></body></html>",
        EmptyDocumentError,
        None,
    ),
    ("encrypted-pdf", "cv.pdf", lambda: make_pdf(encrypt=True), EncryptedDocumentError, None),
    ("blank-pdf", "blank.pdf", make_blank_pdf, EmptyDocumentError, None),
    ("truncated-pdf", "cv.pdf", lambda: make_pdf()[:-400], CorruptDocumentError, None),
    (
        "pdf-header-only",
        "cv.pdf",
        lambda: b"%PDF-1.7\n" + b"garbage " * 50 + b"\n%%EOF",
        CorruptDocumentError,
        None,
    ),
    ("truncated-docx", "cv.docx", lambda: make_docx()[:5000], CorruptDocumentError, None),
    ("binary-junk", "cv.docx", _junk, UnsupportedFormatError, None),
    ("png", "cv.pdf", lambda: b"\x89PNG\r\n\x1a\n" + _junk(), CorruptDocumentError, None),
    ("gif", "cv.gif", lambda: b"GIF89a" + _junk(), UnsupportedFormatError, None),
    ("zip-not-docx", "cv.docx", _zip_other, UnsupportedFormatError, None),
    (
        "ole-not-word",
        "cv.bin",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        UnsupportedFormatError,
        None,
    ),
    (
        "encrypted-docx",
        "cv.docx",
        lambda: (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + "EncryptedPackage".encode("utf-16-le")
            + bytes(512)
        ),
        EncryptedDocumentError,
        None,
    ),
    (
        "json-not-resume",
        "cv.json",
        lambda: json.dumps({"name": SECRET}).encode(),
        UnsupportedFormatError,
        None,
    ),
    ("json-invalid", "cv.json", lambda: b'{"basics": {"name": "Zelda"', CorruptDocumentError, None),
    (
        "json-basics-wrong-type",
        "cv.json",
        lambda: b'{"basics": ["Zelda"]}',
        CorruptDocumentError,
        None,
    ),
    ("json-deep", "cv.json", lambda: b"[" * 100_000 + b"]" * 100_000, LimitExceededError, None),
    (
        "zip-bomb-docx",
        "cv.docx",
        lambda: replace_member(
            make_docx(), "", b"", extra={"word/media/bomb.bin": bytes(5 * 1024 * 1024)}
        ),
        LimitExceededError,
        None,
    ),
    (
        "zip-too-large",
        "cv.docx",
        make_docx,
        LimitExceededError,
        ExtractionLimits(max_zip_uncompressed_bytes=10_000),
    ),
    (
        "zip-too-many-members",
        "cv.docx",
        make_docx,
        LimitExceededError,
        ExtractionLimits(max_zip_members=3),
    ),
    (
        "billion-laughs-docx",
        "cv.docx",
        lambda: replace_member(make_docx(), "word/document.xml", BILLION_LAUGHS),
        CorruptDocumentError,
        None,
    ),
    (
        "deep-html",
        "cv.html",
        lambda: b"<html><body>" + b"<div>" * 5000 + b"Zelda",
        LimitExceededError,
        None,
    ),
    (
        "size-limit",
        "cv.txt",
        lambda: PLAIN.encode() * 100,
        LimitExceededError,
        ExtractionLimits(max_file_bytes=1000),
    ),
    (
        "pdf-pages",
        "cv.pdf",
        lambda: make_pdf(pages=3),
        LimitExceededError,
        ExtractionLimits(max_pdf_pages=2),
    ),
    (
        "max-chars",
        "cv.txt",
        lambda: PLAIN.encode() * 100,
        LimitExceededError,
        ExtractionLimits(max_chars=500),
    ),
    (
        "time-limit-pdf",
        "cv.pdf",
        make_pdf,
        TimeLimitExceededError,
        ExtractionLimits(time_limit=1e-9),
    ),
    (
        "time-limit-docx",
        "cv.docx",
        make_docx,
        TimeLimitExceededError,
        ExtractionLimits(time_limit=1e-9),
    ),
    (
        "time-limit-html",
        "cv.html",
        lambda: HTML.encode(),
        TimeLimitExceededError,
        ExtractionLimits(time_limit=1e-9),
    ),
]


@pytest.mark.parametrize(
    ("name", "data_fn", "error", "limits"),
    [pytest.param(name, fn, err, lim, id=case) for case, name, fn, err, lim in BAD_CASES],
)
def test_bad_input_raises(
    name: str,
    data_fn: Callable[[], bytes],
    error: type[ExtractionError],
    limits: ExtractionLimits | None,
) -> None:
    with pytest.raises(error) as info:
        read_bytes(data_fn(), name, limits=limits)
    assert type(info.value) is error
    assert info.value.source == name
    assert "\n" not in info.value.reason and info.value.reason
    assert SECRET not in info.value.reason and "lol" not in info.value.reason


def test_needs_ocr_reason_mentions_ocr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A PATH without tesseract on it: the scan cannot be read, and the error says so.
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(NeedsOCRError, match="OCR") as info:
        read_bytes(make_image_pdf(), "scan.pdf")
    assert type(info.value) is NeedsOCRError and "tesseract" in info.value.reason


def test_html_moderate_nesting_is_fine() -> None:
    html = b"<html><body>" + b"<div>" * 200 + b"Crisis work" + b"</div>" * 200
    assert read_bytes(html, "cv.html").text == "Crisis work"
    # Unclosed <li>/<p> are implicitly closed, not counted as nesting.
    sloppy = b"<ul>" + b"<li>item" * 1000 + b"</ul>"
    assert read_bytes(sloppy, "cv.html").text.count("- item") == 1000


def test_huge_line_is_split_without_losing_text() -> None:
    words = ("crisis intervention " * 3000).strip()
    doc = read_bytes(
        ("Header\n" + words + "\n").encode(), "cv.txt", limits=ExtractionLimits(max_line_chars=1000)
    )
    lines = doc.text.split("\n")
    assert max(map(len, lines)) <= 1000
    assert len(lines) > 50
    assert doc.text.replace("\n", "") == ("Header\n" + words + "\n").replace("\n", "")
    unbroken = "x" * 2500
    assert read_bytes(
        unbroken.encode(), "a.txt", limits=ExtractionLimits(max_line_chars=1000)
    ).text.split("\n") == ["x" * 1000, "x" * 1000, "x" * 500]


def test_json_resume_section_offsets_survive_line_splitting() -> None:
    resume = {"basics": {"name": "Zelda", "summary": "calm " * 400}, "skills": [{"name": "CIT"}]}
    doc = read_bytes(
        json.dumps(resume).encode(), "cv.json", limits=ExtractionLimits(max_line_chars=100)
    )
    skills = next(s for s in doc.sections if s.section == "skills")
    assert doc.text[skills.start : skills.end] == "Skills\nCIT"


def test_file_size_limit_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 2000)
    with pytest.raises(LimitExceededError):
        read_document(path, limits=ExtractionLimits(max_file_bytes=1000))


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_path(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "nope.pdf" if kind == "missing" else tmp_path
    with pytest.raises(ExtractionError) as info:
        read_document(path)
    assert type(info.value) is ExtractionError
    assert info.value.source == str(path)
    if kind == "missing":
        assert info.value.reason == "file not found"


def test_read_bytes_rejects_non_bytes() -> None:
    with pytest.raises(UnsupportedFormatError):
        read_bytes("not bytes", "cv.txt")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs", [{"max_file_bytes": 0}, {"time_limit": 0}, {"max_zip_ratio": -1.0}]
)
def test_limits_validate(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ExtractionLimits(**kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------- API surface


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a/cv.PDF", True),
        ("cv.docx", True),
        ("cv.md", True),
        ("cv.json", True),
        ("cv.doc", True),
        ("cv.odt", True),
        ("cv.png", True),
        ("scan.TIFF", True),
        ("cv.gif", False),
        ("cv.xls", False),
        ("~$cv.docx", False),
        (".hidden.txt", False),
        ("README", False),
    ],
)
def test_is_candidate_file(path: str, expected: bool) -> None:
    assert is_candidate_file(path) is expected


def test_supported_formats_tables_agree() -> None:
    assert set(SUPPORTED_FORMATS) == {
        "pdf",
        "docx",
        "html",
        "rtf",
        "text",
        "markdown",
        "json_resume",
        "image",
        "doc",
        "odt",
    }
    assert SUFFIX_FORMATS[".pdf"] == "pdf" and SUFFIX_FORMATS[".htm"] == "html"
    assert SUFFIX_FORMATS[".jpeg"] == "image" and SUFFIX_FORMATS[".odt"] == "odt"
    assert all(
        suffix.startswith(".") for suffixes in SUPPORTED_FORMATS.values() for suffix in suffixes
    )


def test_import_is_cheap() -> None:
    src = str(Path(extract_pkg.__file__).resolve().parents[2])
    code = (
        "import sys, crisis_screen.extract; "
        "heavy = {'pypdfium2', 'docx', 'striprtf', 'charset_normalizer', 'lxml', 'PIL', 'defusedxml'}; "
        "heavy &= set(sys.modules); "
        "print(sorted(heavy))"
    )
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------- fuzz

_SEEDS = seeds()


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> tuple[str, bytes]:
    name, data = _SEEDS[fmt]
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        pos = draw(st.integers(0, max(len(buf) - 1, 0)))
        if op == "flip" and buf:
            buf[pos] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del buf[pos:]
        elif op == "insert":
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif buf:
            del buf[pos : pos + draw(st.integers(1, 64))]
    return name, bytes(buf)


@pytest.mark.parametrize("fmt", sorted(_SEEDS))
def test_fuzz_only_extraction_errors_escape(fmt: str) -> None:
    @settings(
        max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
    )
    @given(case=mutated(fmt))
    def run(case: tuple[str, bytes]) -> None:
        name, data = case
        try:
            doc = read_bytes(data, name)
        except ExtractionError as exc:
            assert exc.source == name
            assert "\n" not in exc.reason
        else:
            assert doc.text.strip()
            assert all(0 <= s <= len(doc.text) for s in doc.page_starts)

    run()
