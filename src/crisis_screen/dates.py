"""Employment date ranges on one resume line.

:func:`find_date_range` finds an employment date range on one line: month names and
abbreviations ("Jan 2019", "Sept. 2019", "May of 2014"), ``mm/yyyy``, ``mm/dd/yyyy``,
``yyyy-mm``, ``yyyy-mm-dd``, seasons ("Fall 2012"), bare years ("2015 - 2019"), open ends
("Present", "Current", "to date", "Now"), dashes of every kind or a joining word ("to",
"until", "thru"), and open starts ("Since 2018", "2018 onwards"). A bare start year is January
and a bare end year December (a bare year is a whole year); an open end is the reference
month. Impossible dates (month 13, end before start, a year outside 1950..reference year + 1)
and single dates (a graduation year, "Certified 2019") are not ranges.

The vocabulary (month names, "present" words, ...) is data in ``lexicon/common/dates.toml``.
The module needs no model and nothing is read at import time. :mod:`crisis_screen.experience`
builds positions and months of experience on it.

Example:
    >>> from datetime import date
    >>> r = find_date_range("Crisis Counselor | Jan 2019 - Present", date(2026, 12, 1))
    >>> (r.start, r.end, r.open_ended)
    (YearMonth(year=2019, month=1), YearMonth(year=2026, month=12), True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

from crisis_screen.errors import LexiconError

#: Earliest year read as an employment date; older four-digit numbers are not dates.
MIN_YEAR = 1950
#: The data file, relative to the shipped lexicon directory.
DATES_FILE = Path("common") / "dates.toml"

# Punctuation that joins the two ends of a range; the joining words are data.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212~"
# Every range holds a four-digit year: lines without one are skipped cheaply. Spelled out, not
# \d{4}: the same matches, and CPython's engine finds them in half the time (no repeat loop).
HAS_YEAR = re.compile(r"\d\d\d\d")


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


class _Token(NamedTuple):
    # A named tuple, not a frozen dataclass: a resume line makes a few of these and the
    # dataclass's field-by-field __init__ cost three times as much.
    start: int
    end: int
    precision: Precision
    year: int = 0
    first: int = 1  # the month when the token starts a range
    last: int = 12  # the month when it ends one
    valid: bool = True


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so "sept" wins over "sep" and "september" over both. Lower case: the
    # token pattern is matched case-sensitively against lower-cased lines.
    return "|".join(re.escape(w.lower()) for w in sorted(set(words), key=len, reverse=True))


def _by_first_letter(words: Iterable[str]) -> str:
    # "j(?:anuary|uly|une|an|un|ul)|f(?:ebruary|all|eb)|...": the same words as
    # _alternation(words), tried after one test of their first letter.
    rests: dict[str, list[str]] = {}
    for w in words:
        rests.setdefault(w[0], []).append(w[1:])
    return "(?:" + "|".join(re.escape(c) + f"(?:{_alternation(r)})" for c, r in rests.items()) + ")"


class _Grammar:
    """The regular expressions of one vocabulary, compiled once."""

    def __init__(self, words: DateWords) -> None:
        self.words = words
        # Lower case throughout: tokens are looked up by the lower case of what matched.
        self.month_of = {name.lower(): number for name, number in words.months}
        self.season_of = {name.lower(): (a, b) for name, a, b in words.seasons}
        months = _alternation(self.month_of)
        seasons = _alternation(self.season_of) or r"(?!)"
        filler = _alternation(words.month_year)
        filler_part = rf"(?:(?:{filler})\s+)?" if filler else ""
        day = r"(?:\d{1,2}(?:st|nd|rd|th)?)"
        # Every token starts with a digit or with a vocabulary word and a word boundary: a
        # lookahead on that lets the engine skip all other positions before trying the nine
        # branches. The words are grouped by first letter, "j(?:anuary|uly|...)", so that a word
        # start costs about one test per letter (a fifth less time on resume lines holding a
        # year than a test on the first two letters, which lets words like "county" through);
        # a test of the first character alone rejects most positions sooner (a tenth less).
        vocabulary = [w.lower() for w in (*self.month_of, *self.season_of, *words.present)]
        if words.present and all(vocabulary):
            initials = re.escape("".join(sorted({w[0] for w in vocabulary})))
            start = rf"(?=[\d{initials}])(?=\d|\b{_by_first_letter(vocabulary)}\b)"
        else:
            # An empty word, or no "present" word (an empty alternation), matches nothing at
            # any word start: the first letters of the other words keep deciding where.
            vocabulary = [w for w in vocabulary if w]
            initials = re.escape("".join(sorted({w[0] for w in vocabulary})))
            start = rf"(?=\d|\b[{initials}])" if initials else r"(?=\d)"
            if vocabulary and all(len(w) > 1 for w in vocabulary):
                seconds = re.escape("".join(sorted({w[1] for w in vocabulary})))
                start = rf"(?=\d|\b[{initials}][{seconds}])"
        pattern = (
            start
            + "(?:"
            + "|".join(
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
            )
            + ")"
        )
        # Tokens are found in the lower-cased line by a case-sensitive pattern: a third faster
        # than IGNORECASE, which folds the case of every character it compares.
        self.token = re.compile(pattern)
        joiners = _alternation(words.range_words)
        joiner_part = rf"|\b(?:{joiners})\b" if joiners else ""
        self.joiner = re.compile(rf"\s*(?:[{_DASHES}]+{joiner_part})\s*$", re.IGNORECASE)
        since = _alternation(words.since)
        self.since = re.compile(rf"\b(?:{since})\s*$", re.IGNORECASE) if since else None
        onward = _alternation(words.onward)
        self.onward = re.compile(rf"\s*(?:{onward})\b", re.IGNORECASE) if onward else None

    def tokens(self, line: str, max_year: int) -> list[_Token]:
        lowered = line.lower()
        if len(lowered) != len(line):
            # A few letters lower-case to two characters ("İ"): keep one character each, so
            # that offsets into ``lowered`` are offsets into ``line``.
            lowered = "".join(ch.lower()[:1] or ch for ch in line)
        return [self._token(m, max_year) for m in self.token.finditer(lowered)]

    def _token(self, m: re.Match[str], max_year: int) -> _Token:
        kind = m.lastgroup
        s, e = m.span()
        g = m.group
        # The commonest kinds on resumes first (bare years, then month names and mm/yyyy).
        if kind == "year":
            return _dated(s, e, "year", int(g("year_y")), 1, 12, max_year)
        if kind == "name":
            mo = self.month_of[g("name_m").lower()]
            return _dated(s, e, "month", int(g("name_y")), mo, mo, max_year)
        if kind == "my":
            mo = int(g("my_m"))
            return _dated(s, e, "month", int(g("my_y")), mo, mo, max_year)
        if kind == "present":
            return _Token(s, e, "present")
        if kind == "ymd":
            mo = int(g("ymd_m"))
            return _dated(s, e, "day", int(g("ymd_y")), mo, mo, max_year, int(g("ymd_d")))
        if kind == "mdy":
            mo = _numeric_month(int(g("mdy_a")), int(g("mdy_b")))
            return _dated(s, e, "day", int(g("mdy_y")), mo, mo, max_year)
        if kind == "ym":
            mo = int(g("ym_m"))
            return _dated(s, e, "month", int(g("ym_y")), mo, mo, max_year)
        if kind == "season":
            first, last = self.season_of[g("season_s").lower()]
            return _dated(s, e, "season", int(g("season_y")), first, last, max_year)
        mo = self.month_of[g("monly_m").lower()]  # "monly"
        return _Token(s, e, "month_only", 0, mo, mo)


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
def grammar_for(words: DateWords) -> _Grammar:
    """Return the compiled date grammar of a vocabulary (built once per vocabulary)."""
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
    if not HAS_YEAR.search(line):
        return []
    grammar = grammar_for(words or default_words())
    toks = grammar.tokens(line, reference.year + 1)
    return ranges_on_line(grammar, line, toks, YearMonth(reference.year, reference.month))


def ranges_on_line(
    grammar: _Grammar, line: str, toks: list[_Token], now: YearMonth
) -> list[DateRange]:
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


@lru_cache(maxsize=4096)
def _year_month(year: int, month: int) -> YearMonth:
    # YearMonth values are immutable and a corpus names few distinct months: one made once is
    # shared (a cache hit costs a tenth of making a frozen dataclass).
    return YearMonth(year, month)


def _closed(a: _Token, b: _Token, now: YearMonth) -> DateRange | None:
    # Months are compared as (year, month) pairs, the order YearMonth defines, and the
    # YearMonth values of a kept range are shared ones (_year_month).
    if not a.valid or not b.valid or a.precision == "present":
        return None
    if b.precision == "present":
        if a.precision == "month_only":
            return None
        start, end, open_ended = (a.year, a.first), (now.year, now.month), True
    elif b.precision == "month_only":
        return None
    else:
        year = a.year
        if a.precision == "month_only" and b.precision == "year":
            return None  # "Jan - 2019": no month to share a year with
        if a.precision == "month_only":
            # "Nov - Feb 2019" runs from the November before.
            year = b.year - 1 if a.first > b.last else b.year
        start, end, open_ended = (year, a.first), (b.year, b.last), False
    end = min(end, (now.year, now.month))  # work is never counted past the reference month
    if end < start or start[0] < MIN_YEAR:
        return None
    return DateRange(_year_month(*start), _year_month(*end), open_ended, a.start, b.end)


def _open_start(
    grammar: _Grammar, line: str, a: _Token, b: _Token | None, now: YearMonth
) -> DateRange | None:
    if (a.year, a.first) > (now.year, now.month):
        return None
    start = _year_month(a.year, a.first)
    before = grammar.since.search(line, 0, a.start) if grammar.since else None
    if before is not None:
        return DateRange(start, now, True, before.start(), a.end)
    after = grammar.onward.match(line, a.end) if grammar.onward else None
    if after is not None and (b is None or b.start >= after.end()):
        return DateRange(start, now, True, a.start, after.end())
    return None
