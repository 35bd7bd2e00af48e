"""Hostile files inside the readers: every loop bounded in time, decompression bombs refused.

Each test builds a real file of its format (hand-written PDF objects, python-docx, zipfile,
RTF and HTML text) and reproduces one failure found under attack: a reader that ran for
minutes, a PDF that inflated to gigabytes, a DTD hidden in UTF-16, an untyped exception.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod

from crisis_screen import Screener
from crisis_screen.errors import CorruptDocumentError, LimitExceededError
from crisis_screen.extract import ExtractionLimits, read_bytes

SRC = str(Path(__file__).resolve().parents[1] / "src")
# In every hostile file; no error message may contain it.
SECRET = "Zelda"
TEXT_OP = f"BT /F1 12 Tf 72 720 Td ({SECRET} Quill completed CIT training) Tj ET\n".encode()
MIB = 1024 * 1024
# Generous bound for "stopped at the time limit": the old readers ran for minutes.
SLACK = 3.0


def _assert_clean(exc: BaseException) -> None:
    assert SECRET not in str(exc)
    assert "\n" not in str(exc)


# ---------------------------------------------------------------- hand-written PDFs


def build_pdf(objects: list[bytes], *, root: int = 1) -> bytes:
    """A PDF whose object ``i + 1`` is ``objects[i]``, with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, root, xref)
    )
    return out.getvalue()


def stream(data: bytes, *, filters: bytes = b"/FlateDecode", extra: bytes = b"") -> bytes:
    """A stream object body; ``data`` is given already encoded for ``filters``."""
    head = b"<< /Length %d " % len(data) + (b"/Filter " + filters + b" " if filters else b"")
    return head + extra + b">>\nstream\n" + data + b"\nendstream"


