"""PDF reading with pypdfium2: text lines in reading order, one bullet per line."""

from __future__ import annotations

import io
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
from crisis_screen.extract.pdfscan import check_pdf_streams
from crisis_screen.extract.text import tidy_lines

__all__ = ["read_pdf"]

# PDFium is not thread-safe; the batch code may call readers from worker threads.
_PDFIUM_LOCK = threading.Lock()


def _page_lines(textpage: Any, width: float, budget: Budget) -> list[str]:
    rects: list[tuple[float, float, float, float, str]] = []
    for index in range(textpage.count_rects()):
        # PDFium's bounded text is linear in the page's characters, so a page of a hundred
        # thousand text runs is quadratic: the time limit is checked often.
        if index % 64 == 0:
            budget.check()
        left, bottom, right, top = textpage.get_rect(index)
        piece = textpage.get_text_bounded(left, bottom, right, top)
        piece = piece.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").strip()
        if piece:
            rects.append((left, bottom, right, top, piece))
    out: list[str] = []
    for block in split_columns(rects, width):
        out.extend(join_wrapped(group_lines(block), width))
    return out


def read_pdf(data: bytes, budget: Budget) -> tuple[list[str], tuple[int, ...]]:
    """Extract the text of a PDF, page by page, with OCR for pages that are scans.

    A page with drawn content but no text layer is a scan (or outlined text). When
    Tesseract is installed such pages are rendered at 300 dpi and OCR'd; otherwise they
    stay empty, and a PDF with no text at all raises ``NeedsOCRError``.

    Args:
        data: The PDF bytes.
        budget: Source name, limits and deadline.

    Returns:
        The text of each page, in order (a page without text gives an empty string), and
        the 1-based numbers of the pages whose text came from OCR.

    Raises:
        EncryptedDocumentError: The PDF needs a password.
        CorruptDocumentError: PDFium cannot open it, it has no pages, or it is truncated.
        NeedsOCRError: Pages exist but none has a text layer, and Tesseract is missing.
        LimitExceededError: Too many pages, too many pixels, streams or page content that
            inflate past ``max_pdf_inflated_bytes`` / ``max_pdf_content_bytes``, more text
            than ``max_chars``, or the time limit ran out.
    """
    import pypdfium2 as pdfium

    from crisis_screen.extract.ocr import INSTALL_HINT, OCR_DPI, ocr_png, tesseract_path

    source = budget.source
    if b"%%EOF" not in data[-2048:]:
        # PDFium silently "repairs" truncated files and returns partial text; a missing
        # end-of-file marker is the reliable sign that the tail of the file is gone.
        raise CorruptDocumentError(source, "truncated PDF (no %%EOF marker at the end)")
    can_ocr = tesseract_path() is not None
    scans: dict[int, tuple[bytes, int, int]] = {}  # page index -> (PNG, width px, dpi)
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
            # Measured before any page is loaded: loading inflates its content unbounded.
            check_pdf_streams(_plain_copy(pdf, data), budget)
            pages: list[str] = []
            has_graphics = False
            chars = 0
            for index in range(count):
                budget.check()
                page = pdf[index]
                try:
                    width = float(page.get_width())
                    textpage = page.get_textpage()
                    try:
                        pages.append(tidy_lines(_page_lines(textpage, width, budget)))
                    finally:
                        textpage.close()
                    chars += len(pages[-1]) + 1
                    if chars > budget.limits.max_chars:
                        raise budget.fail(
                            f"extracted text exceeds {budget.limits.max_chars} characters"
                        )
                    if not pages[-1] and (can_ocr or not has_graphics):
                        drawn = next(iter(page.get_objects(max_depth=2)), None) is not None
                        has_graphics = has_graphics or drawn
                        if drawn and can_ocr:
                            # Rendered under the lock (PDFium), OCR'd after releasing it.
                            scans[index] = _render(page, budget, OCR_DPI)
                finally:
                    page.close()
        except pdfium.PdfiumError:
            raise CorruptDocumentError(source, "damaged PDF page") from None
        finally:
            pdf.close()
    for index, (png, pixels_wide, dpi) in scans.items():
        pages[index] = ocr_png(png, pixels_wide, dpi, budget)
    if not any(page.strip() for page in pages):
        if has_graphics and not can_ocr:
            raise NeedsOCRError(
                source, f"PDF has {count} page(s) but no text layer; {INSTALL_HINT}"
            )
        if scans:
            raise EmptyDocumentError(source, "OCR found no legible text in the scanned PDF")
        raise EmptyDocumentError(source, "PDF contains no text")
    return pages, tuple(index + 1 for index in sorted(scans))


def _plain_copy(pdf: Any, data: bytes) -> bytes:
    """The file's bytes, or for an encrypted file a decrypted copy (streams still compressed).

    PDFium writes the copy without inflating any stream, so the copy can be measured.
    """
    if b"/Encrypt" not in data:
        return data
    import pypdfium2.raw as pdfium_c

    buffer = io.BytesIO()
    pdf.save(buffer, flags=pdfium_c.FPDF_REMOVE_SECURITY)
    return buffer.getvalue()


def _render(page: Any, budget: Budget, dpi: int) -> tuple[bytes, int, int]:
    """Render a page to grayscale PNG at ``dpi``, within ``max_image_pixels``.

    Returns the PNG, its width in pixels and the resolution used.

    A page too large for the pixel limit at ``dpi`` is rendered at a lower resolution
    rather than refused: the page size is declared, not an attacker-controlled bitmap.
    """
    width, height = float(page.get_width()), float(page.get_height())
    scale = dpi / 72.0
    area = max(width * height, 1.0)
    if area * scale * scale > budget.limits.max_image_pixels:
        scale = (budget.limits.max_image_pixels / area) ** 0.5
    from crisis_screen.extract.ocr import page_png

    image = page.render(scale=scale, grayscale=True).to_pil()
    # The resolution actually rendered, for Tesseract's size heuristics.
    return page_png(image), image.width, max(int(round(scale * 72.0)), 70)
