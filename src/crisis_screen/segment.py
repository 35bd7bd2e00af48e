"""Split a document into lines and resume sections, keeping offsets into the original text.

Nothing here rewrites the text: a line is a ``(start, end)`` slice of ``Document.text``, so
every offset the screener reports indexes the text the caller gave (Windows line ends, tabs,
bullets and non-ASCII characters included).
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from crisis_screen.lexicon.schema import ListShape
from crisis_screen.models import Section, SectionSpan

# Bullets, numbering and decoration around a heading ("== SKILLS ==", "1. Experience:").
_HEADING_TRIM = re.compile(r"^[\W\d_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")
# A run of the characters _HEADING_TRIM keeps at a heading's start (letters, in effect).
_FIRST_LETTERS = re.compile(r"[^\W\d_]+")
# A heading is short; longer lines are never looked up (keeps the per-line cost tiny).
_MAX_HEADING_CHARS = 48
# Separators running text also uses between its parts; with only these, a list needs the
# lexicon's full `min_items`, with any other (pipes, bullets, tabs, spaced dashes) one fewer.
_SENTENCE_SEPARATORS = frozenset({",", ";"})
# "Core Qualifications: ..." / "Keywords - ...": a short label before the list itself.
_LABEL = re.compile(r"^\W*(?:[A-Za-z&/]+ ){0,3}[A-Za-z&/]+\s*(?::|\s[-–—]\s)\s*")
# A date range ("2019 - Present", "Jan 2019 – Mar 2021") marks a position or entry header.
# Only whether a line holds one matters, so the optional month before the first year is left
# out: it never decides whether there is a match, and trying it at every letter made the
# search five times slower.
_DATE_RANGE = re.compile(r"\d{4}\s*[-–—]\s*(?:(?:[A-Za-z]{3,9}\.? )?\d{4}|[A-Za-z]+)")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_JOINS = frozenset({"and", "or"})
# Sentence structure: a word that only running text uses between terms.
_FUNCTION_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "to",
        "of",
        "for",
        "with",
        "in",
        "on",
        "at",
        "by",
        "from",
        "as",
        "and",
        "or",
        "i",
        "we",
        "my",
        "our",
        "was",
        "were",
        "is",
        "are",
        "have",
        "has",
        "had",
        "who",
        "which",
        "that",
        "when",
        "while",
        "during",
        "into",
        "over",
        "per",
    }
)


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
    return _bounds(text, text.splitlines() or [""])


def _bounds(text: str, lines: Sequence[str]) -> tuple[list[int], list[int]]:
    """Line offsets from the text's ``splitlines()`` (an empty text: one empty line)."""
    # C-level passes only (splitlines, len, accumulate, add), no Python loop per line.
    if "\r" in text:
        # "\r\n" is the one two-character line break: measure the breaks themselves.
        starts = [0, *itertools.accumulate(map(len, text.splitlines(keepends=True)[:-1]))]
    else:
        # Every break is one character, so a line starts one past the previous line's end:
        # no second splitlines pass (it was a third of segmenting a resume).
        lengths = map(operator.add, map(len, lines[:-1]), itertools.repeat(1))
        starts = [0, *itertools.accumulate(lengths)]
    return starts, list(map(operator.add, starts, map(len, lines)))


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
    lowered = line.lower()
    found = headings.get(lowered.strip().rstrip(":"))
    if found is not None:
        return found
    # Most short lines are no heading: a heading's first run of letters is that of one of the
    # table's keys (the trimming below never cuts into it), and testing that in one match
    # costs a fifth of the trimming (and 0.44 against 0.75 us for a search and a set lookup).
    if isinstance(headings, HeadingTable) and headings.first_word.match(lowered) is None:
        return None
    key = _SPACES.sub(" ", _HEADING_TRIM.sub("", line.strip())).lower()
    return headings.get(key) if key else None


