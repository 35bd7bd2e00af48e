"""How long and how recently a candidate did the work: employment date ranges in a resume.

Three steps, each usable alone:

1. :func:`~crisis_screen.dates.find_date_range` finds an employment date range on one line
   (month names, ``mm/yyyy``, bare years, "Present", "Since 2018" ...; see
   :mod:`crisis_screen.dates`). A bare start year is January and a bare end year December; an
   open end is the reference month.
2. :func:`find_positions` attributes every line of a resume to the dated position it belongs to
   (see the function for the layout rules).
3. :func:`experience` measures the positions that hold evidence: months (overlaps merged,
   inclusive, so Jan 2019 - Dec 2019 is 12 months) and the last year the work was done.

The vocabulary (month names, "present" words, ...) is data in ``lexicon/common/dates.toml``.
The module needs no model and nothing is read at import time.

Example:
    >>> from datetime import date
    >>> r = find_date_range("Crisis Counselor | Jan 2019 - Present", date(2026, 12, 1))
    >>> (r.start, r.end, r.open_ended)
    (YearMonth(year=2019, month=1), YearMonth(year=2026, month=12), True)
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from crisis_screen.dates import (
    DateRange,
    DateWords,
    YearMonth,
    default_words,
    find_date_range,
    find_date_ranges,
    grammar_for,
    ranges_on_line,
)

__all__ = [
    "DateRange",
    "DateWords",
    "Experience",
    "LineLayout",
    "Position",
    "YearMonth",
    "default_words",
    "experience",
    "find_date_range",
    "find_date_ranges",
    "find_positions",
]


# Four digits in a row and the rest of their line (every break ``str.splitlines`` knows ends it).
_YEAR_LINE = re.compile(r"\d\d\d\d[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*")
# Every ASCII digit made "0", for a text whose digits are all ASCII (see _lines_with_digits).
_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_ASCII = bytes(range(128))
_DIGIT = re.compile(r"\d")
# A letter or digit: what may not stand beside a date on a line of its own.
_WORD = re.compile(r"[^\W_]")
# A line that starts like a list bullet is description, never a title.
_BULLET = re.compile(r"^\s*[*\u2022\u25aa\u25cf\u00b7\u2023\u2043-]")
# Title/company lines are short and do not end like a sentence.
_MAX_TITLE_CHARS = 80
_SENTENCE_END = (".", "!", "?", ";")
# Longer lines are prose: a range inside one starts no position unless it opens the line.
_MAX_PROSE_FREE_CHARS = 100
# How many title/company/location lines above a standalone date line join its position.
_MAX_TITLE_LINES = 3
# Heuristic headings: short lines, no digits, in capitals or ending with a colon.
_MAX_HEADING_CHARS = 40
_MAX_HEADING_WORDS = 5


class LineLayout(Protocol):
    """The lines of a text as a segmenter found them (:class:`crisis_screen.segment.Layout`)."""

    @property
    def starts(self) -> Sequence[int]:
        """Offset of each line's first character (``str.splitlines`` lines)."""

    @property
    def ends(self) -> Sequence[int]:
        """Offset just past each line's last character, line break excluded."""

    def heading_lines(self) -> list[int]:
        """1-based numbers of the lines that are section headings."""


@dataclass(frozen=True, slots=True)
class Position:
    """The lines of one dated position.

    Attributes:
        first_line: 1-based number of its first line (``str.splitlines`` numbering, the same
            as an evidence ``line_no``).
        last_line: 1-based number of its last line, inclusive.
        span: The date range that dates it.
    """

    first_line: int
    last_line: int
    span: DateRange


@dataclass(frozen=True, slots=True)
class Experience:
    """How long and how recently the evidenced work was done.

    Attributes:
        months: Months covered by the positions holding evidence, overlaps merged; None when
            no evidence line is inside a dated position.
        last_used: The latest end year of those positions, or None.
        positions: Those positions, in document order.
    """

    months: int | None
    last_used: int | None
    positions: tuple[Position, ...]


# ---------------------------------------------------------------------------------------------
# Positions: which lines belong to which dated position.


