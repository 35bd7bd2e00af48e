"""Split a document into lines and resume sections, keeping offsets into the original text.

Nothing here rewrites the text: a line is a ``(start, end)`` slice of ``Document.text``, so
every offset the screener reports indexes the text the caller gave (Windows line ends, tabs,
bullets and non-ASCII characters included).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crisis_screen.models import Section, SectionSpan

# The same line boundaries as str.splitlines(), so "line N" means what an editor shows.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# Bullets, numbering and decoration around a heading ("== SKILLS ==", "1. Experience:").
_HEADING_TRIM = re.compile(r"^[\W\d_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")
# A heading is short; longer lines are never looked up (keeps the per-line cost tiny).
_MAX_HEADING_CHARS = 48
_LIST_SEPARATORS = re.compile(r"[,;|•·●▪]")


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


def line_bounds(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of every line, line breaks excluded.

    Args:
        text: The document text.

    Returns:
        One pair per line; a text ending in a line break has no empty last line.
    """
    bounds: list[tuple[int, int]] = []
    pos = 0
    for m in _LINE_BREAK.finditer(text):
        bounds.append((pos, m.start()))
        pos = m.end()
    if pos < len(text) or not bounds:
        bounds.append((pos, len(text)))
    return bounds


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
    key = _SPACES.sub(" ", _HEADING_TRIM.sub("", line.strip())).lower()
    return headings.get(key) if key else None


def heading_table(sections: Mapping[str, Sequence[str]]) -> dict[str, Section]:
    """Invert the lexicon's ``[sections]`` table into heading -> section."""
    table: dict[str, Section] = {}
    for name, heads in sections.items():
        for h in heads:
            table.setdefault(h.lower(), name)  # type: ignore[arg-type]
    return table


def segment(
    text: str,
    headings: Mapping[str, Section],
    *,
    known_sections: Sequence[SectionSpan] = (),
    page_starts: Sequence[int] = (),
) -> list[Line]:
    """Split text into lines, each with its section and page.

    Args:
        text: The document text.
        headings: Heading table from :func:`heading_table`.
        known_sections: Sections the reader knows (structured formats); they take precedence.
        page_starts: Offsets where pages start, for paged formats.

    Returns:
        The lines in order.
    """
    lines: list[Line] = []
    current: Section = "unknown"
    known = sorted(known_sections, key=lambda s: s.start)
    known_starts = [s.start for s in known]
    for i, (start, end) in enumerate(line_bounds(text)):
        found = heading_section(text[start:end], headings)
        if found is not None:
            current = found
        section = current
        if known:
            k = bisect_right(known_starts, start) - 1
            if k >= 0 and start < known[k].end:
                section = known[k].section
        page = bisect_right(page_starts, start) if page_starts else None
        lines.append(Line(no=i + 1, start=start, end=end, section=section, page=page or None))
    return lines


def is_list_line(line: str) -> bool:
    """Return True when a line reads as a list of keywords rather than a sentence.

    A skills or course list ("Case management, Counseling, Crisis intervention, ...") has
    three or more separators and short items; evidence there is a bare claim.

    Args:
        line: The line text.
    """
    parts = _LIST_SEPARATORS.split(line)
    if len(parts) < 4:
        return False
    words = sum(len(p.split()) for p in parts)
    return words / len(parts) <= 3.5