class HeadingTable(dict[str, Section]):
    """Heading text (lower case, single spaces) to section, with the keys' first words.

    Attributes:
        first_words: The first run of letters of every key, for a quick "no heading" answer.
        first_word: Matches a lower-case line whose first run of letters is in
            ``first_words`` (a line without letters is no heading either way).
    """

    first_words: frozenset[str]
    first_word: re.Pattern[str]


def heading_table(sections: Mapping[str, Sequence[str]]) -> HeadingTable:
    """Invert the lexicon's ``[sections]`` table into heading -> section."""
    table = HeadingTable()
    for name, heads in sections.items():
        for h in heads:
            table.setdefault(_SPACES.sub(" ", h.strip().lower()), name)
    table.first_words = frozenset(
        m.group() for key in table if (m := _FIRST_LETTERS.search(key)) is not None
    )
    # Non-letters, then one of the words, ending where the run of letters ends.
    words = "|".join(re.escape(w) for w in sorted(table.first_words)) or "(?!)"
    table.first_word = re.compile(rf"[\W\d_]*(?:{words})(?![^\W\d_])")
    return table


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
        self._lines = text.splitlines() or [""]
        self.starts, self.ends = _bounds(text, self._lines)
        self._headings = headings
        # Heading line indices and the section each opens, found in one pass when first needed.
        self._head_index: list[int] | None = None
        self._head_section: list[Section] = []
        # The section of each line found so far (None: not looked up yet); see _section_of.
        self._sections: list[Section | None] = [None] * len(self._lines)
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

    def _heads(self) -> list[int]:
        """Find every heading line once (a length test rules out most lines for nothing)."""
        if self._head_index is None:
            headings = self._headings
            index: list[int] = []
            sections: list[Section] = []
            for i, line in enumerate(self._lines):
                if 0 < len(line) <= _MAX_HEADING_CHARS:
                    found = heading_section(line, headings)
                    if found is not None:
                        index.append(i)
                        sections.append(found)
            self._head_index, self._head_section = index, sections
        return self._head_index

    def _section_of(self, i: int) -> Section:
        """Return the section of line ``i``: that of the nearest heading at or above it.

        Unless every heading is known already, the lines are read upwards from ``i`` to that
        heading only (a candidate line's heading is a few lines up; classifying every line
        was half of segmenting a resume), and each line passed keeps the section found, so a
        later lookup stops there: no line is classified twice, whatever the order of calls.
        """
        if self._head_index is not None:
            k = bisect_right(self._head_index, i) - 1
            return self._head_section[k] if k >= 0 else "unknown"
        if i < 0:
            return "unknown"  # what the bisect above answers
        known, lines, headings = self._sections, self._lines, self._headings
        section: Section | None = None
        j = i
        while j >= 0:
            section = known[j]
            if section is not None:
                break
            line = lines[j]
            if 0 < len(line) <= _MAX_HEADING_CHARS:
                section = heading_section(line, headings)
                if section is not None:
                    break
            j -= 1
        if section is None:
            section, j = "unknown", 0
        known[j : i + 1] = [section] * (i + 1 - j)
        return section

    def heading_lines(self) -> list[int]:
        """Return the 1-based numbers of the lines that are section headings."""
        return [i + 1 for i in self._heads()]

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
    """A pattern for the separators, captured: its ``split`` returns them between the parts."""
    alternatives = "|".join(re.escape(c) for c in sorted(chars, key=len, reverse=True))
    return re.compile(f"({alternatives})")


def _strip_label(line: str) -> str:
    """Drop a short leading label ("Skills:", "Core Qualifications -") and bullets."""
    m = _LABEL.match(line)
    rest = line[m.end() :] if m else line
    return rest.strip().lstrip("-*•·●▪◦> ").strip()