def find_positions(
    text: str,
    reference: date,
    *,
    headings: Sequence[int] | None = None,
    words: DateWords | None = None,
    layout: LineLayout | None = None,
) -> list[Position]:
    """Split a resume into dated positions.

    Layout rules (kept simple on purpose; each is a common resume layout):

    - A position starts at a line holding a date range: "Title | Company | 2019 - Present",
      "2019 - Present: Title", or a date line above its title.
    - When the range stands alone on its line (nothing beside it but punctuation), the
      title, company and location lines just above it belong to the position too (a title
      line, a company line, then "Jan 2019 - Present"): up to three lines, each short, not a
      bullet, not ending like a sentence, with no date, and not across a blank line, a
      heading or another position.
    - A position ends before the next position's first line, before a section heading, before
      a line that holds a single date and nothing else (an undated entry such as "05/2008" or
      a degree's year: its lines are not the previous job's), or at the end of the text.
      Trailing blank lines are not part of it.
    - Headings are the ``headings`` line numbers when given (e.g. from the screener's
      segmenter); otherwise short lines without digits that are in capitals or end with ":".

    Args:
        text: The resume text.
        reference: The date the resume is read as of (see :func:`find_date_range`).
        headings: 1-based line numbers of section headings, when the caller knows them.
        words: The vocabulary; the shipped one by default.
        layout: The lines of this same ``text`` as the caller segmented them (the
            screener's :class:`~crisis_screen.segment.Layout`): their bounds are reused, and
            its heading lines stand for ``headings`` when those are not given.

    Returns:
        The positions in document order; their line ranges never overlap.
    """
    if layout is not None:
        starts, ends = layout.starts, layout.ends
        if headings is None:
            headings = layout.heading_lines()
    else:
        # Imported here: the segmenter brings pydantic, and this module stays light to import.
        from crisis_screen.segment import line_bounds

        starts, ends = line_bounds(text)
    grammar = grammar_for(words or default_words())
    now = YearMonth(reference.year, reference.month)
    max_year = reference.year + 1
    n = len(starts) if text else 0  # line_bounds gives an empty text one empty line
    # What the lines holding a date say, by line index; every other line holds none. Most lines
    # have no date, so nothing is kept or visited for them.
    ranges: dict[int, DateRange | None] = {}  # the line's first range, in line order
    has_date: dict[int, bool] = {}
    single: dict[int, bool] = {}  # a lone date with nothing else on the line
    for i in _lines_with_digits(text, starts, ends):
        line = text[starts[i] : ends[i]]
        toks = grammar.tokens(line, max_year)
        on_line = ranges_on_line(grammar, line, toks, now) if toks else []
        ranges[i] = on_line[0] if on_line else None
        dates = [t for t in toks if t.precision not in ("present", "month_only")]
        has_date[i] = bool(on_line or dates)
        single[i] = (
            not on_line
            and len(dates) == 1
            and not _WORD.search(line, 0, dates[0].start)
            and not _WORD.search(line, dates[0].end)
        )

    def line_at(i: int) -> str:
        return text[starts[i] : ends[i]]

    if headings is None:
        heading_set = {i for i in range(n) if _looks_like_heading(line_at(i))}
    else:
        heading_set = {number - 1 for number in headings}
    heads: list[tuple[int, int, DateRange]] = []  # (first line, date line, range), 0-based
    claimed: set[int] = set()
    for i, found in ranges.items():
        if found is None or _in_prose(line_at(i), found):
            continue
        first = i
        if _standalone(line_at(i), found):
            j = i - 1
            while (
                j >= 0
                and i - j <= _MAX_TITLE_LINES
                and j not in claimed
                and j not in heading_set
                and not has_date.get(j, False)
                and _title_like(line_at(j))
            ):
                first = j
                j -= 1
        claimed.update(range(first, i + 1))
        heads.append((first, i, found))
    # A position runs to the line before the first heading or lone date after its date line
    # (or before the next position): found by bisection, not by visiting every line.
    stops = sorted(heading_set.union(i for i, lone in single.items() if lone))
    positions: list[Position] = []
    for k, (first, date_line, span) in enumerate(heads):
        stop = heads[k + 1][0] if k + 1 < len(heads) else n
        at = bisect_right(stops, date_line)
        if at < len(stops):
            stop = min(stop, stops[at])
        last = stop - 1
        while last > date_line and not line_at(last).strip():
            last -= 1
        positions.append(Position(first + 1, last + 1, span))
    return positions


