"""Document reading: turn a resume file (PDF, DOCX, HTML, RTF, text, JSON Resume) into text.

The format is detected from the content, the file suffix only breaks ties between
text-like formats. Every failure raises an :class:`~crisis_screen.errors.ExtractionError`
subclass whose ``reason`` never quotes the resume::

    from crisis_screen.extract import read_document

    doc = read_document("cv.pdf")
    doc.text, doc.format, doc.page_starts

Heavy libraries (pypdfium2, python-docx, charset-normalizer) are imported only
when a file of their format is read, so importing this package is cheap.
"""

from __future__ import annotations

import os

from crisis_screen.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    ExtractionError,
    LimitExceededError,
    UnsupportedFormatError,
)
from crisis_screen.extract.detect import (
    SUFFIX_FORMATS,
    SUPPORTED_FORMATS,
    is_candidate_file,
    looks_like_html,
    sniff,
)
from crisis_screen.extract.files import load_file
from crisis_screen.extract.limits import Budget, ExtractionLimits
from crisis_screen.extract.text import decode_text, finish_text, split_long_lines
from crisis_screen.models import Document, DocumentFormat, SectionSpan

__all__ = [
    "SUFFIX_FORMATS",
    "SUPPORTED_FORMATS",
    "ExtractionLimits",
    "is_candidate_file",
    "read_bytes",
    "read_document",
]

_DEFAULT_LIMITS = ExtractionLimits()


def read_document(path: str | os.PathLike[str], limits: ExtractionLimits | None = None) -> Document:
    """Read a resume file from disk.

    Args:
        path: The file to read; ``Document.source`` is this path as given.
        limits: Safety limits; the documented defaults of :class:`ExtractionLimits`
            when None.

    Returns:
        The extracted document.

    Raises:
        ExtractionError: The file is missing or unreadable (the base class itself), or a
            subclass for unsupported, empty, encrypted, scanned, corrupt or over-limit
            files. No other exception type escapes.
    """
    limits = limits or _DEFAULT_LIMITS
    try:
        source = os.fspath(path)
    except TypeError:
        raise ExtractionError(repr(path), "not a file path") from None
    if not isinstance(source, str):
        source = os.fsdecode(source)
    loaded = load_file(source, limits, digest=False)
    if loaded.error is not None:
        raise loaded.error
    assert loaded.data is not None
    data = loaded.data
    return _read(data, source, limits)


def read_bytes(
    data: bytes, filename: str = "<bytes>", limits: ExtractionLimits | None = None
) -> Document:
    """Read a resume held in memory.

    Args:
        data: The file's bytes (``bytes``, ``bytearray`` or ``memoryview``).
        filename: Name used as ``Document.source`` and as a hint for text-like formats
            (``.md`` -> markdown, ``.html``); the content decides everything else.
        limits: Safety limits; the documented defaults when None.

    Returns:
        The extracted document.

    Raises:
        ExtractionError: A subclass for unsupported, empty, encrypted, scanned, corrupt or
            over-limit input. No other exception type escapes.
    """
    limits = limits or _DEFAULT_LIMITS
    source = str(filename)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UnsupportedFormatError(source, "read_bytes needs bytes")
    return _read(bytes(data), source, limits)


def _suffix(source: str) -> str:
    return os.path.splitext(source)[1].lower()


def _read(data: bytes, source: str, limits: ExtractionLimits) -> Document:
    budget = Budget(source, limits)
    if len(data) > limits.max_file_bytes:
        raise LimitExceededError(source, f"file is more than {limits.max_file_bytes} bytes")
    if not data:
        raise EmptyDocumentError(source, "empty file")
    kind = "document"
    try:
        kind = sniff(data, source)
        return _read_kind(kind, data, budget)
    except ExtractionError:
        raise
    except RecursionError:
        raise LimitExceededError(source, f"{kind} structure nested too deeply") from None
    except MemoryError:
        raise LimitExceededError(source, f"{kind} needs too much memory") from None
    except Exception as exc:
        # Library errors can quote document content, so only the type name is kept.
        raise CorruptDocumentError(source, f"cannot read {kind} ({type(exc).__name__})") from None


def _read_kind(kind: str, data: bytes, budget: Budget) -> Document:
    source = budget.source
    fmt: DocumentFormat
    sections: tuple[SectionSpan, ...] = ()
    page_starts: tuple[int, ...] = ()
    ocr_pages: tuple[int, ...] = ()
    if kind == "pdf":
        from crisis_screen.extract.pdf import read_pdf

        pdf_pages, ocr_pages = read_pdf(data, budget)
        text, page_starts = _join_pages(pdf_pages, budget)
        fmt = "pdf"
    elif kind == "image":
        from crisis_screen.extract.ocr import read_image

        image_pages = read_image(data, budget)
        text, page_starts = _join_pages(image_pages, budget)
        fmt, ocr_pages = "image", tuple(range(1, len(image_pages) + 1))
    elif kind == "docx":
        from crisis_screen.extract.docx import read_docx

        text, fmt = read_docx(data, budget), "docx"
    elif kind == "odt":
        from crisis_screen.extract.odt import read_odt

        text, fmt = read_odt(data, budget), "odt"
    elif kind == "doc":
        from crisis_screen.extract.doc import read_doc

        text, fmt = read_doc(data, budget), "doc"
    elif kind == "rtf":
        from crisis_screen.extract.rtf import read_rtf

        text, fmt = read_rtf(data, budget), "rtf"
    else:
        text, fmt, sections = _read_textlike(data, budget)
    return Document(
        text=finish_text(text, budget),
        source=source,
        format=fmt,
        page_starts=page_starts,
        sections=sections,
        ocr=bool(ocr_pages),
        ocr_pages=ocr_pages,
    )


def _join_pages(pages: list[str], budget: Budget) -> tuple[str, tuple[int, ...]]:
    """Join page texts with newlines; return the text and each page's start offset."""
    # Split long lines per page first, so the page offsets stay exact.
    pages = [split_long_lines(p, budget.limits.max_line_chars) for p in pages]
    starts: list[int] = []
    offset = 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + 1
    return "\n".join(pages), tuple(starts)


def _read_textlike(
    data: bytes, budget: Budget
) -> tuple[str, DocumentFormat, tuple[SectionSpan, ...]]:
    source = budget.source
    suffix = _suffix(source)
    text, _encoding = decode_text(data, source)
    head = text.lstrip()[:1]
    if head in ("{", "["):
        from crisis_screen.extract.jsonresume import (
            is_json_resume,
            parse_json,
            read_json_resume,
        )

        value = parse_json(text, budget)
        if value is not None:
            if not is_json_resume(value):
                raise UnsupportedFormatError(source, "JSON that is not a JSON Resume document")
            resume_text, spans = read_json_resume(value, budget)
            return resume_text, "json_resume", spans
        if suffix == ".json":
            raise CorruptDocumentError(source, "invalid JSON")
    if suffix not in SUPPORTED_FORMATS["markdown"] and looks_like_html(text, suffix):
        from crisis_screen.extract.html import read_html

        return read_html(text, budget), "html", ()
    if suffix in SUPPORTED_FORMATS["markdown"]:
        return text, "markdown", ()
    return text, "text", ()
