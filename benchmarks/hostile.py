"""Deterministic hostile resume files, mixed with good ones, for ``bench_hostile.py``.

Only the standard library is used (and ``corpus.py`` beside this file for the resume texts):
every file comes from a seeded ``random.Random``, so the same ``(n_hostile, n_good, seed)``
always writes the same folder, byte for byte.

Valid seed files of every supported text-layer format (text, Markdown, HTML, JSON Resume,
RTF, PDF, DOCX, ODT) are built here by hand: a PDF of objects and a cross-reference table,
zip packages with fixed timestamps. Hostile files are made from them (truncated, byte-flipped
or otherwise mutated) or written from scratch for one attack each: zip bombs, nested and
entity-declaring XML in DOCX, PDF content that inflates far past the reading bound from a
small file, deeply nested RTF groups, HTML tags of thousands of attributes, bytes that are not
UTF-8, control and bidi characters, lone surrogates, empty files, file names of invalid UTF-8
bytes, newlines or escape sequences, lines dense with skill terms or full of made-up words,
text near the 20 MB size limit, and symlink loops. Images are left out: OCR is given extra
time per page, which this benchmark's time check does not model.

Each hostile kind is a function ``(rng, pool) -> Made``; :data:`KINDS` lists them with their
weights, :data:`RARE_KINDS` the costly ones written a few times only (their count grows
slowly with the number of files). ``write_folder`` writes the mix and returns what it wrote.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import io
import json
import os
import random
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from corpus import iter_corpus  # noqa: E402

__all__ = [
    "FILES_PER_FOLDER",
    "GOOD_FORMATS",
    "KINDS",
    "RARE_KINDS",
    "SEED_FORMATS",
    "Entry",
    "Made",
    "SeedPool",
    "Written",
    "build_seed",
    "iter_entries",
    "rare_counts",
    "write_folder",
]

MIB = 1024 * 1024
#: Files (and links) per subfolder of the written tree.
FILES_PER_FOLDER = 500
#: Formats of the valid seed files, with their suffixes.
SEED_FORMATS: dict[str, str] = {
    "txt": ".txt",
    "md": ".md",
    "html": ".html",
    "json": ".json",
    "rtf": ".rtf",
    "pdf": ".pdf",
    "docx": ".docx",
    "odt": ".odt",
}
#: Formats of the good resumes and their weights (most real batches are mostly PDF and DOCX,
#: but text is the cheapest to screen: the mix keeps every reader busy without slowing the
#: run down to the PDF reader's pace).
GOOD_FORMATS: dict[str, int] = {
    "txt": 55,
    "md": 5,
    "html": 7,
    "json": 5,
    "rtf": 5,
    "pdf": 10,
    "docx": 10,
    "odt": 3,
}
#: Every supported suffix but the image ones (OCR) and .doc (needs antiword), for odd names.
TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".rtf", ".pdf", ".docx", ".odt")
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Made:
    """One hostile file as a kind made it.

    Attributes:
        suffix: The file's suffix (always one the scan walks).
        data: Its bytes (empty for a link).
        variant: Which variant of the kind, to reproduce a finding.
        name_extra: Bytes inserted into the file name (any byte but ``/`` and NUL).
        link: Make a symlink to this target instead of a file.
    """

    suffix: str
    data: bytes = b""
    variant: str = ""
    name_extra: bytes = b""
    link: bytes | None = None


@dataclass(frozen=True)
class Entry:
    """One entry of the written folder.

    Attributes:
        rel: The path below the folder, as bytes (names may hold any byte).
        group: ``good`` or ``hostile``.
        kind: The hostile kind, or the format of a good resume.
        variant: Which variant of the kind.
        data: The bytes to write (empty for links, and once written: see ``size``).
        link: The target of a symlink, or None for a regular file.
        size: Bytes of the file.
    """

    rel: bytes
    group: str
    kind: str
    variant: str
    data: bytes = field(repr=False, default=b"")
    link: bytes | None = None
    size: int = 0

    @property
    def expects_record(self) -> bool:
        """Regular files get a record; the scan skips symlinks that loop or dangle."""
        return self.link is None


# -- valid seed files ---------------------------------------------------------------------------


def _zip(members: list[tuple[str, bytes]], stored: tuple[str, ...] = ()) -> bytes:
    """A zip of ``members`` with fixed timestamps (deterministic bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out.getvalue()


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_document(body: str, prefix: str = "") -> str:
    """``word/document.xml`` around ``body`` (WordprocessingML block content)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prefix}'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    )


def docx_paragraphs(lines: list[str]) -> str:
    return "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{html.escape(line, quote=False)}</w:t></w:r></w:p>'
        for line in lines
    )


def make_docx(document: str | bytes, extra: list[tuple[str, bytes]] | None = None) -> bytes:
    """A minimal DOCX package: content types, the root relationship, the document part."""
    part = document.encode("utf-8") if isinstance(document, str) else document
    members = [
        ("[Content_Types].xml", CONTENT_TYPES.encode()),
        ("_rels/.rels", ROOT_RELS.encode()),
        ("word/document.xml", part),
    ]
    return _zip(members + (extra or []))


ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def make_odt(body: str, prefix: str = "", encoding: str = "utf-8") -> bytes:
    """A minimal ODT: the ``mimetype`` member first and stored, then ``content.xml``."""
    content = (
        f"{prefix}<office:document-content {ODT_NS}><office:body><office:text>{body}"
        "</office:text></office:body></office:document-content>"
    )
    return _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", content.encode(encoding)),
        ],
        stored=("mimetype",),
    )


def build_pdf(objects: list[bytes]) -> bytes:
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
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def pdf_stream(data: bytes, *, flate: bool = True, extra: bytes = b"") -> bytes:
    """A stream object body; ``data`` is given already deflated when ``flate``."""
    head = b"<< /Length %d " % len(data) + (b"/Filter /FlateDecode " if flate else b"")
    return head + extra + b">>\nstream\n" + data + b"\nendstream"


def page_pdf(
    streams: list[bytes], contents: bytes = b"4 0 R", height: int = 792, pdf_objects: int = 0
) -> bytes:
    """One page whose content streams are objects 4, 5, ...; the font is the last object."""
    font = len(streams) + 4
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 %d] " % height
            + b"/Resources << /Font << /F1 %d 0 R >> >> /Contents " % font
            + contents
            + b" >>",
            *streams,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def _pdf_string(line: str) -> bytes:
    data = line.replace("\u2022", "-").encode("latin-1", "replace")
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def pdf_text_ops(lines: list[str], top: int) -> bytes:
    ops = [b"BT /F1 9 Tf 11 TL 36 %d Td" % top]
    ops += [b"(" + _pdf_string(line) + b") Tj T*" for line in lines]
    ops.append(b"ET")
    return b"\n".join(ops) + b"\n"


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF (as tall as the text needs) with the lines in its text layer."""
    height = 72 + 11 * len(lines)
    content = pdf_text_ops(lines, height - 36)
    return page_pdf([pdf_stream(zlib.compress(content, 6))], height=height)


def _rtf_escape(line: str) -> str:
    out = []
    for ch in line:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code if code < 32768 else code - 65536}?")
    return "".join(out)


