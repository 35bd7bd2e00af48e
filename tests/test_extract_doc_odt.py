"""Legacy Word (.doc) through antiword/catdoc, and OpenDocument text (.odt) from stdlib zip.

``tests/data/legacy_resume.doc`` was made for these tests: a DOCX written with python-docx
(the text in ``DOC_LINES``, the contact line in the page header, the job line in a table,
bullets as a Word list) converted by ``soffice --headless --convert-to "doc:MS Word 97"``.
The .doc tests skip only when no converter is installed (CI installs antiword).
"""

from __future__ import annotations

import io
import shutil
import struct
import time
import zipfile
from pathlib import Path

import pytest

from crisis_screen import Screener
from crisis_screen.errors import (
    CorruptDocumentError,
    EncryptedDocumentError,
    LimitExceededError,
    UnsupportedFormatError,
)
from crisis_screen.extract import ExtractionLimits, read_bytes, read_document
from crisis_screen.extract.doc import converters

DATA = Path(__file__).resolve().parent / "data"
DOC = DATA / "legacy_resume.doc"
DOC_LINES = [
    "Quinn R. Example",
    "Summary",
    "Peer support specialist at a walk-in crisis centre for adults in Example City.",
    "Experience",
    "Peer Support Specialist, Example City Crisis Centre\t2021 - 2024",
    "Sat with guests in suicidal crisis and completed safety plans with them before they went home.",
    "Completed QPR gatekeeper training and Mental Health First Aid.",
    "Restocked the kitchen and answered the front desk phone.",
    "Skills",
    "Motivational interviewing, Spanish, data entry",
]

needs_converter = pytest.mark.skipif(
    not converters(), reason="no .doc converter (antiword, catdoc, LibreOffice) installed"
)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.default()


def counted(screener: Screener, doc_or_text: object) -> list[str]:
    if isinstance(doc_or_text, str):
        result = screener.screen_text(doc_or_text)
    else:
        result = screener.screen_document(doc_or_text)  # type: ignore[arg-type]
    return [e.concept for e in result.counted]


# ---------------------------------------------------------------- .doc


@needs_converter
def test_doc_reads_with_the_same_evidence_as_its_text(screener: Screener) -> None:
    doc = read_document(DOC)
    assert doc.format == "doc" and not doc.ocr
    lines = [line for line in doc.text.splitlines() if line.strip()]
    for line in DOC_LINES[1:]:
        assert line in lines, line
    assert counted(screener, doc) == counted(screener, "\n".join(DOC_LINES))
    assert counted(screener, doc)


@needs_converter
def test_truncated_doc_is_corrupt_and_fast() -> None:
    data = DOC.read_bytes()
    started = time.monotonic()
    with pytest.raises(CorruptDocumentError, match="Word .doc") as info:
        read_bytes(data[: len(data) // 3], "cut.doc")
    assert type(info.value) is CorruptDocumentError
    assert time.monotonic() - started < ExtractionLimits().time_limit


def _mark_encrypted(data: bytes) -> bytes:
    """Set the fEncrypted flag of the Word FIB, found through the OLE directory."""
    size = 1 << struct.unpack_from("<H", data, 0x1E)[0]

    def sector(n: int) -> bytes:
        return data[(n + 1) * size : (n + 2) * size]

    difat = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
    fat = [v for s in difat for v in struct.unpack(f"<{size // 4}I", sector(s))]
    entries, n = b"", struct.unpack_from("<I", data, 0x30)[0]
    while n < 0xFFFFFFFA:
        entries, n = entries + sector(n), fat[n]
    for i in range(0, len(entries), 128):
        entry = entries[i : i + 128]
        name_len = struct.unpack_from("<H", entry, 0x40)[0]
        if entry[: max(name_len - 2, 0)].decode("utf-16-le") == "WordDocument":
            offset = (struct.unpack_from("<I", entry, 0x74)[0] + 1) * size
            break
    else:
        raise AssertionError("no WordDocument stream in the fixture")
    assert data[offset : offset + 2] == b"\xec\xa5"  # the FIB's magic number
    flags = struct.unpack_from("<H", data, offset + 0x0A)[0] | 0x0100
    return data[: offset + 0x0A] + struct.pack("<H", flags) + data[offset + 0x0C :]


@needs_converter
def test_encrypted_doc_is_a_typed_error() -> None:
    with pytest.raises(EncryptedDocumentError, match="password"):
        read_bytes(_mark_encrypted(DOC.read_bytes()), "locked.doc")


def test_doc_without_a_converter_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no antiword, catdoc or soffice on it
    with pytest.raises(UnsupportedFormatError, match="antiword") as info:
        read_bytes(DOC.read_bytes(), "cv.doc")
    assert type(info.value) is UnsupportedFormatError


@pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc is not installed")
def test_catdoc_is_the_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, screener: Screener
) -> None:
    # A PATH holding only catdoc: the reader falls back to it.
    (tmp_path / "catdoc").symlink_to(shutil.which("catdoc") or "")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert [name for name, _ in converters()] == ["catdoc"]
    doc = read_bytes(DOC.read_bytes(), "cv.doc")
    assert counted(screener, doc) == counted(screener, "\n".join(DOC_LINES))


def test_ole_file_that_is_not_word_is_unsupported() -> None:
    data = DOC.read_bytes().replace(
        "WordDocument".encode("utf-16-le"), "OtherContent".encode("utf-16-le")
    )
    with pytest.raises(UnsupportedFormatError, match="not a Word document"):
        read_bytes(data, "sheet.xls")


# ---------------------------------------------------------------- .odt

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"'
)
ODT_BODY = """
<text:tracked-changes><text:changed-region><text:deletion>
  <text:p>Deleted line about hostage negotiation</text:p></text:deletion></text:changed-region>
</text:tracked-changes>
<text:h text:outline-level="1">Drew <text:span>K.</text:span> Example</text:h>
<text:h text:outline-level="2">Experience</text:h>
<table:table><table:table-columns><table:table-column/></table:table-columns>
  <table:table-row>
    <table:table-cell><text:p>Crisis Worker, Example Mobile Crisis Unit</text:p></table:table-cell>
    <table:table-cell><text:p>2018 - 2023</text:p></table:table-cell>
  </table:table-row>
</table:table>
<text:list>
  <text:list-item><text:p>Went out with the mobile crisis unit to people threatening suicide<text:s/>and
  made safety plans with them.<office:annotation><text:p>reviewer note</text:p></office:annotation></text:p></text:list-item>
  <text:list-item><text:p>Finished <text:span>Crisis Intervention Team</text:span> (CIT) training.</text:p>
    <text:list><text:list-item><text:p>Forty hours, with role play.</text:p></text:list-item></text:list>
  </text:list-item>
</text:list>
<text:p>Frame:<draw:frame><draw:text-box><text:p>Volunteer: food bank driver</text:p></draw:text-box></draw:frame></text:p>
<text:h text:outline-level="2">Skills</text:h>
<text:p>Spanish<text:tab/>typing<text:line-break/>first aid</text:p>
"""
ODT_LINES = [
    "drew.example@example.com | 555-0110",
    "Drew K. Example",
    "Experience",
    "Crisis Worker, Example Mobile Crisis Unit\t2018 - 2023",
    "- Went out with the mobile crisis unit to people threatening suicide and made safety plans with them.",
    "- Finished Crisis Intervention Team (CIT) training.",
    "- Forty hours, with role play.",
    "Frame:",
    "Volunteer: food bank driver",
    "Skills",
    "Spanish\ttyping",
    "first aid",
    "Page footer: references on request",
]