def is_list_line(line: str, shape: ListShape = _DEFAULT_SHAPE) -> bool:
    """Return True when a line reads as a list of keywords rather than a sentence.

    The shape decides, not a heading: a skills or course list ("Case management, Counseling,
    Crisis intervention, ...") has several separators with short items; with separators that
    sentences never use between parts (pipes, bullets, tabs, spaced dashes) one item fewer is
    enough. A short label before the list ("Core Qualifications: ...") does not count as an
    item; a line holding a date range is a position header ("Counselor | Crisis Center | 2019 -
    Present"), not a list. The separators, fewest items and most words per item are lexicon
    data (``[lists]`` in the common file).

    Args:
        line: The line text.
        shape: The lexicon's keyword-list shape.
    """
    if not shape.separators:
        return False
    body = _strip_label(line)
    # One split finds parts and separators (parts at even indices, separators between them).
    pieces = _separators(tuple(shape.separators)).split(body)
    parts = [p for p in pieces[::2] if p.strip()]
    strong = sum(1 for sep in pieces[1::2] if sep not in _SENTENCE_SEPARATORS)
    # Too few parts rules out most lines, so it is tested before the date range, whose search
    # costs as much as the split (together: 1.4x faster than date range first).
    if len(parts) < (shape.min_items - 1 if strong >= 2 else shape.min_items):
        return False
    if _DATE_RANGE.search(body):
        # "Title | Employer | 2019 - Present": a position header, never a keyword list.
        return False
    if strong < 2 and _enumerating_sentence(parts, body):
        return False
    words = sum(len(p.split()) for p in parts)
    return words / len(parts) <= shape.max_words_per_item


def _enumerating_sentence(parts: Sequence[str], body: str) -> bool:
    """Return True for a sentence that lists things ("Services included A, B, C, and D.").

    Its first part carries the sentence (three words or more) and it closes like prose: "and"
    or "or" before the last item, or a full stop.
    """
    lead = len(parts[0].split()) >= 3
    last = parts[-1].strip().lower()
    return lead and (last.startswith(("and ", "or ")) or body.rstrip().endswith("."))


def term_coverage(line: str, spans: Sequence[tuple[int, int]]) -> tuple[int, int, int]:
    """Measure how much of a line is skill terms, the shape of a keyword block.

    A keyword block ("Keywords crisis intervention CIT de-escalation suicide prevention ...")
    has no separators to find, but almost every word in it is a term and no word joins them
    into a sentence. The label before a colon and bullets are not counted.

    Args:
        line: The line text.
        spans: Character spans (in ``line``) of the skill terms found on it.

    Returns:
        ``(words, term_words, function_words)``: the words of the line after its label, how
        many of them lie inside a term span, and how many of the rest are function words
        ("the", "to", "with" ...) that only sentences use.
    """
    m = _LABEL.match(line)
    offset = m.end() if m else 0
    words = term = function = 0
    for w in _WORD.finditer(line, offset):
        words += 1
        if any(a <= w.start() and w.end() <= b for a, b in spans):
            term += 1
        elif w.group().lower() in _FUNCTION_WORDS:
            function += 1
    return words, term, function


def is_keyword_block(
    line: str,
    spans: Sequence[tuple[int, int]],
    kind_cues: Sequence[tuple[int, int]] = (),
) -> bool:
    """Return True when a line is a run of skill terms with no sentence around them.

    Three or more terms covering at least 60% of the words, with at most one sentence signal
    per three terms. A function word is one signal ("mental health first aid and suicide
    prevention" still reads as a list); a verb of doing outside the terms (one or more) is
    two, since a short line of terms with a verb is a sentence ("Completed CIT training;
    de-escalated people in crisis"), while a run of six or more terms behind a verb is still
    a block.

    Args:
        line: The line text.
        spans: Character spans (in ``line``) of the skill terms found on it.
        kind_cues: Character spans of the evidence-kind cues on the line (completed,
            trained, responded to ...); those outside every term span are its verbs.
    """
    if len(spans) < 3:
        return False
    # One verb is enough to make a sentence; more do not lengthen the run a block may be.
    verb = any(not any(a <= c and d <= b for a, b in spans) for c, d in kind_cues)
    words, term, function = term_coverage(line, spans)
    return words > 0 and term / words >= 0.6 and (function + 2 * verb) * 3 <= len(spans)