def make_rtf(lines: list[str]) -> bytes:
    body = "\\par\n".join(_rtf_escape(line) for line in lines)
    return (
        "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0\\fcharset0 Arial;}}\\f0 " + body + "\\par}"
    ).encode()


def make_html(lines: list[str]) -> bytes:
    head, rest = (lines[0], lines[1:]) if lines else ("", [])
    parts = [f"<!DOCTYPE html><html><head><title>{html.escape(head)}</title></head><body>"]
    parts.append(f"<h1>{html.escape(head)}</h1>")
    for line in rest:
        if line.startswith(("- ", "\u2022 ")):
            parts.append(f"<ul><li>{html.escape(line[2:])}</li></ul>")
        elif line:
            parts.append(f"<p>{html.escape(line)}</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts).encode()


def make_json_resume(lines: list[str]) -> bytes:
    head = lines[0] if lines else ""
    value = {
        "basics": {"name": head, "summary": " ".join(lines[1:3])},
        "work": [{"position": "Staff", "name": "Example Agency", "highlights": lines[3:]}],
    }
    return json.dumps(value, ensure_ascii=False, indent=1).encode()


def build_seed(fmt: str, text: str) -> bytes:
    """A valid file of format ``fmt`` (a key of :data:`SEED_FORMATS`) holding ``text``."""
    lines = text.splitlines()
    if fmt == "txt":
        return text.encode()
    if fmt == "md":
        return ("# " + text).encode()
    if fmt == "html":
        return make_html(lines)
    if fmt == "json":
        return make_json_resume(lines)
    if fmt == "rtf":
        return make_rtf(lines)
    if fmt == "pdf":
        return make_pdf(lines)
    if fmt == "docx":
        return make_docx(docx_document(docx_paragraphs(lines)))
    if fmt == "odt":
        return make_odt(
            "".join(f"<text:p>{html.escape(line, quote=False)}</text:p>" for line in lines)
        )
    raise ValueError(f"unknown seed format {fmt!r}")


class SeedPool:
    """A few corpus resumes, as texts and as valid files of every seed format.

    Args:
        seed: Seed of the corpus texts.
        size: Resumes in the pool.
    """

    def __init__(self, seed: int, size: int = 6) -> None:
        self.texts = list(iter_corpus(size, seed))
        self._files: dict[tuple[str, int], bytes] = {}

    def text(self, rng: random.Random) -> str:
        return rng.choice(self.texts)

    def file(self, fmt: str, index: int) -> bytes:
        key = (fmt, index % len(self.texts))
        if key not in self._files:
            self._files[key] = build_seed(fmt, self.texts[key[1]])
        return self._files[key]

    def pick(self, rng: random.Random, formats: tuple[str, ...] = ()) -> tuple[str, bytes]:
        fmt = rng.choice(formats or tuple(SEED_FORMATS))
        return fmt, self.file(fmt, rng.randrange(len(self.texts)))


# -- mutations ----------------------------------------------------------------------------------


def _flip(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        buf[rng.randrange(len(buf))] ^= rng.randint(1, 255)
    return bytes(buf)


def _splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    at, start = rng.randrange(len(data)), rng.randrange(len(other))
    return data[:at] + other[start : start + rng.randint(1, 4096)] + data[at:]


def _repeat(rng: random.Random, data: bytes) -> bytes:
    start = rng.randrange(len(data))
    block = data[start : start + rng.randint(1, 64)]
    return data[:start] + block * rng.choice([2, 50, 2000, 20000]) + data[start:]


_TOKENS = [b"{", b"}", b"<", b">", b"\\", b"(", b")", b"[", b"]", b"\x00", b"\\ud800", b"obj"]


def _insert(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data))
    noise = rng.randbytes(rng.randint(1, 32))
    return data[:at] + rng.choice([noise, rng.choice(_TOKENS) * rng.randint(1, 300)]) + data[at:]


def _delete(rng: random.Random, data: bytes) -> bytes:
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 256) :]


