"""Line layout shared by the PDF and OCR readers: lines, columns and wrapped bullets.

Words are grouped into lines, two-column pages are cut into reading-order blocks, and
wrapped lines are joined so that every bullet stays on one line.

Coordinates are PDF-like: ``top > bottom`` (y grows upwards). The OCR reader negates image
row numbers to use the same code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "BULLET_RE",
    "Line",
    "find_gutter",
    "group_lines",
    "is_heading",
    "join_wrapped",
    "split_columns",
]

BULLET_RE = re.compile(r"^\s*(?:[•·▪●◦‣■□➢►✓✔\-\*–—o]\s|\d{1,2}[.)]\s|[•·▪●◦‣■□➢►✓✔])")
_LINKING_WORDS = frozenset(
    {"and", "or", "of", "the", "a", "an", "to", "with", "in", "for", "on", "at", "by", "as"}
)


@dataclass
class Line:
    """A text line: its bounding box and its pieces ``(left, right, text)``."""

    left: float
    right: float
    top: float
    bottom: float
    parts: list[tuple[float, float, str]] = field(default_factory=list)

    @property
    def height(self) -> float:
        """Line height (at least 1 unit)."""
        return max(self.top - self.bottom, 1.0)

    def text(self) -> str:
        """The pieces left to right, a tab for a wide gap, else one space."""
        out = ""
        prev_right: float | None = None
        for left, right, piece in sorted(self.parts):
            if prev_right is not None:
                # A wide gap (right-aligned dates, tab stops) is kept visible as a tab.
                out += "\t" if left - prev_right > 2.5 * self.height else " "
            out += piece
            prev_right = right
        return out


def group_lines(rects: list[tuple[float, float, float, float, str]]) -> list[Line]:
    """Merge text rectangles sharing a baseline into lines, top to bottom."""
    lines: list[Line] = []
    for left, bottom, right, top, piece in sorted(rects, key=lambda r: (-r[3], r[0])):
        centre = (top + bottom) / 2
        target = None
        for line in reversed(lines[-3:]):
            if line.bottom <= centre <= line.top:
                target = line
                break
        if target is None:
            lines.append(Line(left, right, top, bottom, [(left, right, piece)]))
        else:
            target.parts.append((left, right, piece))
            target.left = min(target.left, left)
            target.right = max(target.right, right)
            target.top = max(target.top, top)
            target.bottom = min(target.bottom, bottom)
    return lines


def is_heading(text: str) -> bool:
    """Tell whether a line is a short all-capitals heading."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and len(text) <= 60 and all(c.isupper() for c in letters)


def _continues(prev_text: str, text: str) -> bool:
    """Tell whether ``text`` reads as the continuation of a sentence cut at ``prev_text``."""
    first = text[:1]
    last_word = prev_text.rsplit(" ", 1)[-1].lower()
    return (
        first.islower()
        or first in ",;)&"
        or prev_text.endswith((",", "-", "&", "/", "("))
        or last_word in _LINKING_WORDS
    )


def join_wrapped(lines: list[Line], page_width: float) -> list[str]:
    """Join a bullet's or paragraph's wrapped continuation lines back onto it.

    A line is a continuation when the previous line ran to (near) the column's right edge,
    it does not start a new bullet or heading, it is not outdented, and it follows at
    normal line spacing. In a wide column that is enough; in a narrow one (sidebars, skill
    lists, whose longest entry also "reaches the edge") the text must also read on, e.g.
    start in lower case, because one word per line lists are common there.
    """
    if not lines:
        return []
    col_left = min(line.left for line in lines)
    col_right = max(line.right for line in lines)
    col_width = max(col_right - col_left, 1.0)
    wide = col_width >= 0.55 * page_width
    slack = 0.12 * col_width
    out: list[str] = []
    prev: Line | None = None
    for line in lines:
        text = line.text().strip()
        if not text:
            continue
        if prev is not None and out:
            gap = prev.bottom - line.top
            char_width = (line.right - line.left) / max(len(text), 1)
            first_word = len(text.split(" ", 1)[0]) * char_width
            # If the next line's first word would have fitted, the previous line ended
            # on purpose rather than wrapping.
            word_fits = prev.right + char_width + first_word < col_right - 1.0
            joinable = (
                prev.right >= col_right - slack
                and not word_fits
                and not BULLET_RE.match(text)
                and not is_heading(text)
                and not is_heading(out[-1])
                and line.left >= prev.left - 0.5 * line.height
                and gap < 1.2 * max(line.height, prev.height)
                and not out[-1].endswith(":")
                and (wide or _continues(out[-1], text))
            )
            if joinable:
                last = out[-1]
                if last.endswith(("\x02", "\u00ad")):
                    # PDFium marks soft (layout) hyphens with U+0002: remove and glue.
                    out[-1] = last[:-1] + text
                elif last.endswith("-") and last[-2:-1].isalpha() and text[:1].islower():
                    out[-1] = last + text
                else:
                    out[-1] = last + " " + text
                prev = line
                continue
        out.append(text)
        prev = line
    return out


def find_gutter(rects: list[tuple[float, float, float, float, str]], width: float) -> float | None:
    """Find the x of a two-column gutter, or None for a one-column page.

    A vertical gutter in the middle half of the page that almost no text run crosses
    marks a two-column layout; both sides must hold a fair share of the text.

    Args:
        rects: Text runs as ``(left, bottom, right, top, text)``.
        width: Page width in the same units.

    Returns:
        The gutter's x coordinate, or None.
    """
    if len(rects) < 6 or width <= 0:
        return None
    total_chars = sum(len(r[4]) for r in rects)
    best_x, best_cross = 0.0, len(rects) + 1
    step = max(width / 200, 1.0)
    x = 0.25 * width
    while x <= 0.75 * width:
        cross = sum(1 for r in rects if r[0] < x < r[2])
        if cross < best_cross:
            best_x, best_cross = x, cross
        x += step
    left = [r for r in rects if r[2] <= best_x]
    right = [r for r in rects if r[0] >= best_x]
    left_chars = sum(len(r[4]) for r in left)
    right_chars = sum(len(r[4]) for r in right)
    if (
        best_cross > max(2, 0.15 * len(rects))
        or len(left) < 3
        or len(right) < 3
        or left_chars < 0.15 * total_chars
        or right_chars < 0.15 * total_chars
    ):
        return None
    return best_x


def split_columns(
    rects: list[tuple[float, float, float, float, str]], width: float
) -> list[list[tuple[float, float, float, float, str]]]:
    """Cut a page into reading-order blocks: full-width bands and two-column regions.

    Each two-column region (between full-width lines) is read left column first, then
    right; see :func:`find_gutter`.
    """
    best_x = find_gutter(rects, width)
    if best_x is None:
        return [rects]
    blocks: list[list[tuple[float, float, float, float, str]]] = []
    left_buf: list[tuple[float, float, float, float, str]] = []
    right_buf: list[tuple[float, float, float, float, str]] = []
    for rect in sorted(rects, key=lambda r: (-r[3], r[0])):
        if rect[0] < best_x < rect[2]:
            blocks.extend(b for b in (left_buf, right_buf) if b)
            left_buf, right_buf = [], []
            blocks.append([rect])
        elif rect[2] <= best_x:
            left_buf.append(rect)
        else:
            right_buf.append(rect)
    blocks.extend(b for b in (left_buf, right_buf) if b)
    return blocks
