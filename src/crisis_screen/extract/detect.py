"""Format detection by content (magic bytes and structure), with the suffix as a tie-break."""

from __future__ import annotations

import io
import os
import re
import zipfile
from typing import Literal

from crisis_screen.errors import (
    CorruptDocumentError,
    EncryptedDocumentError,
    UnsupportedFormatError,
)

__all__ = ["SUPPORTED_FORMATS", "SUFFIX_FORMATS", "Sniffed", "is_candidate_file", "sniff"]

#: Formats read by :func:`crisis_screen.extract.read_bytes`, with their usual suffixes.
SUPPORTED_FORMATS: dict[str, tuple[str, ...]] = {
    "pdf": (".pdf",),
    "docx": (".docx",),
    "html": (".html", ".htm", ".xhtml"),
    "rtf": (".rtf",),
    "text": (".txt", ".text"),
    "markdown": (".md", ".markdown"),
    "json_resume": (".json",),
    "image": (".png", ".jpg", ".jpeg", ".tif", ".tiff"),
    "doc": (".doc",),
    "odt": (".odt",),
}

#: Suffix (lower case, with dot) -> format name, derived from :data:`SUPPORTED_FORMATS`.
SUFFIX_FORMATS: dict[str, str] = {
    suffix: fmt for fmt, suffixes in SUPPORTED_FORMATS.items() for suffix in suffixes
}

#: What the sniffer can decide from bytes alone; text-like content is refined later.
Sniffed = Literal["pdf", "docx", "odt", "doc", "image", "rtf", "textlike"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Word 97-2003 files hold their text in an OLE stream of this name.
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_ODT_MIMETYPES = (b"application/vnd.oasis.opendocument.text",)
# Images read by OCR (a photo or scan of a resume page).
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
# Signatures of common binary formats, so they fail fast with a clear reason.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF8", "GIF image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf", "7z archive"),
    (b"Rar!", "RAR archive"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
)
_HTML_RE = re.compile(rb"<\s*(!doctype\s+html|html|head|body|p|div|h[1-6]|ul|table)[\s>]", re.I)


def is_candidate_file(path: str | os.PathLike[str]) -> bool:
    """Tell whether a path's suffix is one the readers handle (for directory walkers).

    Hidden files and editor lock files (``~$cv.docx``) are skipped.

    Args:
        path: A file path.

    Returns:
        True when the file name has a supported suffix.
    """
    name = os.path.basename(os.fspath(path))
    if name.startswith((".", "~$")):
        return False
    return os.path.splitext(name)[1].lower() in SUFFIX_FORMATS


def sniff(data: bytes, source: str) -> Sniffed:
    """Decide the container format of ``data`` from its content.

    Args:
        data: The file's bytes (non-empty).
        source: File name for error messages.

    Returns:
        ``"pdf"``, ``"docx"``, ``"odt"``, ``"doc"`` (legacy Word), ``"image"`` (PNG, JPEG,
        TIFF), ``"rtf"`` or ``"textlike"`` (to be decoded and refined).

    Raises:
        UnsupportedFormatError: A known non-resume binary, a zip that is neither DOCX nor
            ODT, or an OLE file that is not a Word document.
        EncryptedDocumentError: A password-protected Office file.
        CorruptDocumentError: A zip that cannot be opened.
    """
    head = data[:1024]
    # PDF readers accept the header anywhere in the first KB (some files carry junk first).
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                # ODF stores its media type uncompressed in a first member "mimetype";
                # read a bounded prefix, never the whole (possibly inflating) member.
                mimetype = b""
                if "mimetype" in names:
                    with archive.open("mimetype") as member:
                        mimetype = member.read(128).strip()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError):
            raise CorruptDocumentError(source, "damaged or truncated zip/DOCX file") from None
        if "word/document.xml" in names or "[Content_Types].xml" in names:
            if "word/document.xml" not in names:
                raise UnsupportedFormatError(
                    source, "Office package that is not a Word document (not DOCX)"
                )
            return "docx"
        if mimetype.startswith(_ODT_MIMETYPES):
            return "odt"
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            raise UnsupportedFormatError(
                source, "OpenDocument file that is not a text document (not ODT)"
            )
        raise UnsupportedFormatError(source, "zip archive, not a DOCX or ODT document")
    if data.startswith(_OLE_MAGIC):
        # Password-protected DOCX files are OLE containers holding an EncryptedPackage stream.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise EncryptedDocumentError(source, "password-protected Office document")
        # A truncated .doc may have lost its directory (and the stream name) with its tail:
        # the suffix decides, and the converter then reports the damage.
        if _WORD_STREAM in data or os.path.splitext(source)[1].lower() == ".doc":
            return "doc"
        raise UnsupportedFormatError(source, "OLE (legacy Office) file that is not a Word document")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"{\\rtf":
        return "rtf"
    if data.startswith(_IMAGE_MAGIC):
        return "image"
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise UnsupportedFormatError(source, f"{what}, not a supported document format")
    return "textlike"


def looks_like_html(text: str, suffix: str) -> bool:
    """Tell whether decoded text is an HTML document.

    Args:
        text: The decoded text.
        suffix: Lower-case file suffix (may be empty).

    Returns:
        True for HTML markup; an ``.html`` suffix needs only some tag, other names need an
        HTML-looking document start.
    """
    start = text.lstrip()[:2048].encode("utf-8", "ignore")
    if suffix in SUPPORTED_FORMATS["html"]:
        return b"<" in start
    return start.startswith(b"<") and _HTML_RE.search(start) is not None