def _simple(rng: random.Random, data: bytes, other: bytes) -> tuple[str, bytes]:
    op = rng.choice(["flip", "splice", "repeat", "insert", "delete"])
    if op == "flip":
        return op, _flip(rng, data)
    if op == "splice":
        return op, _splice(rng, data, other)
    if op == "repeat":
        return op, _repeat(rng, data)
    if op == "insert":
        return op, _insert(rng, data)
    return op, _delete(rng, data)


def _in_zip_member(rng: random.Random, data: bytes, other: bytes) -> tuple[str, bytes]:
    """Mutate the uncompressed bytes of one XML member and zip the package again."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        infos = src.infolist()
        target = rng.choice([i for i in infos if i.filename.endswith(".xml")] or infos)
        members = []
        op = "none"
        for info in infos:
            content = src.read(info)
            if info is target and content:
                op, content = _simple(rng, content, other)
            members.append((info.filename, content))
    return f"zip:{target.filename}:{op}", _zip(members, stored=("mimetype",))


def _in_pdf_stream(rng: random.Random, data: bytes, other: bytes) -> tuple[str, bytes]:
    """Mutate the inflated page content of a seed PDF and build the file again."""
    start = data.index(b"stream\n") + len(b"stream\n")
    end = data.index(b"\nendstream", start)
    content = zlib.decompress(data[start:end])
    op, content = _simple(rng, content, other)
    return f"pdf-content:{op}", page_pdf([pdf_stream(zlib.compress(content, 6))], height=1200)


# -- the hostile kinds --------------------------------------------------------------------------


def k_truncated(rng: random.Random, pool: SeedPool) -> Made:
    fmt, seed = pool.pick(rng)
    cut = rng.randrange(1, len(seed))
    return Made(SEED_FORMATS[fmt], seed[:cut], f"{fmt} cut at {cut}/{len(seed)}")


def k_byte_flipped(rng: random.Random, pool: SeedPool) -> Made:
    fmt, seed = pool.pick(rng)
    return Made(SEED_FORMATS[fmt], _flip(rng, seed), fmt)


def k_mutated(rng: random.Random, pool: SeedPool) -> Made:
    fmt, seed = pool.pick(rng)
    _, other = pool.pick(rng)
    if fmt in ("docx", "odt") and rng.random() < 0.6:
        how, data = _in_zip_member(rng, seed, other)
    elif fmt == "pdf" and rng.random() < 0.5:
        how, data = _in_pdf_stream(rng, seed, other)
    else:
        how, data = _simple(rng, seed, other)
    if rng.random() < 0.2 and data:
        second, data = _simple(rng, data, other)
        how += "+" + second
    return Made(SEED_FORMATS[fmt], data, f"{fmt} {how}")


@functools.cache
def _spaces_docx(mib: int) -> bytes:
    """A DOCX whose document part is ``mib`` MiB, mostly one run of spaces (ratio ~1000:1)."""
    head = docx_document("").split("<w:body>")[0] + '<w:body><w:p><w:r><w:t xml:space="preserve">'
    tail = "CIT training</w:t></w:r></w:p></w:body></w:document>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS)):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
        info = zipfile.ZipInfo("word/document.xml", date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            member.write(head.encode())
            block = b" " * MIB
            for _ in range(mib):
                member.write(block)
            member.write(tail.encode())
    return out.getvalue()


@functools.cache
def _many_members_docx(count: int, size: int) -> bytes:
    filler = b"<x/>" + b" " * size
    extra = [(f"word/media/part{i:05d}.xml", filler) for i in range(count)]
    return make_docx(docx_document(docx_paragraphs(["CIT training"])), extra)


def k_zip_bomb_docx(rng: random.Random, pool: SeedPool) -> Made:
    variant = rng.choice(["ratio", "ratio", "members", "total"])
    if variant == "ratio":
        mib = rng.choice([8, 32, 128])
        return Made(".docx", _spaces_docx(mib), f"one member of {mib} MiB of spaces")
    if variant == "members":
        return Made(".docx", _many_members_docx(2_500, 0), "2,500 members")
    # Every member under the 1 MiB floor of the ratio check, 300 of them: 270 MiB in all.
    return Made(".docx", _many_members_docx(300, 900 * 1024), "300 members of 0.9 MiB")


def k_deep_xml_docx(rng: random.Random, pool: SeedPool) -> Made:
    depth = rng.choice([30, 200, 255, 300, 5_000, 100_000])
    element = rng.choice(["sdt", "tbl", "r"])
    if element == "sdt":
        opening, closing = "<w:sdt><w:sdtContent>", "</w:sdtContent></w:sdt>"
    elif element == "tbl":
        opening, closing = "<w:tbl><w:tr><w:tc>", "<w:p/></w:tc></w:tr></w:tbl>"
    else:
        opening, closing = "<w:p><w:r>", "</w:r></w:p>"
    inner = docx_paragraphs(["Completed CIT training"])
    body = opening * depth + inner + closing * depth
    return Made(".docx", make_docx(docx_document(body)), f"{element} nested {depth} deep")


_LAUGHS = (
    '<!DOCTYPE w:document [<!ENTITY a "CIT CIT CIT CIT CIT CIT CIT CIT CIT CIT">'
    + "".join(
        f'<!ENTITY {b} "{("&" + a + ";") * 10}">'
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "]>"
)
_XXE = '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///nonexistent/secret">]>'


def k_dtd_docx(rng: random.Random, pool: SeedPool) -> Made:
    which = rng.choice(["laughs", "xxe"])
    dtd = _LAUGHS if which == "laughs" else _XXE
    use = "&i;" if which == "laughs" else "&x;"
    where = rng.choice(["document", "document-utf16", "content-types", "odt"])
    body = docx_paragraphs(["Completed CIT training"]) + f"<w:p><w:r><w:t>{use}</w:t></w:r></w:p>"
    if where == "document":
        data = make_docx(docx_document(body, prefix=dtd))
    elif where == "document-utf16":
        codec = rng.choice(["utf-16-le", "utf-16-be", "utf-16"])
        part = docx_document(body, prefix=dtd).replace('encoding="UTF-8"', 'encoding="UTF-16"')
        data = make_docx(part.encode(codec))
    elif where == "content-types":
        types = CONTENT_TYPES.replace(
            "?><Types", "?>" + dtd.replace("w:document", "Types") + "<Types"
        )
        data = _zip(
            [
                ("[Content_Types].xml", types.encode()),
                ("_rels/.rels", ROOT_RELS.encode()),
                ("word/document.xml", docx_document(docx_paragraphs(["CIT"])).encode()),
            ]
        )
    else:
        data = make_odt(
            f"<text:p>CIT training {use}</text:p>",
            prefix='<?xml version="1.0"?>' + dtd.replace("w:document", "office:document-content"),
        )
        return Made(".odt", data, f"{which} in odt")
    return Made(".docx", data, f"{which} in {where}")


TEXT_OP = b"BT /F1 12 Tf 72 720 Td (Completed CIT training) Tj ET\n"


@functools.cache
def _pdf_content_bomb(mib: int) -> bytes:
    packer = zlib.compressobj(9)
    parts = [packer.compress(TEXT_OP)]
    block = b"q Q " * (MIB // 4)
    parts += [packer.compress(block) for _ in range(mib)]
    parts.append(packer.flush())
    return page_pdf([pdf_stream(b"".join(parts))])


@functools.cache
def _pdf_many_refs(times: int) -> bytes:
    big = pdf_stream(zlib.compress(TEXT_OP + b" " * (2 * MIB), 9))
    return page_pdf([big], contents=b"[" + b"4 0 R " * times + b"]")


def k_pdf_bomb(rng: random.Random, pool: SeedPool) -> Made:
    if rng.random() < 0.3:
        times = rng.choice([20, 100, 1000])
        return Made(".pdf", _pdf_many_refs(times), f"a 2 MiB stream listed {times} times")
    mib = rng.choice([40, 64, 128])
    return Made(".pdf", _pdf_content_bomb(mib), f"content inflating to {mib} MiB")


def k_deep_rtf(rng: random.Random, pool: SeedPool) -> Made:
    variant = rng.choice(["fonttbl", "body", "unclosed", "wide"])
    n = rng.choice([257, 1_000, 20_000, 50_000])
    if variant == "fonttbl":
        text = "{\\rtf1{\\fonttbl" + "{\\f0 " * n + "}" * n + "}CIT training\\par}"
    elif variant == "body":
        text = "{\\rtf1 " + "{" * n + "CIT training" + "}" * n + "}"
    elif variant == "unclosed":
        text = "{\\rtf1 " + "{\\b " * n + "CIT training"
    else:
        n *= 4
        text = "{\\rtf1 " + "{\\b x}" * n + "}"
    return Made(".rtf", text.encode(), f"{variant} {n}")


def k_html_hostile(rng: random.Random, pool: SeedPool) -> Made:
    variant = rng.choice(["attributes", "unclosed-tags", "open-comment", "deep", "long-attr"])
    n = rng.choice([1_001, 20_000, 100_000])
    if variant == "attributes":
        text = "<html><body><p " + "a=b " * n + ">CIT training</p></body></html>"
    elif variant == "unclosed-tags":
        text = "<html><body><p>CIT training</p>" + "<a" * n
    elif variant == "open-comment":
        text = "<html><body><p>CIT training</p><!--" + "<p>x" * n
    elif variant == "deep":
        text = "<html><body>" + "<div>" * n + "CIT training" + "</div>" * n + "</body></html>"
    else:
        n *= 20
        text = f'<html><body><img src="data:image/png;base64,{"A" * n}"><p>CIT training</p>'
    return Made(".html", text.encode(), f"{variant} {n}")


_NON_UTF8_LINES = [
    "José Müller – naïve café résumé, Zürich",
    "Ærøskøbing crisis intervention 5150 holds",
    "Łódź — de-escalation training, ½ day",
]


def k_non_utf8(rng: random.Random, pool: SeedPool) -> Made:
    variant = rng.choice(["cp1252", "shift_jis", "koi8_r", "utf16-nobom", "random", "mixed"])
    text = pool.text(rng)
    suffix = rng.choice([".txt", ".md", ".html", ".json"])
    if variant == "cp1252":
        data = ("\n".join(_NON_UTF8_LINES) + "\n" + text).encode("cp1252", "replace")
    elif variant == "shift_jis":
        data = ("危機介入チーム CIT 研修を修了\n" * 20 + text).encode("shift_jis", "replace")
    elif variant == "koi8_r":
        data = ("Кризисное вмешательство CIT, деэскалация\n" * 20 + text).encode(
            "koi8_r", "replace"
        )
    elif variant == "utf16-nobom":
        data = text.encode(rng.choice(["utf-16-le", "utf-16-be"]))
    elif variant == "random":
        data = rng.randbytes(rng.choice([16, 1_024, 65_536, 1_048_576]))
        # Never an image signature: images go to OCR, which this benchmark leaves out.
        data = b"x" + data[1:]
    else:
        bad = [b"\xc3\x28", b"\xa0\xa1", b"\xf0\x28\x8c\x28", b"\xc0\xaf", b"\xff", b"\xfe\xfe"]
        lines = text.encode().split(b"\n")
        for _ in range(rng.randint(1, 40)):
            i = rng.randrange(len(lines))
            lines[i] = lines[i] + rng.choice(bad)
        data = b"\n".join(lines)
    return Made(suffix, data, f"{variant} as {suffix}")


_CONTROLS = [
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x1b[31m",
    "\x00",
    "\x07",
    "\x08\x08\x08",
    "\x9b31m",
    "\u202e",
    "\u202dCIT\u202c",
    "\u2066",
    "\u2069",
    "\u200b",
    "\ufeff",
    "\r",
    "\x0c",
    "\x85",
    "\u2028",
]


def k_control_chars(rng: random.Random, pool: SeedPool) -> Made:
    lines = pool.text(rng).splitlines()
    density = rng.choice([1, 5, 50, 400])
    for _ in range(density):
        i = rng.randrange(len(lines))
        at = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:at] + rng.choice(_CONTROLS) + lines[i][at:]
    fmt = rng.choice(["txt", "md", "html", "json", "rtf", "docx"])
    if fmt == "docx":
        # XML 1.0 cannot hold C0 controls at all: keep the ones it can.
        lines = ["".join(c for c in line if c >= " " or c == "\t") for line in lines]
    text = "\n".join(lines)
    data = text.encode("utf-8") if fmt in ("txt", "md") else build_seed(fmt, text)
    return Made(SEED_FORMATS[fmt], data, f"{density} controls in {fmt}")


def k_surrogates(rng: random.Random, pool: SeedPool) -> Made:
    variant = rng.choice(["utf8-encoded", "cesu-pair", "json-escape", "html-ref", "rtf-u", "pdf"])
    text = pool.text(rng)
    if variant in ("utf8-encoded", "cesu-pair"):
        bad = b"\xed\xa0\x80" if variant == "utf8-encoded" else b"\xed\xa0\xbd\xed\xb8\x80"
        lines = text.encode().split(b"\n")
        for _ in range(rng.randint(1, 10)):
            i = rng.randrange(len(lines))
            lines[i] += bad
        return Made(".txt", b"\n".join(lines), variant)
    if variant == "json-escape":
        value = {
            "basics": {"name": "Ann \\ud800"},
            "work": [{"summary": "CIT trained \\udfff \\ud800\\ud800 \\udc00x"}],
        }
        data = json.dumps(value).replace("\\\\u", "\\u").encode()
        return Made(".json", data, variant)
    if variant == "html-ref":
        return Made(
            ".html",
            b"<html><body><p>CIT &#xd800; training &#55296;&#57343; &#x110000; &#0;</p>"
            b"</body></html>",
            variant,
        )
    if variant == "rtf-u":
        return Made(".rtf", b"{\\rtf1 CIT \\u-10179? \\u-8704?\\u-10179? training\\par}", variant)
    content = b"BT /F1 12 Tf 72 720 Td (\xfe\xff\xd8\x00\x00C\x00I\x00T) Tj ET\n"
    return Made(".pdf", page_pdf([pdf_stream(zlib.compress(content))]), variant)


_EMPTY: list[tuple[str, bytes, str]] = [
    (".txt", b"", "zero bytes"),
    (".pdf", b"", "zero bytes"),
    (".docx", b"", "zero bytes"),
    (".json", b"", "zero bytes"),
    (".txt", b" \n\t\r\n  \n", "whitespace"),
    (".txt", b"\xef\xbb\xbf", "utf-8 BOM only"),
    (".md", b"\xff\xfe", "utf-16 BOM only"),
    (".txt", b"\x00" * 64, "NUL bytes"),
    (".json", b"{}", "empty object"),
    (".json", b"null", "null"),
    (".html", b"<html></html>", "empty html"),
    (".rtf", b"{\\rtf1}", "empty rtf"),
    (".pdf", b"%PDF-1.4\n%%EOF\n", "pdf header only"),
]


def k_empty(rng: random.Random, pool: SeedPool) -> Made:
    suffix, data, variant = rng.choice(_EMPTY)
    if rng.random() < 0.15:
        return Made(".docx", make_docx(docx_document("")), "docx with no paragraphs")
    if rng.random() < 0.1:
        return Made(".odt", make_odt(""), "odt with no paragraphs")
    return Made(suffix, data, variant)


# Bytes that are not UTF-8 (records escape them and give the name's bytes in hex).
_NAME_UNDECODABLE = [b"\xff\xfe", b"\x80", b"\xc3\x28", b"\xed\xa0\x80", b"\xe9t\xe9"]
# Characters a terminal or a log line acts on.
_NAME_CONTROLS = [
    b"\n",
    b"\r\n",
    b"\t",
    b"\x1b[2J",
    b"\x1b]0;x\x07",
    "\u202efdp.exe".encode(),
    b"\x7f",
]
# Valid UTF-8 that a careless script would trip on.
_NAME_OTHER = [
    b" ",
    b" --help ",
    b"$(id)",
    b"%s%n",
    b"'\";",
    "名前".encode(),
    "\u0301\u0301".encode(),
]


def k_odd_name(rng: random.Random, pool: SeedPool) -> Made:
    parts = [rng.choice(_NAME_CONTROLS)]
    if rng.random() < 0.6:
        parts.append(rng.choice(_NAME_UNDECODABLE))
    parts += [rng.choice(_NAME_OTHER) for _ in range(rng.randint(0, 2))]
    rng.shuffle(parts)
    if rng.random() < 0.1:
        parts.append(b"x" * 180)  # with the prefix and suffix, close to the 255-byte name limit
    suffix = rng.choice(TEXT_SUFFIXES)
    fmt = {".htm": "html"}.get(suffix, suffix[1:])
    data = pool.file(fmt, rng.randrange(len(pool.texts)))
    extra = b"".join(parts)
    return Made(suffix, data, f"name {extra!r}", name_extra=extra)


_SKILL_TERMS = [
    "CIT",
    "crisis intervention",
    "de-escalation",
    "5150 hold",
    "mobile crisis team",
    "co-responder",
    "MHFA",
    "ASIST",
    "QPR",
    "suicide prevention",
    "safety planning",
    "Baker Act",
    "emergency detention",
    "EDP",
    "ICAT",
    "CPI",
    "988 lifeline",
    "crisis counseling",
    "verbal de-escalation",
    "psychiatric emergency",
]


def k_skill_dense(rng: random.Random, pool: SeedPool) -> Made:
    variant = rng.choice(["lines", "one-line", "repeated-acronym", "comma-list"])
    size = rng.choice([1_024, 16_384, 131_072, 307_200])
    parts: list[str] = []
    total = 0
    while total < size:
        if variant == "repeated-acronym":
            piece = "CIT " * 50
        else:
            words = rng.sample(_SKILL_TERMS, len(_SKILL_TERMS))
            piece = (", " if variant == "comma-list" else " ").join(words)
        parts.append(piece)
        total += len(piece) + 1
    text = (" " if variant == "one-line" else "\n").join(parts) + "\n"
    return Made(".txt", text.encode(), f"{variant} {size}")


def made_up_word(n: int) -> str:
    """The ``n``-th of distinct made-up words of letters only, never a lexicon word."""
    letters, out = "bcdfghjklmnpqrstvwxz", ""
    while True:
        n, r = divmod(n, len(letters))
        out += letters[r]
        if n == 0:
            return out + "quorvex"


def made_up_text(rng: random.Random, size: int, words: int = 80) -> str:
    """Lines that pass the screener's gate ("CIT") full of words never seen before."""
    lines, total, n = ["Pat Example", "EXPERIENCE"], 0, rng.randrange(1_000_000)
    while total < size:
        line = "CIT " + " ".join(made_up_word(n + k) for k in range(words))
        n += words
        total += len(line) + 1
        lines.append(line)
    return "\n".join(lines) + "\n"


