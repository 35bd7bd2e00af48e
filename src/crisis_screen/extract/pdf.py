"""PDF reading with pypdfium2: text lines in reading order, one bullet per line."""

from __future__ import annotations

import threading
from typing import Any

from crisis_screen.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    NeedsOCRError,
)
from crisis_screen.extract.layout import group_lines, join_wrapped, split_columns
from crisis_screen.extract.limits import Budget
from crisis_screen.extract.text import tidy_lines

__all__ = ["read_pdf"]

# PDFium is not thread-safe; the batch code may call readers from worker threads.
_PDFIUM_LOCK = threading.Lock()


def _page_lines(textpage: Any, width: float) -> list[str]:
    rects: list[tuple[float, float, float, float, str]] = []
    for index in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(index)
        piece = textpage.get_text_bounded(left, bottom, right, top)
        piece = piece.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").strip()
        if piece:
            rects.append((left, bottom, right, top, piece))
    out: list[str] = []
    for block in split_columns(rects, width):
        out.extend(join_wrapped(group_lines(block), width))
    return out


def read_pdf(data: bytes, budget: Budget) -> list[str]:
    """Extract the text of a PDF, page by page.

    Args:
        data: The PDF bytes.
        budget: Source name, limits and deadline.

    Returns:
        The text of each page, in order (a page without text gives an empty string).

    Raises:
        EncryptedDocumentError: The PDF needs a password.
        CorruptDocumentError: PDFium cannot open it, it has no pages, or it is truncated.
        NeedsOCRError: Pages exist but none has a text layer.
        LimitExceededError: Too many pages or the time limit ran out.
    """
    import pypdfium2 as pdfium

    source = budget.source
    if b"%%EOF" not in data[-2048:]:
        # PDFium silently "repairs" truncated files and returns partial text; a missing
        # end-of-file marker is the reliable sign that the tail of the file is gone.
        raise CorruptDocumentError(source, "truncated PDF (no %%EOF marker at the end)")
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise EncryptedDocumentError(source, "password-protected PDF") from None
            raise CorruptDocumentError(source, "damaged PDF that PDFium cannot open") from None
        try:
            count = len(pdf)
            if count == 0:
                raise CorruptDocumentError(source, "PDF has no pages")
            if count > budget.limits.max_pdf_pages:
                raise budget.fail(
                    f"PDF has {count} pages, more than the limit of {budget.limits.max_pdf_pages}"
                )
            pages: list[str] = []
            has_graphics = False
            for index in range(count):
                budget.check()
                page = pdf[index]
                try:
                    width = float(page.get_width())
                    textpage = page.get_textpage()
                    try:
                        pages.append(tidy_lines(_page_lines(textpage, width)))
                    finally:
                        textpage.close()
                    if not pages[-1] and not has_graphics:
                        # A page with drawn content but no text layer is a scan (or
                        # outlined text): tell the caller to OCR it, not that it is empty.
                        has_graphics = next(iter(page.get_objects(max_depth=2)), None) is not None
                finally:
                    page.close()
        except pdfium.PdfiumError:
            raise CorruptDocumentError(source, "damaged PDF page") from None
        finally:
            pdf.close()
    if not any(page.strip() for page in pages):
        if has_graphics:
            raise NeedsOCRError(source, f"PDF has {count} page(s) but no text layer; it needs OCR")
        raise EmptyDocumentError(source, "PDF contains no text")
    return pages