def _lines_with_digits(text: str, starts: Sequence[int], ends: Sequence[int]) -> Iterator[int]:
    # The index of every line with four digits in a row, in order: only those can hold a date.
    # One search of the whole text finds them (a search per line costs a third more).
    if text.isascii() or not _DIGIT.search(_not_ascii(text)):
        # Every digit is 0-9. Made "0", four in a row are found by a fast substring search
        # instead of a test of each character's Unicode class (12 instead of 39 us per 3.9 KB
        # ASCII resume, 24 instead of 40 with bullets). One byte per character ("?" for
        # those not ASCII) keeps the offsets; the search goes on after the line found.
        digits = text.encode("ascii", "replace").translate(_ZEROS)
        at = digits.find(b"0000")
        while at >= 0:
            i = bisect_right(starts, at) - 1
            yield i
            at = digits.find(b"0000", max(ends[i], at + 1))
    else:
        # Each match runs to the end of its line, so a line is found once.
        for m in _YEAR_LINE.finditer(text):
            yield bisect_right(starts, m.start()) - 1


def _not_ascii(text: str) -> str:
    # The characters of a text that are not ASCII, in order: no byte of their UTF-8 encoding is
    # an ASCII byte, so deleting those leaves exactly them.
    raw = text.encode("utf-8", "surrogatepass").translate(None, _ASCII)
    return raw.decode("utf-8", "surrogatepass")


def _in_prose(line: str, found: DateRange) -> bool:
    # A long line is wrapped prose; a date inside a sentence ("has had a contract with the county
    # since 2010") dates something else. A range opening the line still heads a position.
    return len(line) > _MAX_PROSE_FREE_CHARS and bool(_WORD.search(line, 0, found.start_char))


def _standalone(line: str, found: DateRange) -> bool:
    # Only punctuation beside the range: any word there ("Counselor | 2019 - 2021") is the
    # position's own title, so the line above is not.
    return not _WORD.search(line, 0, found.start_char) and not _WORD.search(line, found.end_char)


def _title_like(line: str) -> bool:
    s = line.strip()
    return (
        bool(s)
        and len(s) <= _MAX_TITLE_CHARS
        and not s.endswith(_SENTENCE_END)
        and not _BULLET.match(line)
    )


def _looks_like_heading(line: str) -> bool:
    s = line.strip()
    if not s or len(s) > _MAX_HEADING_CHARS or any(c.isdigit() for c in s):
        return False
    if len(s.split()) > _MAX_HEADING_WORDS:
        return False
    letters = [c for c in s if c.isalpha()]
    return s.endswith(":") or (len(letters) >= 2 and all(c.isupper() for c in letters))


# ---------------------------------------------------------------------------------------------
# Experience: the positions that hold evidence.


def experience(positions: Sequence[Position], evidence_lines: Iterable[int]) -> Experience:
    """Measure the positions that hold at least one evidence line.

    Args:
        positions: From :func:`find_positions`.
        evidence_lines: 1-based line numbers of the counted evidence.

    Returns:
        Months covered (overlapping spans merged, both ends included) and the latest end year
        of those positions; ``None``/``None`` when no evidence line is inside a position.
    """
    wanted = sorted(set(evidence_lines))
    held = tuple(p for p in positions if _holds(p, wanted))
    if not held:
        return Experience(None, None, ())
    spans = sorted((p.span.start.index, p.span.end.index) for p in held)
    months = 0
    cur_start, cur_end = spans[0]
    for s, e in spans[1:]:
        if s <= cur_end:  # overlapping: extend the current run
            cur_end = max(cur_end, e)
        else:
            months += cur_end - cur_start + 1
            cur_start, cur_end = s, e
    months += cur_end - cur_start + 1
    return Experience(months, max(p.span.end.year for p in held), held)


def _holds(position: Position, lines: Sequence[int]) -> bool:
    i = bisect_left(lines, position.first_line)
    return i < len(lines) and lines[i] <= position.last_line
