"""Split a document into lines and resume sections, keeping offsets into the original text.

Nothing here rewrites the text: a line is a ``(start, end)`` slice of ``Document.text``, so
every offset the screener reports indexes the text the caller gave (Windows line ends, tabs,
bullets and non-ASCII characters included).
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from crisis_screen.lexicon.schema import ListShape
from crisis_screen.models import Section, SectionSpan

# Bullets, numbering and decoration around a heading ("== SKILLS ==", "1. Experience:").
_HEADING_TRIM = re.compile(r"^[\W\d_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")
# A heading is short; longer lines are never looked up (keeps the per-line cost tiny).
_MAX_HEADING_CHARS = 48


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a document.

    Attributes:
        no: 1-based line number.
        start: Offset of the first character in the document text.
        end: Offset one past the last character, before the line break.
        section: The resume section the line belongs to.
        page: 1-based page number, for paged formats.
    """

    no: int
    start: int
    end: int
    section: Section
    page: int | None = None


def line_bounds(text: str) -> tuple[list[int], list[int]]:
    """Return the start and end offsets of every line, line breaks excluded.

    Lines are those of ``str.splitlines`` (what an editor shows as "line N"), found at C speed.

    Args:
        text: The document text.

    Returns:
        ``(starts, ends)``; a text ending in a line break has no empty last line.
    """
    # Two C-level passes (with and without line breaks) instead of a Python loop per line.
    with_breaks = text.splitlines(keepends=True)
    if not with_breaks:
        return [0], [0]
    starts = [0, *itertools.accumulate(map(len, with_breaks[:-1]))]
    ends = [s + n for s, n in zip(starts, map(len, text.splitlines()), strict=True)]
    return starts, ends


def heading_section(line: str, headings: Mapping[str, Section]) -> Section | None:
    """Return the section a line introduces, if the line is a section heading.

    A heading is a short line whose words (bullets, numbering, colons and case ignored) are
    one of the lexicon's section headings.

    Args:
        line: The line text.
        headings: Lower-case heading text to section name.

    Returns:
        The section, or None when the line is not a heading.
    """
    if len(line) > _MAX_HEADING_CHARS:
        return None
    # Fast path: most headings are the bare words, maybe with a colon.
    found = headings.get(line.strip().rstrip(":").lower())
    if found is not None:
        return found
    key = _SPACES.sub(" ", _HEADING_TRIM.sub("", line.strip())).lower()
    return headings.get(key) if key else None


def heading_table(sections: Mapping[str, Sequence[str]]) -> dict[str, Section]:
    """Invert the lexicon's ``[sections]`` table into heading -> section."""
    table: dict[str, Section] = {}
    for name, heads in sections.items():
        for h in heads:
            table.setdefault(_SPACES.sub(" ", h.strip().lower()), name)
    return table


# Line breaks other than "\n" and "\r\n": regex "^"/"$" do not see them.


class Layout:
    """Lines and sections of one document, computed once; Line objects made on demand.

    Most lines of a resume are never looked at (the gate skips them), so this keeps offsets in
    two lists and builds a :class:`Line` only for the lines the screener asks for.
    """

    def __init__(
        self,
        text: str,
        headings: Mapping[str, Section],
        *,
        known_sections: Sequence[SectionSpan] = (),
        page_starts: Sequence[int] = (),
    ) -> None:
        """Segment a text.

        Args:
            text: The document text.
            headings: Heading table from :func:`heading_table`.
            known_sections: Sections the reader knows (structured formats); they take
                precedence over detected headings.
            page_starts: Offsets where pages start, for paged formats.
        """
        self.starts, self.ends = line_bounds(text)
        self._text = text
        self._headings = headings
        # line index -> section, filled by _section_of as lines are asked for
        self._sections_seen: dict[int, Section] = {}
        self._known = sorted(known_sections, key=lambda k: k.start)
        self._known_starts = [k.start for k in self._known]
        self._page_starts = list(page_starts)

    def __len__(self) -> int:
        """Return the number of lines."""
        return len(self.starts)

    def line(self, i: int) -> Line:
        """Return line ``i`` (0-based index) with its section and page."""
        start = self.starts[i]
        section = self._section_of(i)
        if self._known:
            j = bisect_right(self._known_starts, start) - 1
            if j >= 0 and start < self._known[j].end:
                section = self._known[j].section
        page = bisect_right(self._page_starts, start) if self._page_starts else None
        return Line(no=i + 1, start=start, end=self.ends[i], section=section, page=page or None)

    def _section_of(self, i: int) -> Section:
        """Return the section of line ``i``: that of the nearest heading at or above it.

        Only the lines between ``i`` and that heading are examined (a few, usually), and every
        line examined is remembered, so asking for several lines costs one upward scan.
        """
        seen = self._sections_seen
        j = i
        while j >= 0 and j not in seen:
            a, b = self.starts[j], self.ends[j]
            found = heading_section(self._text[a:b], self._headings) if b > a else None
            if found is not None:
                seen[j] = found
                break
            j -= 1
        section: Section = seen.get(j, "unknown") if j >= 0 else "unknown"
        for k in range(j + 1, i + 1):
            seen[k] = section
        return seen.get(i, section)

    def lines(self) -> list[Line]:
        """Return every line."""
        return [self.line(i) for i in range(len(self))]


def segment(
    text: str,
    headings: Mapping[str, Section],
    *,
    known_sections: Sequence[SectionSpan] = (),
    page_starts: Sequence[int] = (),
) -> list[Line]:
    """Split text into lines, each with its section and page (convenience over :class:`Layout`).

    Args:
        text: The document text.
        headings: Heading table from :func:`heading_table`.
        known_sections: Sections the reader knows (structured formats); they take precedence.
        page_starts: Offsets where pages start, for paged formats.

    Returns:
        The lines in order.
    """
    layout = Layout(text, headings, known_sections=known_sections, page_starts=page_starts)
    return layout.lines()


_DEFAULT_SHAPE = ListShape()


@lru_cache(maxsize=64)
def _separators(chars: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(c) for c in sorted(chars, key=len, reverse=True)))


def is_list_line(line: str, shape: ListShape = _DEFAULT_SHAPE) -> bool:
    """Return True when a line reads as a list of keywords rather than a sentence.

    A skills or course list ("Case management, Counseling, Crisis intervention, ...") has
    several separators and short items; evidence there is a bare claim. The shape (separators,
    fewest items, most words per item) is lexicon data (``[lists]`` in the common file).

    Args:
        line: The line text.
        shape: The lexicon's keyword-list shape.
    """
    if not shape.separators:
        return False
    parts = _separators(tuple(shape.separators)).split(line)
    if len(parts) < shape.min_items:
        return False
    words = sum(len(p.split()) for p in parts)
    return words / len(parts) <= shape.max_words_per_item