def k_made_up_words(rng: random.Random, pool: SeedPool) -> Made:
    size = rng.choice([2_048, 8_192, 32_768, 65_536])
    words = rng.choice([8, 80])
    return Made(".txt", made_up_text(rng, size, words).encode(), f"{size} bytes, {words}/line")


def k_mislabelled(rng: random.Random, pool: SeedPool) -> Made:
    variant = rng.choice(["pdf-as", "docx-as", "odt-as", "gzip", "elf", "zip", "ole", "rar"])
    if variant in ("pdf-as", "docx-as", "odt-as"):
        fmt = variant[:-3]
        suffix = rng.choice([s for s in TEXT_SUFFIXES if s[1:] != fmt])
        return Made(suffix, pool.file(fmt, rng.randrange(6)), f"{fmt} named {suffix}")
    noise = rng.randbytes(rng.choice([64, 4_096]))
    if variant == "gzip":
        return Made(".txt", b"\x1f\x8b\x08\x00" + noise, variant)
    if variant == "elf":
        return Made(".md", b"\x7fELF" + noise, variant)
    if variant == "zip":
        return Made(".docx", _zip([("a.txt", b"CIT"), ("b/c.bin", noise)]), "zip, not docx")
    if variant == "ole":
        return Made(".docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + noise, "OLE named .docx")
    return Made(".pdf", b"Rar!\x1a\x07\x00" + noise, variant)


def k_deep_json(rng: random.Random, pool: SeedPool) -> Made:
    variant = rng.choice(["arrays", "objects", "many-entries", "long-string", "huge-number"])
    n = rng.choice([1_000, 100_000])
    if variant == "arrays":
        text = "[" * n + "]" * n
    elif variant == "objects":
        text = '{"work":' * n + "null" + "}" * n
    elif variant == "many-entries":
        # Screening costs about 2 ms per entry: 50,000 of them are a rare kind (slow_screen).
        n //= 100
        work = [{"position": f"Crisis worker {i}", "highlights": ["CIT"]} for i in range(n)]
        text = json.dumps({"basics": {"name": "Pat"}, "work": work})
    elif variant == "long-string":
        text = json.dumps({"basics": {"summary": "CIT" + "x" * (n * 10)}})
    else:
        text = '{"basics": {"name": "Pat"}, "work": [{"startDate": 1e' + "9" * n + "}]}"
    return Made(".json", text.encode(), f"{variant} {n}")


def k_symlink(rng: random.Random, pool: SeedPool) -> Made:
    variant = rng.choice(["self-loop", "dangling", "dir-loop", "parent-loop"])
    if variant == "self-loop":
        return Made(".txt", variant=variant, link=b"")  # filled in with its own name
    if variant == "dangling":
        return Made(".txt", variant=variant, link=b"missing/nowhere.txt")
    if variant == "dir-loop":
        return Made("", variant=variant, link=b".")
    return Made("", variant=variant, link=b"..")


# Rare kinds: costly to write or to read, written a few times per run.


def k_near_limit(rng: random.Random, pool: SeedPool) -> Made:
    line = b"Pat Example worked as a records clerk for the county office.\n"
    size = 19 * MIB + rng.randrange(MIB // 2)
    data = (line * (size // len(line) + 1))[:size]
    return Made(".txt", data, f"{size} bytes of text")


def k_over_limit(rng: random.Random, pool: SeedPool) -> Made:
    line = b"CIT trained records clerk.\n"
    size = 20 * MIB + 1
    return Made(".txt", (line * (size // len(line) + 1))[:size], f"{size} bytes")


def k_slow_screen(rng: random.Random, pool: SeedPool) -> Made:
    # Seconds of screening past any time limit the benchmark uses (the readers' checks do
    # not cover screening), so the pool's watchdog has to stop these.
    if rng.random() < 0.5:
        work = [{"position": f"Crisis worker {i}", "highlights": ["CIT"]} for i in range(50_000)]
        data = json.dumps({"basics": {"name": "Pat"}, "work": work}).encode()
        return Made(".json", data, "JSON Resume of 50,000 work entries")
    # About 4 ms of screening per KiB of these lines (under the 2,000,000 characters read).
    size = rng.choice([1_800_000, 1_950_000])
    return Made(".txt", made_up_text(rng, size, 80).encode(), f"{size} bytes of made-up words")


@functools.cache
def _pdf_total_bomb(mib: int) -> bytes:
    packer = zlib.compressobj(9)
    zeros = bytes(MIB)
    blob = b"".join([*(packer.compress(zeros) for _ in range(mib)), packer.flush()])
    font_file = pdf_stream(blob, extra=b"/Length1 %d " % (mib * MIB))
    return page_pdf([pdf_stream(zlib.compress(TEXT_OP)), font_file])


def k_pdf_inflate_total(rng: random.Random, pool: SeedPool) -> Made:
    return Made(".pdf", _pdf_total_bomb(300), "an unused stream inflating to 300 MiB")


Kind = Callable[[random.Random, SeedPool], Made]

#: The hostile kinds written throughout, with their weights.
KINDS: dict[str, tuple[int, Kind]] = {
    "truncated": (10, k_truncated),
    "byte_flipped": (10, k_byte_flipped),
    "mutated": (14, k_mutated),
    "zip_bomb_docx": (4, k_zip_bomb_docx),
    "deep_xml_docx": (3, k_deep_xml_docx),
    "dtd_docx": (4, k_dtd_docx),
    "pdf_bomb": (4, k_pdf_bomb),
    "deep_rtf": (4, k_deep_rtf),
    "html_hostile": (5, k_html_hostile),
    "non_utf8": (6, k_non_utf8),
    "control_chars": (6, k_control_chars),
    "surrogates": (5, k_surrogates),
    "empty": (4, k_empty),
    "odd_name": (6, k_odd_name),
    "skill_dense": (5, k_skill_dense),
    "made_up_words": (5, k_made_up_words),
    "mislabelled": (3, k_mislabelled),
    "deep_json": (3, k_deep_json),
    "symlink": (1, k_symlink),
}

#: Costly kinds: ``(at most, one per this many hostile files)``; at least one each.
RARE_KINDS: dict[str, tuple[int, int, Kind]] = {
    "near_limit": (4, 2_500, k_near_limit),
    "over_limit": (2, 5_000, k_over_limit),
    "slow_screen": (6, 2_000, k_slow_screen),
    "pdf_inflate_total": (3, 4_000, k_pdf_inflate_total),
}


def rare_counts(n_hostile: int) -> dict[str, int]:
    """How many files of each rare kind ``n_hostile`` hostile files include."""
    if n_hostile < len(KINDS) + len(RARE_KINDS):
        return {}
    return {k: min(most, max(1, n_hostile // per)) for k, (most, per, _) in RARE_KINDS.items()}


def _schedule(rng: random.Random, n_hostile: int, n_good: int) -> list[str | None]:
    """The kind of each entry in walk order; None for a good resume.

    Every common kind at least once (when there is room), the rest by weight, good resumes
    interleaved at random; rare kinds spread evenly over the run, so a run stopped part-way
    has met some of them.
    """
    common = list(KINDS)
    rare = rare_counts(n_hostile)
    n_common = n_hostile - sum(rare.values())
    kinds: list[str | None] = list(common[:n_common])
    weights = [KINDS[k][0] for k in common]
    kinds += rng.choices(common, weights, k=max(0, n_common - len(kinds)))
    kinds += [None] * n_good
    rng.shuffle(kinds)
    total = len(kinds) + sum(rare.values())
    spots: list[tuple[int, str]] = []
    for name, count in rare.items():
        spots += [(int((i + 0.5) * total / count), name) for i in range(count)]
    for at, name in sorted(spots):
        kinds.insert(min(at, len(kinds)), name)
    return kinds


def iter_entries(n_hostile: int, n_good: int, seed: int = 0) -> Iterator[Entry]:
    """Yield the entries of the folder, in walk order (deterministic for the arguments)."""
    rng = random.Random(seed)
    pool = SeedPool(seed + 7)
    schedule = _schedule(rng, n_hostile, n_good)
    good_texts = iter_corpus(n_good, seed + 1)
    good_formats, good_weights = list(GOOD_FORMATS), list(GOOD_FORMATS.values())
    for seq, kind in enumerate(schedule):
        folder = b"%03d/" % (seq // FILES_PER_FOLDER)
        if kind is None:
            fmt = rng.choices(good_formats, good_weights)[0]
            data = build_seed(fmt, next(good_texts))
            name = b"%06d_good%s" % (seq, SEED_FORMATS[fmt].encode())
            yield Entry(folder + name, "good", fmt, "", data, size=len(data))
            continue
        make = KINDS[kind][1] if kind in KINDS else RARE_KINDS[kind][2]
        made = make(random.Random(rng.getrandbits(64)), pool)
        stem = b"%06d_%s" % (seq, kind.encode())
        name = stem + made.name_extra + made.suffix.encode()
        link = made.link
        if link == b"":
            link = name  # a link to itself
        yield Entry(folder + name, "hostile", kind, made.variant, made.data, link, len(made.data))


@dataclass
class Written:
    """What :func:`write_folder` wrote.

    Attributes:
        root: The folder, as given.
        entries: Each entry by the path the scan walks it as (``os.fsdecode`` of its bytes),
            without its bytes (``size`` says how many there were).
        bytes_written: Total size of the files.
    """

    root: str
    entries: dict[str, Entry]
    bytes_written: int

    def expected(self) -> dict[str, Entry]:
        """The entries that must get exactly one record (regular files)."""
        return {p: e for p, e in self.entries.items() if e.expects_record}


def write_folder(
    root: str | os.PathLike[str], n_hostile: int, n_good: int, seed: int = 0
) -> Written:
    """Write ``n_hostile`` hostile files and ``n_good`` good resumes under ``root``.

    The folder holds numbered subfolders of :data:`FILES_PER_FOLDER` entries each. ``root``
    must not exist yet or be empty.
    """
    top = os.fspath(root)
    raw_top = os.fsencode(top)
    os.makedirs(top, exist_ok=True)
    entries: dict[str, Entry] = {}
    total = 0
    made_dirs: set[bytes] = set()
    for entry in iter_entries(n_hostile, n_good, seed):
        folder, _, name = entry.rel.rpartition(b"/")
        directory = os.path.join(raw_top, folder)
        if folder not in made_dirs:
            os.makedirs(directory, exist_ok=True)
            made_dirs.add(folder)
        path = os.path.join(directory, name)
        if entry.link is not None:
            os.symlink(entry.link, path)
        else:
            with open(path, "wb") as handle:
                handle.write(entry.data)
            total += len(entry.data)
        # The scan walks the folder given as text: names come back with surrogate escapes.
        entries[os.path.join(top, os.fsdecode(entry.rel))] = dataclasses.replace(entry, data=b"")
    return Written(top, entries, total)