def make_odt(
    body: str = ODT_BODY,
    *,
    mimetype: str = "application/vnd.oasis.opendocument.text",
    content_prefix: str = '<?xml version="1.0" encoding="UTF-8"?>',
    extra: dict[str, bytes] | None = None,
) -> bytes:
    content = (
        f"{content_prefix}<office:document-content {_NS}><office:body><office:text>"
        f"{body}</office:text></office:body></office:document-content>"
    )
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {_NS}>'
        "<office:master-styles><style:master-page>"
        "<style:header><text:p>drew.example@example.com | 555-0110</text:p></style:header>"
        "<style:footer><text:p>Page footer: references on request</text:p></style:footer>"
        "</style:master-page></office:master-styles></office:document-styles>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", "<manifest/>", zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("styles.xml", styles, zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_odt_paragraphs_lists_tables_frames_headers(screener: Screener) -> None:
    doc = read_bytes(make_odt(), "cv.odt")
    assert doc.format == "odt"
    assert doc.text.splitlines() == ODT_LINES
    assert "hostage" not in doc.text and "reviewer note" not in doc.text
    assert counted(screener, doc) == counted(screener, "\n".join(ODT_LINES))
    assert counted(screener, doc)


def test_odt_zip_bomb_is_refused_quickly() -> None:
    bomb = b"<x/>" + b" " * (20 * 1024 * 1024)  # 20 MB of spaces, about 20 KB zipped
    data = make_odt(extra={"Pictures/huge.xml": bomb})
    started = time.monotonic()
    with pytest.raises(LimitExceededError, match="ODT member compresses .* zip bomb") as info:
        read_bytes(data, "bomb.odt")
    assert time.monotonic() - started < 2.0
    assert type(info.value) is LimitExceededError


def test_odt_with_entities_is_refused() -> None:
    prefix = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
    with pytest.raises(CorruptDocumentError, match="DTD"):
        read_bytes(make_odt(content_prefix=prefix), "evil.odt")


def test_odt_without_content_is_corrupt() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with pytest.raises(CorruptDocumentError, match="content.xml"):
        read_bytes(out.getvalue(), "cv.odt")


def test_odt_truncated_is_corrupt() -> None:
    data = make_odt()
    with pytest.raises(CorruptDocumentError):
        read_bytes(data[: len(data) - 200], "cut.odt")


def test_opendocument_spreadsheet_is_unsupported() -> None:
    data = make_odt(mimetype="application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(UnsupportedFormatError, match="not a text document"):
        read_bytes(data, "table.ods")


def test_odt_broken_xml_does_not_quote_the_resume() -> None:
    data = make_odt(body="<text:p>Secret Person 555-0199</text:p><text:p>")
    with pytest.raises(CorruptDocumentError) as info:
        read_bytes(data, "broken.odt")
    assert "Secret" not in str(info.value)
