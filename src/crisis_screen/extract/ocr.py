"""OCR with Tesseract: scanned PDF pages and PNG, JPEG and TIFF images to text lines.

Tesseract runs as a subprocess (``tesseract stdin stdout --psm 3 tsv``) with one thread,
killed when the file's time limit runs out. Its TSV output gives every word's box and
confidence; words are put back into lines and blocks in Tesseract's reading order (its own
layout analysis separates columns), and wrapped lines are joined by the same rules as the
PDF reader, so a bullet stays on one line. Pillow is imported only when an image is read.

Tesseract is optional at run time: without it, scans raise
:class:`~crisis_screen.errors.NeedsOCRError` naming what to install.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crisis_screen.errors import CorruptDocumentError, NeedsOCRError
from crisis_screen.extract.layout import Line, find_gutter, join_wrapped
from crisis_screen.extract.limits import Budget
from crisis_screen.extract.text import tidy_lines

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "INSTALL_HINT",
    "MIN_WORD_CONFIDENCE",
    "OCR_DPI",
    "ocr_image",
    "ocr_png",
    "page_png",
    "read_image",
    "tesseract_path",
]

#: What to install when Tesseract is missing (named in every ``NeedsOCRError``).
INSTALL_HINT = (
    "install Tesseract OCR to read it (Debian/Ubuntu: apt-get install tesseract-ocr "
    "tesseract-ocr-eng; macOS: brew install tesseract)"
)
#: Resolution PDF pages are rendered at for OCR, and assumed for images without one.
OCR_DPI = 300
#: Words Tesseract is less sure of than this (0-100) are dropped: on noise, specks and
#: rules it reports "words" at 0-30, while printed text scores above 80 even when skewed.
MIN_WORD_CONFIDENCE = 30.0
#: Page segmentation mode 3: automatic layout analysis, which reads two columns one after
#: the other (mode 4 or 6 assume a single column and interleave them).
_PSM = "3"
# Glyphs Tesseract reads a bullet ("•") as; recognised only as a small first "word".
_BULLET_GLYPHS = frozenset("•·*+¢°«»oe-–—©®")
# Non-letters Tesseract glues onto the word after a bullet.
_GLUED_BULLETS = frozenset("•·¢°«»©®")


def tesseract_path() -> str | None:
    """Return the ``tesseract`` executable found on PATH, or None."""
    return shutil.which("tesseract")


def _require_tesseract(source: str, what: str) -> str:
    path = tesseract_path()
    if path is None:
        raise NeedsOCRError(source, f"{what}; {INSTALL_HINT}")
    return path


def _run_tesseract(exe: str, png: bytes, dpi: int, budget: Budget) -> str:
    budget.check()
    # One OpenMP thread: on a shared machine extra threads mostly wait for each other
    # (measured: one page 4.6 s with the default, 2.0 s limited), and batches parallelise
    # across files instead.
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        proc = subprocess.run(
            [exe, "stdin", "stdout", "--psm", _PSM, "--dpi", str(dpi), "-l", "eng", "tsv"],
            input=png,
            capture_output=True,
            timeout=max(budget.remaining(), 0.01),
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise budget.fail(
            f"OCR did not finish within the time limit of {budget.allowed:g} s"
        ) from None
    except OSError:
        raise NeedsOCRError(
            budget.source, f"tesseract could not be started; {INSTALL_HINT}"
        ) from None
    if proc.returncode != 0:
        if b"Failed loading language" in proc.stderr:
            raise NeedsOCRError(
                budget.source,
                "Tesseract has no English language data; install tesseract-ocr-eng",
            )
        raise CorruptDocumentError(
            budget.source, f"tesseract could not read the image (exit code {proc.returncode})"
        )
    return proc.stdout.decode("utf-8", errors="replace")


_Word = tuple[int, int, int, int, str, float]  # left, top, right, bottom, text, confidence


def _tsv_lines(tsv: str) -> dict[tuple[int, int, int], list[_Word]]:
    """Words of Tesseract's TSV output by (block, paragraph, line), in reading order."""
    lines: dict[tuple[int, int, int], list[_Word]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        try:
            conf = float(cols[10])
            key = (int(cols[2]), int(cols[3]), int(cols[4]))
            left, top, width, height = (int(c) for c in cols[6:10])
        except ValueError:
            continue
        if text:
            lines.setdefault(key, []).append((left, top, left + width, top + height, text, conf))
    return lines


def _runs(words: list[_Word]) -> list[tuple[float, float, float, float, str]]:
    """Cut a line's words at wide gaps into text runs, like a PDF's text rectangles."""
    height = max(w[3] for w in words) - min(w[1] for w in words)
    runs: list[list[_Word]] = []
    for word in sorted(words):
        if runs and word[0] - runs[-1][-1][2] <= 2 * height:
            runs[-1].append(word)
        else:
            runs.append([word])
    return [
        (
            float(run[0][0]),
            float(-max(w[3] for w in run)),
            float(run[-1][2]),
            float(-min(w[1] for w in run)),
            " ".join(w[4] for w in run),
        )
        for run in runs
    ]


def _page_blocks(tsv: str, width: float) -> list[list[Line]]:
    """Lines of a page in reading order, as blocks whose wrapped lines may be joined.

    Tesseract's own layout analysis separates columns with a clear gap, but reads lines
    that line up across a narrow gutter as one line. So, as for PDFs, a gutter that no
    text run crosses splits each line into its left and right part, and each two-column
    region is read left column first. Without a gutter, Tesseract's blocks are kept.
    """
    lines = _tsv_lines(tsv)
    runs = [run for words in lines.values() for run in _runs(words)]
    gutter = find_gutter(runs, width)
    if gutter is None:
        blocks: dict[int, list[Line]] = {}
        for (block, _, _), words in lines.items():
            line = _line(words)
            if line is not None:
                blocks.setdefault(block, []).append(line)
        return list(blocks.values())
    # (top, column) for each part of a line: -1 full width, 0 left column, 1 right column.
    parts: list[tuple[int, int, list[_Word]]] = []
    for words in lines.values():
        left = [w for w in words if w[2] <= gutter]
        right = [w for w in words if w[0] >= gutter]
        if len(left) + len(right) < len(words):
            parts.append((min(w[1] for w in words), -1, words))
        else:
            parts.extend(
                (min(w[1] for w in side), col, side)
                for col, side in ((0, left), (1, right))
                if side
            )
    out: list[list[Line]] = []
    columns: tuple[list[Line], list[Line]] = ([], [])
    for _, col, words in sorted(parts, key=lambda p: p[0]):
        line = _line(words)
        if line is None:
            continue
        if col < 0:
            out.extend(c for c in columns if c)
            columns = ([], [])
            out.append([line])
        else:
            columns[col].append(line)
    out.extend(c for c in columns if c)
    return out


def _line(words: list[_Word]) -> Line | None:
    """Build one line from its words: mark a misread bullet, drop low-confidence specks."""
    words = sorted(words)
    height = max(w[3] for w in words) - min(w[1] for w in words)
    words = _mark_bullet(words, max(height, 1))
    kept = [
        w
        for w in words
        # A low-confidence "word" without two letters or digits is a speck, rule or
        # noise; low-confidence real words are kept (a skewed scan scores 20-40 on some).
        if w[5] >= MIN_WORD_CONFIDENCE or sum(c.isalnum() for c in w[4]) >= 2 or w[4] == "•"
    ]
    if not kept or all(w[4] == "•" for w in kept):
        return None
    return Line(
        float(min(w[0] for w in kept)),
        float(max(w[2] for w in kept)),
        float(-min(w[1] for w in kept)),
        float(-max(w[3] for w in kept)),
        [(float(w[0]), float(w[2]), w[4]) for w in kept],
    )


def _mark_bullet(words: list[_Word], height: int) -> list[_Word]:
    """Write a bullet Tesseract misread ("¢", "*", "°", "«Word") as "•".

    Only a short first word whose box is small next to the line height counts, and a
    letter ("o", "e") only when a wide gap follows it, as after a bullet glyph. A glyph
    glued to the first word ("«Partnered") is split off.
    """
    if len(words) < 2:
        return words
    (left, top, right, bottom, text, conf), following = words[0], words[1]
    glyph = text.rstrip(".")
    if glyph and len(glyph) <= 2 and all(c in _BULLET_GLYPHS for c in glyph):
        if right - left > 0.6 * height:
            return words
        if glyph.isalpha() and following[0] - right < 0.5 * height:
            return words
        return [(left, top, right, bottom, "•", 100.0), *words[1:]]
    if text[:1] in _GLUED_BULLETS and text[1:2].isalpha():
        return [
            (left, top, left + 1, bottom, "•", 100.0),
            (left + 1, top, right, bottom, text[1:], conf),
            *words[1:],
        ]
    return words


def ocr_image(image: Image, dpi: int, budget: Budget) -> str:
    """OCR one page image.

    Args:
        image: A decoded Pillow image (any mode; converted to grayscale).
        dpi: Its resolution, for Tesseract's size heuristics.
        budget: Source name, limits and deadline.

    Returns:
        The page text, one line per text line, wrapped lines joined.

    Raises:
        NeedsOCRError: Tesseract (or its English data) is not installed.
        LimitExceededError: The time limit ran out.
        CorruptDocumentError: Tesseract failed on the image.
    """
    return ocr_png(page_png(image), image.width, dpi, budget)


def page_png(image: Image) -> bytes:
    """Encode a page image as grayscale PNG for Tesseract (fast compression).

    Rendered PDF pages wait as PNG (a few hundred KB) rather than as bitmaps (8 MB each).
    """
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def ocr_png(png: bytes, width: int, dpi: int, budget: Budget) -> str:
    """OCR one page given as PNG bytes (see :func:`ocr_image`).

    Args:
        png: The page as PNG.
        width: Its width in pixels.
        dpi: Its resolution.
        budget: Source name, limits and deadline.

    Returns:
        The page text.
    """
    exe = _require_tesseract(budget.source, "the document is a scan")
    budget.extend(budget.limits.ocr_page_time)
    tsv = _run_tesseract(exe, png, dpi, budget)
    lines: list[str] = []
    for block in _page_blocks(tsv, float(width)):
        lines.extend(join_wrapped(block, float(width)))
    return tidy_lines(lines)


def _dpi(info: Mapping[Any, Any]) -> int:
    value = info.get("dpi")
    try:
        dpi = int(round(float(value[0]))) if value else 0
    except (TypeError, ValueError, IndexError):
        dpi = 0
    # Absent or absurd resolutions (photos often say 72) fall back to the scan default.
    return dpi if 100 <= dpi <= 1200 else OCR_DPI


def read_image(data: bytes, budget: Budget) -> list[str]:
    """OCR a PNG, JPEG or (multi-page) TIFF image, page by page.

    Each frame's size is checked from its header against ``max_image_pixels`` before it is
    decoded, so a decompression bomb costs nothing.

    Args:
        data: The image bytes.
        budget: Source name, limits and deadline.

    Returns:
        The text of each page (frame), in order.

    Raises:
        NeedsOCRError: Tesseract is not installed.
        LimitExceededError: Too many frames, too many pixels, or the time limit ran out.
        CorruptDocumentError: The image cannot be decoded.
    """
    from PIL import Image as PILImage
    from PIL import ImageOps, UnidentifiedImageError

    source = budget.source
    limits = budget.limits
    pages: list[str] = []
    try:
        with warnings.catch_warnings():
            # Pillow warns about big images on open; the pixel limit below decides instead.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data))
        with image:
            count = int(getattr(image, "n_frames", 1))
            if count > limits.max_pdf_pages:
                raise budget.fail(
                    f"image has {count} pages, more than the limit of {limits.max_pdf_pages}"
                )
            for index in range(count):
                budget.check()
                image.seek(index)
                width, height = image.size
                if width * height > limits.max_image_pixels:
                    raise budget.fail(
                        f"image page {index + 1} is {width}x{height} pixels, more than "
                        f"{limits.max_image_pixels} pixels"
                    )
                if index == 0:
                    # After the header checks, so junk and bombs get the same error
                    # whether or not Tesseract is installed.
                    _require_tesseract(source, "the file is an image")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
                    # Phone photos store their rotation in EXIF; apply it before OCR.
                    frame = ImageOps.exif_transpose(image)
                pages.append(ocr_image(frame, _dpi(image.info), budget))
    except (UnidentifiedImageError, OSError, EOFError, SyntaxError, ValueError):
        raise CorruptDocumentError(source, "damaged or truncated image") from None
    except PILImage.DecompressionBombError:
        raise budget.fail("image has too many pixels (decompression bomb)") from None
    return pages
