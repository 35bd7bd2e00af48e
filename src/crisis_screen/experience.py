"""How long and how recently a candidate did the work: employment date ranges in a resume.

Three steps, each usable alone:

1. :func:`find_date_range` finds an employment date range on one line: month names and
   abbreviations ("Jan 2019", "Sept. 2019", "May of 2014"), ``mm/yyyy``, ``mm/dd/yyyy``,
   ``yyyy-mm``, ``yyyy-mm-dd``, seasons ("Fall 2012"), bare years ("2015 - 2019"), open ends
   ("Present", "Current", "to date", "Now"), dashes of every kind or a joining word ("to",
   "until", "thru"), and open starts ("Since 2018", "2018 onwards"). A bare start year is
   January and a bare end year December (a bare year is a whole year); an open end is the
   reference month. Impossible dates (month 13, end before start, a year outside
   1950..reference year + 1) and single dates (a graduation year, "Certified 2019") are not
   ranges.
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
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from crisis_screen.errors import LexiconError

#: Earliest year read as an employment date; older four-digit numbers are not dates.
MIN_YEAR = 1950
#: The data file, relative to the shipped lexicon directory.
DATES_FILE = Path("common") / "dates.toml"

# Punctuation that joins the two ends of a range; the joining words are data.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212~"
# Every range holds a four-digit year: lines without one are skipped cheaply.
_HAS_YEAR = re.compile(r"\d{4}")
# Everything but letters and digits: what may stand beside a date on a line of its own.
_NOT_WORDS = re.compile(r"[\W_]+")
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


@dataclass(frozen=True, slots=True, order=True)
class YearMonth:
    """A calendar month.

    Attributes:
        year: The year.
        month: The month, 1 to 12.
    """

    year: int
    month: int

    @property
    def index(self) -> int:
        """Months since year 0, so that month arithmetic is integer subtraction."""
        return self.year * 12 + self.month - 1


@dataclass(frozen=True, slots=True)
class DateRange:
    """An employment date range found on one line.

    Attributes:
        start: First month of the range.
        end: Last month of the range (the reference month when the range is open).
        open_ended: True for "Present", "Current", "Since 2018" and the like.
        start_char: Offset of the range's first character in the line.
        end_char: Offset one past its last character.
    """

    start: YearMonth
    end: YearMonth
    open_ended: bool
    start_char: int
    end_char: int

    @property
    def months(self) -> int:
        """Length in whole months, both ends included."""
        return self.end.index - self.start.index + 1


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


@dataclass(frozen=True, slots=True)
class DateWords:
    """The vocabulary of date ranges, read from ``dates.toml``.

    Attributes:
        months: Each month name or abbreviation (lower case) with its number.
        seasons: Each season with its first and last month.
        present: Words for an end that is still running ("present", "current").
        range_words: Words that join start and end like a dash ("to", "until").
        since: Words before an open start ("since").
        onward: Words after an open start ("onwards").
        month_year: Filler words between a month and its year ("of").
    """

    months: tuple[tuple[str, int], ...]
    seasons: tuple[tuple[str, int, int], ...]
    present: tuple[str, ...]
    range_words: tuple[str, ...]
    since: tuple[str, ...]
    onward: tuple[str, ...]
    month_year: tuple[str, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any], source: str) -> DateWords:
        """Validate parsed TOML data.

        Args:
            data: The parsed file.
            source: File name, used in error messages.

        Raises:
            LexiconError: Listing every problem found.
        """
        problems: list[str] = []
        allowed = {"version", "months", "seasons", "words"}
        problems += [f"{source}: unknown key {k!r}" for k in sorted(set(data) - allowed)]
        months: list[tuple[str, int]] = []
        raw_months = data.get("months")
        if not isinstance(raw_months, list) or len(raw_months) != 12:
            problems.append(f"{source}: months: expected a list of 12 lists of names")
            raw_months = []
        seen: dict[str, int] = {}
        for number, names in enumerate(raw_months, 1):
            if not _is_word_list(names) or not names:
                problems.append(f"{source}: months[{number}]: expected a list of lower-case names")
                continue
            for name in names:
                if name in seen and seen[name] != number:
                    problems.append(
                        f"{source}: months: {name!r} names months {seen[name]} and {number}"
                    )
                seen[name] = number
                months.append((name, number))
        seasons: list[tuple[str, int, int]] = []
        raw_seasons = data.get("seasons", {})
        if not isinstance(raw_seasons, dict):
            problems.append(f"{source}: seasons: expected a table of name = [first, last]")
            raw_seasons = {}
        for name, bounds in raw_seasons.items():
            if (
                not isinstance(bounds, list)
                or len(bounds) != 2
                or not all(isinstance(m, int) and 1 <= m <= 12 for m in bounds)
                or bounds[0] > bounds[1]
            ):
                problems.append(
                    f"{source}: seasons.{name}: expected [first month, last month], 1-12, in order"
                )
                continue
            seasons.append((name.lower(), bounds[0], bounds[1]))
        raw_words = data.get("words", {})
        if not isinstance(raw_words, dict):
            problems.append(f"{source}: words: expected a table of word lists")
            raw_words = {}
        known = ("present", "range", "since", "onward", "month_year")
        problems += [
            f"{source}: words: unknown key {k!r}" for k in sorted(set(raw_words) - set(known))
        ]
        words: dict[str, tuple[str, ...]] = {}
        for key in known:
            value = raw_words.get(key, [])
            if not _is_word_list(value):
                problems.append(f"{source}: words.{key}: expected a list of lower-case words")
                value = []
            words[key] = tuple(value)
        if not words["present"]:
            problems.append(f"{source}: words.present: at least one word is needed")
        if problems:
            raise LexiconError(problems)
        return cls(
            months=tuple(months),
            seasons=tuple(seasons),
            present=words["present"],
            range_words=words["range"],
            since=words["since"],
            onward=words["onward"],
            month_year=words["month_year"],
        )

    @classmethod
    def load(cls, path: str | Path) -> DateWords:
        """Read and validate a dates TOML file.

        Raises:
            LexiconError: When the file cannot be read or is not valid.
        """
        # Imported here: the lexicon module brings pydantic, which this module does not need
        # until a file is actually read.
        from crisis_screen.lexicon import read_toml

        return cls.from_data(read_toml(path), str(path))


def _is_word_list(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(w, str) and w.strip() and w == w.lower() for w in value
    )


@lru_cache(maxsize=1)
def default_words() -> DateWords:
    """Return the shipped vocabulary (read once, immutable, shared)."""
    from crisis_screen.lexicon import default_lexicon_dir

    return DateWords.load(default_lexicon_dir() / DATES_FILE)


# ---------------------------------------------------------------------------------------------
# Tokens: every date-like thing on a line, then ranges from neighbouring tokens.

Precision = Literal["day", "month", "season", "year", "month_only", "present"]


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    precision: Precision
    year: int = 0
    first: int = 1  # the month when the token starts a range
    last: int = 12  # the month when it ends one
    valid: bool = True


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so "sept" wins over "sep" and "september" over both.
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class _Grammar:
    """The regular expressions of one vocabulary, compiled once."""

    def __init__(self, words: DateWords) -> None:
        self.words = words
        self.month_of = dict(words.months)
        self.season_of = {name: (a, b) for name, a, b in words.seasons}
        months = _alternation(self.month_of)
        seasons = _alternation(self.season_of) or r"(?!)"
        filler = _alternation(words.month_year)
        filler_part = rf"(?:(?:{filler})\s+)?" if filler else ""
        day = r"(?:\d{1,2}(?:st|nd|rd|th)?)"
        self.token = re.compile(
            "|".join(
                (
                    # 2017-09-01, 2017/09/01
                    r"(?P<ymd>(?<![\d.,$])(?P<ymd_y>\d{4})(?P<ymd_sep>[-/.])(?P<ymd_m>\d{1,2})"
                    r"(?P=ymd_sep)(?P<ymd_d>\d{1,2})(?!\d))",
                    # 03/15/2019 (or 15/03/2019, see _numeric_month)
                    r"(?P<mdy>(?<![\d.,$])(?P<mdy_a>\d{1,2})(?P<mdy_sep>[/.-])(?P<mdy_b>\d{1,2})"
                    r"(?P=mdy_sep)(?P<mdy_y>\d{4})(?!\d))",
                    # 2019-03: a two-digit month after a year ("2011-12" reads as Dec 2011)
                    r"(?P<ym>(?<![\d.,$])(?P<ym_y>\d{4})[-/.](?P<ym_m>\d{2})(?!\d|[/.-]\d))",
                    # 03/2019, 3/2019, 03.2019, 03-2019
                    r"(?P<my>(?<![\d.,$/])(?P<my_m>\d{1,2})[/.-](?P<my_y>\d{4})(?!\d))",
                    # 15 Jan 2019, Jan 2019, Sept. 2019, January 15, 2019, May of 2014
                    rf"(?P<name>\b(?:{day}\s+)?(?P<name_m>{months})\b\.?(?:\s*{day}\b)?"
                    rf"(?:\s*,\s*|\s+|[-/]){filler_part}['\u2019]?(?P<name_y>\d{{4}})(?![\d%+]))",
                    # Fall 2012, Spring, 2000
                    rf"(?P<season>\b(?P<season_s>{seasons})\b\s*,?\s*(?P<season_y>\d{{4}})(?![\d%+]))",
                    # "Jan" in "Jan - Mar 2019": takes its year from the end of the range
                    rf"(?P<monly>\b(?P<monly_m>{months})\b\.?)",
                    # 2019
                    r"(?P<year>(?<![\d.,$/])(?P<year_y>\d{4})(?![\d%+]))",
                    # Present, Current, to date
                    rf"(?P<present>\b(?:{_alternation(words.present)})\b)",
                )
            ),
            re.IGNORECASE,
        )
        joiners = _alternation(words.range_words)
        joiner_part = rf"|\b(?:{joiners})\b" if joiners else ""
        self.joiner = re.compile(rf"\s*(?:[{_DASHES}]+{joiner_part})\s*$", re.IGNORECASE)
        since = _alternation(words.since)
        self.since = re.compile(rf"\b(?:{since})\s*$", re.IGNORECASE) if since else None
        onward = _alternation(words.onward)
        self.onward = re.compile(rf"\s*(?:{onward})\b", re.IGNORECASE) if onward else None

    def tokens(self, line: str, max_year: int) -> list[_Token]:
        out: list[_Token] = []
        for m in self.token.finditer(line):
            out.append(self._token(m, max_year))
        return out

    def _token(self, m: re.Match[str], max_year: int) -> _Token:
        kind = m.lastgroup
        s, e = m.span()
        g = m.group
        if kind == "ymd":
            mo = int(g("ymd_m"))
            return _dated(s, e, "day", int(g("ymd_y")), mo, mo, max_year, day=int(g("ymd_d")))
        if kind == "mdy":
            mo = _numeric_month(int(g("mdy_a")), int(g("mdy_b")))
            return _dated(s, e, "day", int(g("mdy_y")), mo, mo, max_year)
        if kind == "ym":
            mo = int(g("ym_m"))
            return _dated(s, e, "month", int(g("ym_y")), mo, mo, max_year)
        if kind == "my":
            mo = int(g("my_m"))
            return _dated(s, e, "month", int(g("my_y")), mo, mo, max_year)
        if kind == "name":
            mo = self.month_of[g("name_m").lower()]
            return _dated(s, e, "month", int(g("name_y")), mo, mo, max_year)
        if kind == "season":
            first, last = self.season_of[g("season_s").lower()]
            return _dated(s, e, "season", int(g("season_y")), first, last, max_year)
        if kind == "monly":
            mo = self.month_of[g("monly_m").lower()]
            return _Token(s, e, "month_only", 0, mo, mo)
        if kind == "year":
            return _dated(s, e, "year", int(g("year_y")), 1, 12, max_year)
        return _Token(s, e, "present")


def _numeric_month(a: int, b: int) -> int:
    # a/b/yyyy is month/day (US) unless the first number cannot be a month (15/03/2019).
    if 1 <= a <= 12:
        return a
    return b if 1 <= b <= 12 else 0


def _dated(
    s: int,
    e: int,
    precision: Precision,
    year: int,
    first: int,
    last: int,
    max_year: int,
    day: int = 1,
) -> _Token:
    valid = MIN_YEAR <= year <= max_year and 1 <= first <= 12 and 1 <= last <= 12 and day <= 31
    return _Token(s, e, precision, year, first, last, valid)


@lru_cache(maxsize=8)
def _grammar(words: DateWords) -> _Grammar:
    return _Grammar(words)


def find_date_range(
    line: str, reference: date, *, words: DateWords | None = None
) -> DateRange | None:
    """Find the first employment date range on a line.

    Args:
        line: One line of text.
        reference: Today, or the date the resume is read as of: an open end ("Present") is
            this month, no date may be later than its year + 1, and no range runs past it.
        words: The vocabulary; the shipped ``lexicon/common/dates.toml`` by default.

    Returns:
        The range, or None when the line holds no valid range (a single date is not a range).
    """
    for found in find_date_ranges(line, reference, words=words):
        return found
    return None


def find_date_ranges(
    line: str, reference: date, *, words: DateWords | None = None
) -> list[DateRange]:
    """Find every employment date range on a line, left to right (see :func:`find_date_range`).

    Args:
        line: One line of text.
        reference: The date the resume is read as of.
        words: The vocabulary; the shipped one by default.

    Returns:
        The ranges in order; empty when there is none.
    """
    if not _HAS_YEAR.search(line):
        return []
    grammar = _grammar(words or default_words())
    toks = grammar.tokens(line, reference.year + 1)
    return _ranges(grammar, line, toks, YearMonth(reference.year, reference.month))


def _ranges(grammar: _Grammar, line: str, toks: list[_Token], now: YearMonth) -> list[DateRange]:
    """Pair neighbouring tokens into ranges; a token left alone may open one ("Since 2018")."""
    out: list[DateRange] = []
    i = 0
    while i < len(toks):
        a = toks[i]
        b = toks[i + 1] if i + 1 < len(toks) else None
        if b is not None and grammar.joiner.match(line, a.end, b.start):
            found = _closed(a, b, now)
            if found is not None:
                out.append(found)
                i += 2
                continue
        if a.precision not in ("present", "month_only") and a.valid:
            opened = _open_start(grammar, line, a, b, now)
            if opened is not None:
                out.append(opened)
        i += 1
    return out


def _closed(a: _Token, b: _Token, now: YearMonth) -> DateRange | None:
    if not a.valid or not b.valid or a.precision == "present":
        return None
    if b.precision == "present":
        if a.precision == "month_only":
            return None
        start, end, open_ended = YearMonth(a.year, a.first), now, True
    elif b.precision == "month_only":
        return None
    else:
        year = a.year
        if a.precision == "month_only" and b.precision == "year":
            return None  # "Jan - 2019": no month to share a year with
        if a.precision == "month_only":
            # "Nov - Feb 2019" runs from the November before.
            year = b.year - 1 if a.first > b.last else b.year
        start, end, open_ended = YearMonth(year, a.first), YearMonth(b.year, b.last), False
    end = min(end, now)  # work is never counted past the reference month
    if end < start or start.year < MIN_YEAR:
        return None
    return DateRange(start, end, open_ended, a.start, b.end)


def _open_start(
    grammar: _Grammar, line: str, a: _Token, b: _Token | None, now: YearMonth
) -> DateRange | None:
    start = YearMonth(a.year, a.first)
    if start > now:
        return None
    before = grammar.since.search(line, 0, a.start) if grammar.since else None
    if before is not None:
        return DateRange(start, now, True, before.start(), a.end)
    after = grammar.onward.match(line, a.end) if grammar.onward else None
    if after is not None and (b is None or b.start >= after.end()):
        return DateRange(start, now, True, a.start, after.end())
    return None


# ---------------------------------------------------------------------------------------------
# Positions: which lines belong to which dated position.


def find_positions(
    text: str,
    reference: date,
    *,
    headings: Sequence[int] | None = None,
    words: DateWords | None = None,
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

    Returns:
        The positions in document order; their line ranges never overlap.
    """
    lines = text.splitlines()
    grammar = _grammar(words or default_words())
    now = YearMonth(reference.year, reference.month)
    ranges: list[DateRange | None] = []
    single: list[bool] = []  # a lone date with nothing else on the line
    has_date: list[bool] = []
    for line in lines:
        toks = grammar.tokens(line, reference.year + 1) if _HAS_YEAR.search(line) else []
        on_line = _ranges(grammar, line, toks, now) if toks else []
        ranges.append(on_line[0] if on_line else None)
        dates = [t for t in toks if t.precision not in ("present", "month_only")]
        has_date.append(bool(on_line or dates))
        single.append(
            not on_line
            and len(dates) == 1
            and not _NOT_WORDS.sub("", line[: dates[0].start] + line[dates[0].end :])
        )
    if headings is None:
        heading_set = {i for i, line in enumerate(lines) if _looks_like_heading(line)}
    else:
        heading_set = {n - 1 for n in headings}
    heads: list[tuple[int, int, DateRange]] = []  # (first line, date line, range), 0-based
    claimed: set[int] = set()
    for i, found in enumerate(ranges):
        if found is None or _in_prose(lines[i], found):
            continue
        first = i
        if _standalone(lines[i], found):
            j = i - 1
            while (
                j >= 0
                and i - j <= _MAX_TITLE_LINES
                and j not in claimed
                and j not in heading_set
                and not has_date[j]
                and _title_like(lines[j])
            ):
                first = j
                j -= 1
        claimed.update(range(first, i + 1))
        heads.append((first, i, found))
    positions: list[Position] = []
    for k, (first, date_line, span) in enumerate(heads):
        stop = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        last = date_line
        for i in range(date_line + 1, stop):
            if i in heading_set or single[i]:
                break
            last = i
        while last > date_line and not lines[last].strip():
            last -= 1
        positions.append(Position(first + 1, last + 1, span))
    return positions


def _in_prose(line: str, found: DateRange) -> bool:
    # A long line is wrapped prose; a date inside a sentence ("has had a contract with the county
    # since 2010") dates something else. A range opening the line still heads a position.
    return len(line) > _MAX_PROSE_FREE_CHARS and bool(_NOT_WORDS.sub("", line[: found.start_char]))


def _standalone(line: str, found: DateRange) -> bool:
    # Only punctuation beside the range: any word there ("Counselor | 2019 - 2021") is the
    # position's own title, so the line above is not.
    return not _NOT_WORDS.sub("", line[: found.start_char] + line[found.end_char :])


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
