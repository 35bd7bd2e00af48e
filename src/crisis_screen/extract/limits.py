"""Safety limits for document reading, and the per-file budget that enforces them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from crisis_screen.errors import LimitExceededError, TimeLimitExceededError

__all__ = ["ExtractionLimits", "Budget"]


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds applied while reading one file; exceeding one raises ``LimitExceededError``.

    The defaults are generous for real resumes (a few pages, well under 1 MB) while keeping
    a hostile file from exhausting memory or CPU.

    Attributes:
        max_file_bytes: Largest input accepted, in bytes (default 20 MB).
        max_pdf_pages: Most pages read from a PDF or a multi-page image (default 50).
            Longer files are refused, not truncated, so a result never silently ignores
            part of a resume.
        max_image_pixels: Most pixels in one image or rendered page given to OCR (default
            40 million; a letter page at 300 dpi is 8.4 million). Checked from the image
            header before decoding, so a decompression bomb is refused cheaply. PDF pages
            larger than this are rendered at a lower resolution instead.
        max_zip_members: Most members in a DOCX zip package (default 2,000).
        max_zip_uncompressed_bytes: Largest total uncompressed size of a DOCX package
            (default 200 MB).
        max_zip_ratio: Largest compression ratio of one DOCX member (default 200). Only
            checked for members inflating to more than ``zip_ratio_floor_bytes``, because
            small XML parts legitimately compress very well.
        zip_ratio_floor_bytes: Size below which the ratio check is skipped (default 1 MB).
        max_html_depth: Deepest HTML element nesting accepted (default 256).
        max_html_attributes: Most attributes in one HTML tag (default 1,000). The
            standard library parser holds every attribute of a tag in memory at once
            (about 0.7 KB each); a real tag has a handful.
        max_rtf_depth: Deepest RTF group nesting accepted (default 256; word processors
            write fewer than 20 levels).
        max_pdf_inflated_bytes: Most bytes all compressed streams of a PDF may inflate to
            together (default 256 MB). Each stream is inflated once, in blocks and thrown
            away, before PDFium sees the file, so a decompression bomb is refused cheaply.
        max_pdf_content_bytes: Most bytes of page content PDFium may have to parse for the
            text of the whole PDF (default 32 MB): every page's content streams (a stream
            listed twice counts twice) and every drawing of a form XObject, with the forms
            drawn inside it. A dense text page is about 50 KB; parsing costs up to 20 times
            the content's size in memory.
        max_line_chars: Longest line kept as one line (default 10,000 characters). Longer
            lines are split: a newline is inserted at the last whitespace before the limit
            (or exactly at the limit when there is none). Nothing is dropped.
        max_chars: Most characters of extracted text (default 2,000,000); more raises
            ``LimitExceededError`` rather than truncating.
        time_limit: Seconds allowed per file (default 30). Checked inside every loop that
            grows with the input (pages, text runs, paragraphs, tags, RTF tokens, JSON
            entries, inflated PDF blocks), so a reader stops soon after the limit. What runs
            between two checks is one library call whose input is bounded by another limit:
            PDFium loading a page (``max_pdf_content_bytes``), python-docx parsing the
            package (the zip limits). The external programs (tesseract, antiword) are
            killed when it runs out.
        ocr_page_time: Seconds added to ``time_limit`` for each page sent to OCR (default
            20). OCR takes seconds per page where a text layer takes milliseconds; a clear
            300-dpi page takes 2-9 s on one busy core.
    """

    max_file_bytes: int = 20 * 1024 * 1024
    max_pdf_pages: int = 50
    max_image_pixels: int = 40_000_000
    max_zip_members: int = 2_000
    max_zip_uncompressed_bytes: int = 200 * 1024 * 1024
    max_zip_ratio: float = 200.0
    zip_ratio_floor_bytes: int = 1024 * 1024
    max_html_depth: int = 256
    max_html_attributes: int = 1_000
    max_rtf_depth: int = 256
    max_pdf_inflated_bytes: int = 256 * 1024 * 1024
    max_pdf_content_bytes: int = 32 * 1024 * 1024
    max_line_chars: int = 10_000
    max_chars: int = 2_000_000
    time_limit: float = 30.0
    ocr_page_time: float = 20.0

    def __post_init__(self) -> None:
        for name in (
            "max_file_bytes",
            "max_pdf_pages",
            "max_image_pixels",
            "max_zip_members",
            "max_zip_uncompressed_bytes",
            "max_html_depth",
            "max_html_attributes",
            "max_rtf_depth",
            "max_pdf_inflated_bytes",
            "max_pdf_content_bytes",
            "max_line_chars",
            "max_chars",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"ExtractionLimits.{name} must be >= 1")
        if self.max_zip_ratio <= 0 or self.time_limit <= 0:
            raise ValueError("ExtractionLimits.max_zip_ratio and time_limit must be > 0")
        if self.ocr_page_time < 0:
            raise ValueError("ExtractionLimits.ocr_page_time must be >= 0")


class Budget:
    """Tracks the elapsed time of one read against ``ExtractionLimits.time_limit``."""

    def __init__(self, source: str, limits: ExtractionLimits) -> None:
        self.source = source
        self.limits = limits
        self._deadline = time.monotonic() + limits.time_limit
        self._allowed = limits.time_limit

    def check(self) -> None:
        """Raise ``LimitExceededError`` when the time limit has passed.

        Raises:
            LimitExceededError: The per-file time limit is exhausted.
        """
        if time.monotonic() > self._deadline:
            raise TimeLimitExceededError(self.source, f"time limit of {self._allowed:g} s exceeded")

    @property
    def allowed(self) -> float:
        """Seconds this file is allowed in all: ``time_limit`` plus any extensions."""
        return self._allowed

    def extend(self, seconds: float) -> None:
        """Move the deadline later (each OCR page gets ``ocr_page_time`` more seconds).

        Args:
            seconds: Seconds to add.
        """
        self._deadline += seconds
        self._allowed += seconds

    def remaining(self) -> float:
        """Seconds left before the time limit (0 when it has passed)."""
        return max(self._deadline - time.monotonic(), 0.0)

    def fail(self, reason: str) -> LimitExceededError:
        """Build a ``LimitExceededError`` for this file (the caller raises it).

        Args:
            reason: One-line reason without resume text.

        Returns:
            The error to raise.
        """
        return LimitExceededError(self.source, reason)