def is_term_only(line: str, spans: Sequence[tuple[int, int]]) -> bool:
    """Return True when a line is a bare entry: terms, maybe a date, nothing described.

    One entry per line under a heading of any name ("Proficiencies", "Areas of Strength") is a
    list too, just not a comma-separated one.

    Args:
        line: The line text.
        spans: Character spans (in ``line``) of the skill terms found on it.
    """
    if not spans:
        return False
    # Digits and joins count over the whole line, in C-level passes over its words; then the
    # pass over the words after the label stops at the first word that decides "no", which
    # most lines with a hit (sentences) reach within a few words: 1.7x faster than counting
    # everything in one Python loop.
    found = _WORD.findall(line)
    # Years, hours and the like are not a description ("CIT, 2019", "MHFA (8 hours)").
    digits = sum(map(str.isdigit, found))
    # "and"/"or" join two entries; any other function word ("detention of persons") is prose.
    joins = sum(map(_JOINS.__contains__, map(str.lower, found)))
    m = _LABEL.match(line)
    # The label ends at a space or colon, never inside a word: its words are all skipped.
    words = term = function = 0
    for w in _WORD.finditer(line, m.end() if m else 0):
        words += 1
        start, end = w.span()
        for a, b in spans:
            if a <= start and end <= b:
                term += 1
                break
        else:
            if w.group().lower() in _FUNCTION_WORDS:
                function += 1
                if function > joins:
                    return False
            elif words - term - function > digits:
                return False  # a word describing something
    return words > 0


#: Longest piece of a line the screener tokenises at once. No real resume line comes near it;
#: a longer one (a file of one endless line, a hostile run of punctuation) is screened in
#: pieces cut at spaces, so spaCy's tokenizer and matchers, whose cost grows faster than a
#: line's length on some inputs, see short texts only.
MAX_LINE_CHARS = 1_000
#: A piece is cut mid-word when no space comes this soon: no term is a longer word, and
#: spaCy's tokenizer slows with the square of a word's length (a run of punctuation).
MAX_WORD_CHARS = 100
#: Most evidence items reported for one resume (a real resume has tens): beyond it the rest
#: of a keyword-flooded file is not judged, which bounds its time.
MAX_EVIDENCE = 1_000


def split_long(line: Line, text: str, limit: int = MAX_LINE_CHARS) -> list[Line]:
    """Return ``line`` itself, or pieces of it of at most ``limit`` characters.

    Pieces end after the last space within the limit (mid-word only when there is none), so
    a term is cut only in a line that holds no spaces; each keeps the line's number, section
    and page, with its own offsets.

    Args:
        line: A line of ``text``.
        text: The document text.
        limit: Most characters per piece.
    """
    if line.end - line.start <= limit:
        return [line]
    pieces: list[Line] = []
    start = line.start
    while line.end - start > limit:
        cut = text.rfind(" ", start + 1, start + limit)
        end = cut + 1 if cut > start else start + min(limit, MAX_WORD_CHARS)
        pieces.append(dataclasses.replace(line, start=start, end=end))
        start = end
    pieces.append(dataclasses.replace(line, start=start))
    return pieces


def candidate_pieces(
    layout: Layout, candidates: Sequence[int], anchors: Sequence[int], text: str
) -> list[Line]:
    """The lines the screener tokenises: each candidate line, a long one in pieces.

    Of a line split by :func:`split_long` only the pieces holding one of the gate's anchor
    offsets are kept: a megabyte line of ordinary words costs what its anchored pieces cost.

    Args:
        layout: The document's layout.
        candidates: Indices of the lines holding an anchor, ascending.
        anchors: Offsets of the anchors in ``text``.
        text: The document text.
    """
    out: list[Line] = []
    ordered: list[int] | None = None
    for i in candidates:
        pieces = split_long(layout.line(i), text)
        if len(pieces) == 1:
            out.extend(pieces)
            continue
        ordered = sorted(anchors) if ordered is None else ordered
        for piece in pieces:
            k = bisect_left(ordered, piece.start)
            if k < len(ordered) and ordered[k] < piece.end:
                out.append(piece)
    return out