def page_pdf(
    content_objects: list[bytes], contents: bytes = b"4 0 R", xobjects: bytes = b""
) -> bytes:
    """One page whose content streams are objects 4, 5, ...; font is the last object."""
    font = len(content_objects) + 4
    resources = b"<< /Font << /F1 %d 0 R >> " % font
    if xobjects:
        resources += b"/XObject << " + xobjects + b" >> "
    resources += b">>"
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
            + resources
            + b" /Contents "
            + contents
            + b" >>",
            *content_objects,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def flate(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def test_hand_written_pdf_reads() -> None:
    doc = read_bytes(page_pdf([stream(flate(TEXT_OP))]), "cv.pdf")
    assert "completed CIT training" in doc.text


def test_pdf_decompression_bomb_is_refused_with_default_limits() -> None:
    # 40 MiB of operators (over the 32 MiB default) in a 40 KB file.
    data = page_pdf([stream(flate(TEXT_OP + b"q Q " * (10 * MIB)))])
    assert len(data) < 200_000
    with pytest.raises(LimitExceededError, match="page content inflates to more than") as info:
        read_bytes(data, "bomb.pdf")
    _assert_clean(info.value)


def test_pdf_bomb_does_not_grow_memory(tmp_path: Path) -> None:
    # Text operators cost PDFium about 20 times their size: before the scan, this 40 MiB
    # content took a process over 800 MB. Measured in a fresh interpreter.
    unit = b"BT /F1 1 Tf (A) Tj ET\n"
    path = tmp_path / "bomb.pdf"
    path.write_bytes(page_pdf([stream(flate(TEXT_OP + unit * (40 * MIB // len(unit))))]))
    code = (
        "import resource, sys\n"
        "from crisis_screen.errors import LimitExceededError\n"
        "from crisis_screen.extract import read_document\n"
        "import pypdfium2\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    read_document(sys.argv[1])\n"
        "    print('read')\n"
        "except LimitExceededError as exc:\n"
        "    print('refused', exc.reason)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=True,
    )
    verdict, grown_mb = proc.stdout.splitlines()
    assert verdict.startswith("refused PDF page content inflates")
    assert int(grown_mb) < 100


def test_pdf_streams_that_inflate_past_the_total_are_refused() -> None:
    # Not page content (an unreferenced "font file"), but inflated all the same.
    blob = stream(flate(b"\0" * (16 * MIB)), extra=b"/Length1 16777216 ")
    data = page_pdf([stream(flate(TEXT_OP)), blob])
    limits = ExtractionLimits(max_pdf_inflated_bytes=8 * MIB)
    with pytest.raises(LimitExceededError, match="PDF streams inflate to more than 8388608"):
        read_bytes(data, "bomb.pdf", limits=limits)
    assert "CIT training" in read_bytes(data, "ok.pdf").text  # within the default total


@pytest.mark.parametrize(("times", "refused"), [(3, False), (20, True)])
def test_pdf_content_stream_listed_many_times_counts_each_time(times: int, refused: bool) -> None:
    # A 5 KB file listing one 2 MiB stream a hundred times took PDFium to 0.8 GB.
    data = page_pdf(
        [stream(flate(TEXT_OP + b" " * (2 * MIB)))], contents=b"[" + b"4 0 R " * times + b"]"
    )
    limits = ExtractionLimits(max_pdf_content_bytes=8 * MIB)
    if refused:
        with pytest.raises(LimitExceededError, match="page content inflates"):
            read_bytes(data, "refs.pdf", limits=limits)
    else:
        assert "CIT training" in read_bytes(data, "refs.pdf", limits=limits).text


def test_pdf_indirect_contents_array_is_followed() -> None:
    big = stream(flate(TEXT_OP + b" " * (2 * MIB)))
    array = b"[" + b"4 0 R " * 20 + b"]"
    data = page_pdf([big, array], contents=b"5 0 R")
    with pytest.raises(LimitExceededError, match="page content inflates"):
        read_bytes(data, "refs.pdf", limits=ExtractionLimits(max_pdf_content_bytes=8 * MIB))


def objstm_pdf(content: bytes, contents: bytes) -> bytes:
    """A PDF 1.5 whose page dictionary lives in a compressed object stream.

    Objects 1 (catalog), 2 (pages), 3 (page) and 5 (font) are in object stream 6; 4 is the
    content stream and 7 the cross-reference stream.
    """
    inner = [
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (
            3,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1"
            b" 5 0 R >> >> /Contents " + contents + b" >>",
        ),
        (5, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
    ]
    header, bodies = [], b""
    for number, body in inner:
        header += [number, len(bodies)]
        bodies += body + b"\n"
    head = " ".join(map(str, header)).encode() + b"\n"
    packed = flate(head + bodies)
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n")
    offsets = {}
    for number, body in (
        (4, stream(flate(content))),
        (6, stream(packed, extra=b"/Type /ObjStm /N %d /First %d " % (len(inner), len(head)))),
    ):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    offsets[7] = out.tell()
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    for number in range(1, 8):
        if number in offsets:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
        else:
            index = [n for n, _ in inner].index(number)
            rows.append(b"\x02" + (6).to_bytes(4, "big") + index.to_bytes(2, "big"))
    table = b"".join(rows)
    out.write(
        b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[7]
    )
    return out.getvalue()


@pytest.mark.parametrize(
    ("contents", "refused"), [(b"4 0 R", False), (b"[" + b"4 0 R " * 20 + b"]", True)]
)
def test_pdf_page_dictionaries_in_object_streams_are_read(contents: bytes, refused: bool) -> None:
    # The page (and its /Contents list) is compressed inside an object stream.
    data = objstm_pdf(TEXT_OP + b" " * (2 * MIB), contents)
    assert b"/Contents" not in data
    limits = ExtractionLimits(max_pdf_content_bytes=8 * MIB)
    if refused:
        with pytest.raises(LimitExceededError, match="page content inflates"):
            read_bytes(data, "objstm.pdf", limits=limits)
    else:
        assert "CIT training" in read_bytes(data, "objstm.pdf", limits=limits).text


def test_pdf_stream_holding_the_word_endstream_is_measured_to_its_length() -> None:
    # Stored (level 0) deflate keeps the bytes as they are: the word "endstream" appears
    # inside the data, and PDFium still reads all /Length bytes.
    packer = zlib.compressobj(0)
    data = packer.compress(b"% endstream\n" + TEXT_OP + b" " * (3 * MIB)) + packer.flush()
    pdf = page_pdf([stream(data)])
    assert "CIT training" in read_bytes(pdf, "cv.pdf").text
    with pytest.raises(LimitExceededError, match="page content inflates"):
        read_bytes(pdf, "cv.pdf", limits=ExtractionLimits(max_pdf_content_bytes=2 * MIB))


def test_pdf_stream_keyword_after_a_comment_is_found() -> None:
    # PDFium skips comments between a dictionary and "stream", and the rest of that line.
    body = stream(flate(TEXT_OP + b" " * (3 * MIB)))
    body = body.replace(b">>\nstream\n", b">> % note\nstream  \n", 1)
    pdf = page_pdf([body])
    assert "CIT training" in read_bytes(pdf, "cv.pdf").text
    with pytest.raises(LimitExceededError, match="page content inflates"):
        read_bytes(pdf, "cv.pdf", limits=ExtractionLimits(max_pdf_content_bytes=2 * MIB))


def _form(body: bytes, xobjects: bytes = b"") -> bytes:
    resources = b"/Resources << /Font << /F1 9 0 R >> " + (
        b"/XObject << " + xobjects + b" >> >> " if xobjects else b">> "
    )
    return stream(
        flate(body), extra=b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] " + resources
    )


def _forms_pdf(page_draws: int, a_draws_b: int, b_size: int) -> bytes:
    """Page draws form A; A draws form B; objects: 4 content, 5 A, 6 B, ..., 9 font."""
    content = stream(flate(TEXT_OP + b"/FA Do\n" * page_draws))
    form_a = _form(TEXT_OP + b"/FB Do\n" * a_draws_b, xobjects=b"/FB 6 0 R")
    form_b = _form(TEXT_OP + b" " * b_size)
    filler = b"<< >>"
    return page_pdf([content, form_a, form_b, filler, filler], xobjects=b"/FA 5 0 R")


@pytest.mark.parametrize(
    ("page_draws", "a_draws_b", "refused"), [(2, 2, False), (20, 1, True), (10, 10, True)]
)
def test_pdf_form_xobjects_count_every_drawing(
    page_draws: int, a_draws_b: int, refused: bool
) -> None:
    # PDFium parses a form again each time it is drawn, and the forms drawn inside it.
    data = _forms_pdf(page_draws, a_draws_b, b_size=MIB)
    limits = ExtractionLimits(max_pdf_content_bytes=8 * MIB)
    if refused:
        with pytest.raises(LimitExceededError, match="page content inflates"):
            read_bytes(data, "forms.pdf", limits=limits)
    else:
        assert "CIT training" in read_bytes(data, "forms.pdf", limits=limits).text


def _lzw(data: bytes) -> bytes:
    """LZW as PDF writes it: 9- to 12-bit codes, MSB first, early change."""
    table = {bytes([i]): i for i in range(256)}
    width, bits, nbits, out = 9, 0, 0, bytearray()

    def put(code: int) -> None:
        nonlocal bits, nbits
        bits, nbits = (bits << width) | code, nbits + width
        while nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)

    put(256)
    word = b""
    for byte in data:
        candidate = word + bytes([byte])
        if candidate in table:
            word = candidate
            continue
        put(table[word])
        table[candidate] = len(table) + 2
        word = bytes([byte])
        if len(table) + 1 >= (1 << width) - 1:  # entry 511, 1023, 2047 made: one bit more
            if width == 12:
                put(256)
                table = {bytes([i]): i for i in range(256)}
                width = 9
            else:
                width += 1
    put(table[word])
    put(257)
    if nbits:
        out.append((bits << (8 - nbits)) & 0xFF)
    return bytes(out)


def _run_length(data: bytes) -> bytes:
    out = bytearray()
    for start in range(0, len(data), 128):
        run = data[start : start + 128]
        if run == run[:1] * len(run) and len(run) > 1:
            out += bytes([257 - len(run)]) + run[:1]
        else:
            out += bytes([len(run) - 1]) + run
    return bytes(out + b"\x80")


@pytest.mark.parametrize(
    ("filters", "encode"),
    [
        (b"[/FlateDecode /FlateDecode]", lambda d: flate(flate(d))),
        (b"[/ASCIIHexDecode /FlateDecode]", lambda d: flate(d).hex().encode() + b">"),
        (b"/LZWDecode", _lzw),
        (b"/RunLengthDecode", _run_length),
    ],
)
def test_pdf_filter_chains_are_measured(filters: bytes, encode: Callable[[bytes], bytes]) -> None:
    small = page_pdf([stream(encode(TEXT_OP), filters=filters)])
    assert "CIT training" in read_bytes(small, "cv.pdf").text  # PDFium agrees on the encoding
    bomb = page_pdf([stream(encode(TEXT_OP + b" " * (3 * MIB)), filters=filters)])
    limits = ExtractionLimits(max_pdf_content_bytes=2 * MIB)
    with pytest.raises(LimitExceededError, match="inflates"):
        read_bytes(bomb, "bomb.pdf", limits=limits)


def _encrypted_pdf(lines: int) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    for i in range(lines):
        pdf.cell(0, 5, f"{SECRET} Quill CIT training line {i}", new_x="LMARGIN", new_y="NEXT")
    # No user password: PDFium opens it, and its streams are RC4-encrypted.
    pdf.set_encryption(owner_password="owner", encryption_method=EncryptionMethod.RC4)
    return bytes(pdf.output())


def test_encrypted_pdf_is_measured_on_a_decrypted_copy() -> None:
    data = _encrypted_pdf(50)
    assert b"/Encrypt" in data
    assert "CIT training line 49" in read_bytes(data, "enc.pdf").text
    with pytest.raises(LimitExceededError, match="page content inflates to more than 1000"):
        read_bytes(data, "enc.pdf", limits=ExtractionLimits(max_pdf_content_bytes=1000))


def test_pdf_text_over_max_chars_stops_at_the_page() -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=8)
    for _ in range(5):
        pdf.add_page()
        for i in range(60):
            pdf.cell(0, 4, f"CIT training line {i} " * 4, new_x="LMARGIN", new_y="NEXT")
    with pytest.raises(LimitExceededError, match="exceeds 5000 characters"):
        read_bytes(bytes(pdf.output()), "long.pdf", limits=ExtractionLimits(max_chars=5000))


# ---------------------------------------------------------------- RTF


def test_rtf_of_deeply_nested_font_groups_is_refused() -> None:
    # The attack's file: 300 KB, 50,000 nested font-table groups; 355 s with striprtf.
    n = 50_000
    data = ("{\\rtf1{\\fonttbl" + "{\\f0 " * n + "}" * n + "}" + SECRET + " CIT\\par}").encode()
    assert len(data) > 300_000
    with pytest.raises(LimitExceededError, match="RTF groups nested deeper than 256") as info:
        read_bytes(data, "deep.rtf")
    _assert_clean(info.value)


def test_rtf_with_a_huge_font_table_reads_in_one_pass() -> None:
    # Fonts without a character set made striprtf rescan the rest of the file per font.
    fonts = "".join(f"{{\\f{i} Font{i}}}" for i in range(30_000))
    data = ("{\\rtf1\\ansi{\\fonttbl" + fonts + "}\\f7 " + SECRET + " CIT training\\par}").encode()
    assert read_bytes(data, "fonts.rtf").text == f"{SECRET} CIT training"


def test_rtf_reading_stops_at_the_time_limit() -> None:
    data = ("{\\rtf1 " + "{\\b x}" * 1_500_000 + "}").encode()
    started = time.monotonic()
    with pytest.raises(LimitExceededError, match="time limit of 0.2 s exceeded"):
        read_bytes(data, "slow.rtf", limits=ExtractionLimits(time_limit=0.2))
    assert time.monotonic() - started < 0.2 + SLACK


def test_rtf_text_over_max_chars_stops_early() -> None:
    data = ("{\\rtf1 " + "CIT training. " * 1000 + "}").encode()
    with pytest.raises(LimitExceededError, match="exceeds 2000 characters"):
        read_bytes(data, "long.rtf", limits=ExtractionLimits(max_chars=2000))


@pytest.mark.parametrize(
    ("rtf", "text"),
    [
        (r"{\rtf1\ansi Caf\'e9 CIT\par}", "Café CIT"),
        (
            r"{\rtf1\ansi\ansicpg1251{\fonttbl{\f0\fcharset204 T;}{\f1\fcharset0 A;}}"
            r"\f0 \'cf\'f0\'e8 \f1 caf\'e9\par}",
            "При café",
        ),
        (r"{\rtf1\uc1 A\u8212? B \u-10179?\u-8704? C\par}", "A\u2014 B \U0001f600 C"),
        (r"{\rtf1 lone \u-10179? half\par}", "lone \ufffd half"),
        (
            r"{\rtf1\trowd\cellx100\cellx200 2019\cell Crisis worker\cell\row}",
            "2019\tCrisis worker",
        ),
        (
            r"{\rtf1{\info{\title T}{\author Me}}{\*\generator G;}Body{\pict\bin4 ABCD} end\par}",
            "Body end",
        ),
        (r"{\rtf1{\header Head\par}Main\line next\tab x\emdash y\par}", "Main\nnext\tx\u2014y"),
        (r"{\rtf1 {\field{\*\fldinst HYPERLINK x}{\fldrslt Link}} after\par}", "Link after"),
        (r"{\rtf1\ansi\ansicpg932{\fonttbl{\f0\fcharset128 M;}}\f0 \'93\'fa\'96\'7b\par}", "日本"),
        (r"{\rtf1 before}after the document", "before"),
    ],
)
def test_rtf_reader_keeps_what_the_page_shows(rtf: str, text: str) -> None:
    assert read_bytes(rtf.encode("latin-1"), "cv.rtf").text == text


# ---------------------------------------------------------------- HTML


def test_html_tag_of_millions_of_attributes_is_refused() -> None:
    # The attack's file: "<p " + "a=b " x 2 M; 32 s and 0.6 GB before.
    data = ("<html><body><p " + "a=b " * 2_000_000 + f">{SECRET} CIT</p></body></html>").encode()
    with pytest.raises(LimitExceededError, match="HTML tag with more than 1000 attributes") as info:
        read_bytes(data, "attrs.html")
    _assert_clean(info.value)


@pytest.mark.parametrize(("count", "refused"), [(999, False), (1001, True)])
def test_html_attribute_limit(count: int, refused: bool) -> None:
    attrs = " ".join(f"a{i}=v" for i in range(count))
    data = f"<html><body><p {attrs}>CIT training</p></body></html>".encode()
    if refused:
        with pytest.raises(LimitExceededError, match="attributes"):
            read_bytes(data, "cv.html")
    else:
        assert read_bytes(data, "cv.html").text == "CIT training"


def test_html_with_a_large_inline_image_still_reads() -> None:
    picture = "A" * (3 * MIB)  # base64 of a photo: one long attribute, no spaces
    data = f'<html><body><img src="data:image/png;base64,{picture}"><p>CIT training</p>'
    assert read_bytes(data.encode(), "cv.html").text == "CIT training"


@pytest.mark.parametrize(
    "tail",
    ["<a" * 400_000, "<!--" + "<p>x" * 200_000, "<p title='" + "x" * 300_000, "<!-- a note"],
)
def test_html_unclosed_construct_at_the_end_is_dropped(tail: str) -> None:
    # The standard library parser rescanned the tail once per "<" when closing: minutes.
    data = f"<html><body><p>{SECRET} CIT training</p>{tail}".encode()
    assert read_bytes(data, "cv.html").text == f"{SECRET} CIT training"


def test_html_reading_stops_at_the_time_limit() -> None:
    data = ("<html><body>" + "<b>x</b>" * 1_500_000 + "</body></html>").encode()
    started = time.monotonic()
    with pytest.raises(LimitExceededError, match="time limit of 0.2 s exceeded"):
        read_bytes(data, "slow.html", limits=ExtractionLimits(time_limit=0.2))
    assert time.monotonic() - started < 0.2 + SLACK


# ---------------------------------------------------------------- JSON Resume


def test_json_resume_reading_stops_at_the_time_limit() -> None:
    work = [{"position": f"Crisis worker {i}", "highlights": ["CIT"]} for i in range(100_000)]
    data = json.dumps({"basics": {"name": SECRET}, "work": work}).encode()
    started = time.monotonic()
    with pytest.raises(LimitExceededError, match="time limit of 0.05 s exceeded"):
        read_bytes(data, "slow.json", limits=ExtractionLimits(time_limit=0.05))
    assert time.monotonic() - started < 0.05 + SLACK


def test_json_resume_text_over_max_chars_stops_early() -> None:
    work = [{"position": "Crisis worker", "highlights": ["CIT training"] * 10}] * 100
    data = json.dumps({"work": work}).encode()
    with pytest.raises(LimitExceededError, match="exceeds 3000 characters"):
        read_bytes(data, "long.json", limits=ExtractionLimits(max_chars=3000))


def test_lone_surrogate_in_json_resume_is_replaced(screener: Screener) -> None:
    data = b'{"basics": {"name": "Ann \\ud800"}, "work": [{"summary": "CIT trained \\udfff"}]}'
    doc = read_bytes(data, "cv.json")
    assert "\ufffd" in doc.text
    doc.text.encode("utf-8")  # no lone surrogate left
    result = screener.screen_bytes(data, "cv.json")
    assert result.flagged
    assert all(doc.text[s.start : s.end].strip() for s in doc.sections)


# ---------------------------------------------------------------- DOCX and ODT XML parts


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph(f"{SECRET} Quill, CIT coordinator")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rezip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


DTD = '<!DOCTYPE w:document [<!ENTITY e "expanded">]>'


def _with_dtd(xml: bytes) -> str:
    text = xml.decode("utf-8")
    head, sep, body = text.partition("?>")
    return head + sep + DTD + body if sep else DTD + text


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_docx_part_in_utf16_or_utf32_without_bom_is_refused(encoding: str) -> None:
    base = _docx()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        xml = archive.read("word/document.xml")
    part = _with_dtd(xml).replace('encoding="UTF-8"', f'encoding="{encoding[:6].upper()}"')
    data = _rezip(base, {"word/document.xml": part.encode(encoding)})
    with pytest.raises(CorruptDocumentError, match="declares a DTD or entities") as info:
        read_bytes(data, "evil.docx")
    _assert_clean(info.value)


def test_docx_part_in_an_encoding_that_cannot_be_checked_is_refused() -> None:
    base = _docx()
    part = b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x+AD4-<w:document/>'
    data = _rezip(base, {"word/document.xml": part})
    with pytest.raises(CorruptDocumentError, match=r"encoding that cannot be checked \(UTF-7\)"):
        read_bytes(data, "evil.docx")


def test_docx_xml_part_under_another_name_is_checked_by_its_type() -> None:
    base = _docx()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    override = '<Override PartName="/word/custom.dat" ContentType="application/xml"/>'
    types = types.replace("</Types>", override + "</Types>")
    evil = f'<?xml version="1.0"?>{DTD}<x>&e;</x>'.encode()
    data = _rezip(base, {"[Content_Types].xml": types.encode()}, {"word/custom.dat": evil})
    with pytest.raises(CorruptDocumentError, match="declares a DTD"):
        read_bytes(data, "evil.docx")


def test_docx_svg_image_with_a_doctype_is_not_refused() -> None:
    # Illustrator writes DOCTYPEs into SVGs; images are kept as bytes, never parsed.
    base = _docx()
    svg = b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x"><svg/>'
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    types = types.replace(
        "</Types>", '<Default Extension="svg" ContentType="image/svg+xml"/></Types>'
    )
    data = _rezip(base, {"[Content_Types].xml": types.encode()}, {"word/media/logo.svg": svg})
    assert "CIT coordinator" in read_bytes(data, "cv.docx").text


ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
)


def make_odt(body: str, *, prefix: str = "", encoding: str = "utf-8", styles: str = "") -> bytes:
    content = (
        f"{prefix}<office:document-content {ODT_NS}><office:body><office:text>{body}"
        "</office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content.encode(encoding), zipfile.ZIP_DEFLATED)
        if styles:
            archive.writestr(
                "styles.xml",
                f"<office:document-styles {ODT_NS}><office:master-styles>{styles}"
                "</office:master-styles></office:document-styles>",
                zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


def test_odt_part_in_utf16_without_bom_is_refused() -> None:
    data = make_odt(
        f"<text:p>{SECRET} CIT</text:p>",
        prefix='<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>',
        encoding="utf-16-le",
    )
    with pytest.raises(CorruptDocumentError, match="ODT XML part declares a DTD"):
        read_bytes(data, "evil.odt")


def test_odt_space_count_in_superscript_digits_reads() -> None:
    # "³".isdigit() is True but int("³") raises: the file was reported damaged.
    data = make_odt('<text:p>CIT<text:s text:c="³"/>training<text:s text:c="99999999"/>x</text:p>')
    assert read_bytes(data, "cv.odt").text.startswith("CIT training")


def test_odt_header_lines_are_kept_once_in_linear_time() -> None:
    # Each header line was looked up in a list of the lines kept so far: quadratic.
    pages = "".join(
        f'<style:master-page style:name="p{i}"><style:header><text:p>Header {i}</text:p>'
        f"<text:p>Header {i % 7}</text:p></style:header></style:master-page>"
        for i in range(30_000)
    )
    doc = read_bytes(make_odt("<text:p>CIT training</text:p>", styles=pages), "cv.odt")
    lines = doc.text.splitlines()
    assert lines[:3] == ["Header 0", "Header 1", "Header 2"]
    assert len(lines) == 30_001 and lines[-1] == "CIT training"


# ---------------------------------------------------------------- quantities


@pytest.mark.parametrize(
    ("line", "count"),
    [
        ("Responded to ³6 crisis calls", None),
        ("Responded to ３６ crisis calls", 36),
        ("Responded to 1,200 crisis calls", 1200),
        ("Responded to " + "9" * 5000 + " crisis calls", None),
    ],
)
def test_quantities_read_unicode_digits_and_refuse_the_rest(
    screener: Screener, line: str, count: int | None
) -> None:
    result = screener.screen_text("Completed CIT training. " + line)
    counts = {e.quantities.count for e in result.evidence}
    assert counts == {count}
