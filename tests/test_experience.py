"""Employment date ranges, positions and months of experience (crisis_screen.experience)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisis_screen.errors import LexiconError
from crisis_screen.experience import (
    DateRange,
    DateWords,
    Position,
    YearMonth,
    default_words,
    experience,
    find_date_range,
    find_date_ranges,
    find_positions,
)

REF = date(2026, 12, 1)
NOW = YearMonth(2026, 12)


def ym(year: int, month: int) -> YearMonth:
    return YearMonth(year, month)


# ---------------------------------------------------------------------------------------------
# One line: the date forms

FORMS = [
    # month names and abbreviations
    ("Shift Lead, Feb 2018 - Nov 2021", ym(2018, 2), ym(2021, 11), False),
    ("February 2018 - November 2021", ym(2018, 2), ym(2021, 11), False),
    ("Sept. 2016 – Aug. 2017", ym(2016, 9), ym(2017, 8), False),
    ("Sep 2016 to Oct 2017", ym(2016, 9), ym(2017, 10), False),
    ("APRIL 2011 TO JUNE 2013", ym(2011, 4), ym(2013, 6), False),
    ("June of 2010 until March of 2012", ym(2010, 6), ym(2012, 3), False),
    ("3 Mar 2015 - 28 Feb 2017", ym(2015, 3), ym(2017, 2), False),
    ("October 4, 2013 – January 9th, 2014", ym(2013, 10), ym(2014, 1), False),
    ("Oct, 2013 - Jan, 2014", ym(2013, 10), ym(2014, 1), False),
    ("Dec-2012 - Jul-2014", ym(2012, 12), ym(2014, 7), False),
    # a shared year: the start month takes the year of the end
    ("Mar - Aug 2020 summer outreach", ym(2020, 3), ym(2020, 8), False),
    ("Nov – Feb 2021", ym(2020, 11), ym(2021, 2), False),
    # numeric months
    ("08/2014 to 07/2016", ym(2014, 8), ym(2016, 7), False),
    ("8/2014 - 7/2016", ym(2014, 8), ym(2016, 7), False),
    ("08.2014 – 07.2016", ym(2014, 8), ym(2016, 7), False),
    ("2014-08 – 2016-07", ym(2014, 8), ym(2016, 7), False),
    ("2014-08-15 - 2016-07-01", ym(2014, 8), ym(2016, 7), False),
    ("08/15/2014 - 07/01/2016", ym(2014, 8), ym(2016, 7), False),
    ("25/08/2014 - 30/07/2016", ym(2014, 8), ym(2016, 7), False),
    # bare years: a bare year is a whole year
    ("2009 - 2013", ym(2009, 1), ym(2013, 12), False),
    ("2009-2013", ym(2009, 1), ym(2013, 12), False),
    ("2009 thru 2013", ym(2009, 1), ym(2013, 12), False),
    ("2009 through 2013", ym(2009, 1), ym(2013, 12), False),
    ("2009 — 2013", ym(2009, 1), ym(2013, 12), False),
    ("2009 ~ 2013", ym(2009, 1), ym(2013, 12), False),
    ("May 2009 - 2013", ym(2009, 5), ym(2013, 12), False),
    ("2009 - May 2013", ym(2009, 1), ym(2013, 5), False),
    # seasons: first month at the start, last month at the end
    ("Fall 2012 - Spring 2014", ym(2012, 9), ym(2014, 5), False),
    # open ends read as the reference month
    ("Jan 2019 - Present", ym(2019, 1), NOW, True),
    ("01/2019 to Current", ym(2019, 1), NOW, True),
    ("2019 - now", ym(2019, 1), NOW, True),
    ("March 2019 to date", ym(2019, 3), NOW, True),
    ("2019 – Today", ym(2019, 1), NOW, True),
    ("2019 - currently", ym(2019, 1), NOW, True),
    ("Since 2018", ym(2018, 1), NOW, True),
    ("volunteer listener since June 2018", ym(2018, 6), NOW, True),
    ("2018 onwards", ym(2018, 1), NOW, True),
    # where the range sits on the line
    ("Outreach Worker (2011 - 2014)", ym(2011, 1), ym(2014, 12), False),
    ("Outreach Worker | Eastside Shelter | 2011 - 2014", ym(2011, 1), ym(2014, 12), False),
    ("Outreach Worker, Eastside Shelter, Mar 2011 - Present", ym(2011, 3), NOW, True),
    ("2011 - 2014: Outreach Worker", ym(2011, 1), ym(2014, 12), False),
    # an end past the reference month is cut at the reference month
    ("2025 - 2027", ym(2025, 1), NOW, False),
]


@pytest.mark.parametrize(("line", "start", "end", "open_ended"), FORMS)
def test_date_forms(line: str, start: YearMonth, end: YearMonth, open_ended: bool) -> None:
    found = find_date_range(line, REF)
    assert found is not None, line
    assert (found.start, found.end, found.open_ended) == (start, end, open_ended)
    # the offsets cover the range and nothing of the words around it
    text = line[found.start_char : found.end_char]
    assert text == text.strip() and text[0].isalnum() and text[-1].isalnum()


def test_offsets_point_at_the_range() -> None:
    line = "Peer Mentor | Riverside Clinic | Jun 2017 – Jan 2020 | part time"
    found = find_date_range(line, REF)
    assert found is not None
    assert line[found.start_char : found.end_char] == "Jun 2017 – Jan 2020"


@pytest.mark.parametrize(
    "line",
    [
        "CRISIS COUNSELOR | JUNE 2017 - PRESENT",  # capitals
        "Crisis Counselor | jUnE 2017 - pReSeNt",  # any mix of case
        # "İ" lower-cases to two characters: the line's offsets must still hold.
        "İzmir Crisis Line İİ | June 2017 - Present",
    ],
)
def test_case_never_matters_and_offsets_hold(line: str) -> None:
    found = find_date_range(line, REF)
    assert found is not None
    assert (found.start, found.end, found.open_ended) == (YearMonth(2017, 6), NOW, True)
    assert line[found.start_char : found.end_char].lower() == "june 2017 - present"


def test_letters_that_only_look_like_a_vocabulary_word_never_break_reading() -> None:
    # A dotless "ı" is no "i" and a long "ſ" no "s": "Aprıl" is no month name, so only the
    # years are read, and nothing raises (an "İ" elsewhere on the line changes nothing).
    for line in ("Aprıl 2019 - present", "İzmir | Aprıl 2019 - present"):
        found = find_date_range(line, REF)
        assert found is not None and (found.start, found.end) == (YearMonth(2019, 1), NOW)
    assert find_date_range("Sept 2019 - preſent", REF) is None


def test_a_vocabulary_given_in_capitals_is_read_in_any_case() -> None:
    shipped = default_words()
    capitals = dataclasses.replace(
        shipped,
        months=tuple((name.upper(), number) for name, number in shipped.months),
        seasons=tuple((name.title(), a, b) for name, a, b in shipped.seasons),
    )
    found = find_date_range("Outreach | jan 2019 - Fall 2021", REF, words=capitals)
    assert found is not None and (found.start, found.end) == (
        YearMonth(2019, 1),
        YearMonth(2021, 11),
    )


REJECTED = [
    ("13/2019 - 05/2020", "month 13"),
    ("00/2019 - 05/2020", "month 0"),
    ("2019-13 - 2020-02", "month 13 after a year"),
    ("2019 - 2015", "end before start"),
    ("Dec 2019 - Jan 2019", "end before start, same year"),
    ("1900 - 1920", "years before 1950"),
    ("2030 - 2032", "years after reference year + 1"),
    ("Jan 2028 - Present", "a start after the reference month"),
    ("Certified 2019", "a single year"),
    ("Graduated May 2009", "a single month"),
    ("B.S. Nursing, 2012", "a graduation year"),
    ("Renewed 03/2021", "a single numeric month"),
    ("Handled 1500-2000 calls a year", "numbers, not years"),
    ("Windows Server 2008/2012 rollout", "two product versions"),
    ("Raised $2,000-$3,000 per event", "money"),
    ("Jan - 2019", "a lone month joined to a bare year"),
    ("2015 2019", "two years with nothing joining them"),
    ("Present", "an open end without a start"),
    ("", "an empty line"),
]


@pytest.mark.parametrize(("line", "why"), REJECTED)
def test_rejected_forms(line: str, why: str) -> None:
    assert find_date_range(line, REF) is None, why


def test_every_range_on_a_line() -> None:
    found = find_date_ranges("Aide 2010 - 2012, again 2014 - 2015", REF)
    assert [(r.start, r.end) for r in found] == [
        (ym(2010, 1), ym(2012, 12)),
        (ym(2014, 1), ym(2015, 12)),
    ]


@pytest.mark.parametrize(
    ("reference", "line", "months"),
    [
        (date(2024, 5, 15), "2020 - Present", 53),
        (date(2024, 5, 15), "Since Mar 2023", 15),
        (date(2024, 5, 15), "May 2024 - Current", 1),
        (date(2024, 5, 15), "2023 - 2024", 17),  # Dec 2024 is after the reference: cut to May
        (date(2019, 1, 1), "2019 - now", 1),
    ],
)
def test_open_ends_use_the_reference_month(reference: date, line: str, months: int) -> None:
    found = find_date_range(line, reference)
    assert found is not None
    assert found.end <= YearMonth(reference.year, reference.month)
    assert found.months == months


# ---------------------------------------------------------------------------------------------
# Whole resumes: which lines belong to which position

PIPES = """\
JORDAN EXAMPLE
EXPERIENCE
Crisis Line Counselor | Harbor Helpline | Mar 2019 - Present
- Answered overnight calls from people in distress
- Wrote safety plans with callers
Case Aide | Northside Housing | 06/2016 – 02/2019
- Kept intake records

EDUCATION
B.A. Psychology, 2015
"""

STACKED = """\
Work History

Mobile Crisis Clinician
County Behavioral Health
Springfield, IL
Jan 2020 - Dec 2022
Went to homes with officers for welfare checks
Wrote evaluations for emergency holds

Residential Counselor
Lakeview Youth Home
September 2017 to December 2019
Led evening groups

Skills:
Listening, safety planning
"""

DATE_FIRST = """\
Experience
04/2018 to Current
Peer Support Specialist Company Name City , State
Supported members after a hospital discharge.
10/2015 to 03/2018
Youth Worker Company Name City , State
Ran after-school activities.
05/2014
Camp Volunteer Company Name City , State
Education
"""

YEAR_PREFIX = """\
PROFILE
Volunteer responder with a county crisis team.
2021 – present: Volunteer Responder, Metro Crisis Team
  Paired with deputies on behavioral health calls
2012-2020: Warehouse Lead, Big Box Co.
  Managed receiving

CERTIFICATIONS
CIT certificate, 2021
"""

LONG_PROSE = (
    "The agency I worked for has held a contract with the county health department since 2010"
    " to run the overnight line, which I staffed four nights a week."
)
PROSE = f"""\
Hotline Advocate | 2016 - 2019
{LONG_PROSE}
Took crisis calls overnight
"""


@pytest.mark.parametrize(
    ("text", "headings", "expected"),
    [
        (
            PIPES,
            None,
            [(3, 5, ym(2019, 3), NOW), (6, 7, ym(2016, 6), ym(2019, 2))],
        ),
        (
            STACKED,
            None,
            [(3, 8, ym(2020, 1), ym(2022, 12)), (10, 13, ym(2017, 9), ym(2019, 12))],
        ),
        (
            DATE_FIRST,
            [1, 10],
            [(2, 4, ym(2018, 4), NOW), (5, 7, ym(2015, 10), ym(2018, 3))],
        ),
        (
            YEAR_PREFIX,
            None,
            [(3, 4, ym(2021, 1), NOW), (5, 6, ym(2012, 1), ym(2020, 12))],
        ),
        (PROSE, None, [(1, 3, ym(2016, 1), ym(2019, 12))]),
    ],
    ids=["pipes", "stacked", "date-first", "year-prefix", "since-in-prose"],
)
def test_line_attribution(
    text: str,
    headings: list[int] | None,
    expected: list[tuple[int, int, YearMonth, YearMonth]],
) -> None:
    got = find_positions(text, REF, headings=headings)
    assert [(p.first_line, p.last_line, p.span.start, p.span.end) for p in got] == expected


def test_without_known_headings_a_title_case_heading_joins_the_next_position() -> None:
    # The documented limit of the heading heuristic: "Experience" is neither in capitals nor
    # followed by a colon, so it reads as the title above the first date line.
    got = find_positions(DATE_FIRST, REF)
    assert [(p.first_line, p.last_line) for p in got] == [(1, 4), (5, 7)]


def test_a_lone_date_line_ends_the_position_above() -> None:
    got = find_positions(DATE_FIRST, REF, headings=[1, 10])
    assert all(p.last_line < 8 for p in got)  # "05/2014" starts an undated entry


def test_line_numbers_follow_splitlines() -> None:
    text = (
        "A short intro.\r\nCounselor | 2015 - 2017\u2028on call weekends\x0cReferee | 2018 - 2019\n"
    )
    got = find_positions(text, REF)
    assert [(p.first_line, p.last_line) for p in got] == [(2, 3), (4, 4)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ASCII only
        ("Aide | 2018 - 2019\nCounselor | 2015 - 2017\n0159\nlast", [(1, 1), (2, 2)]),
        # bullets, and breaks that are not ASCII before four digits
        ("Aide | 2018 - 2019\u2028\u2022 on call\x85Counselor | 2015 - 2017", [(1, 2), (3, 3)]),
        ("\u2022 Aide | 2018 - 2019\u2029\u2022 0159\nlast", [(1, 1)]),
        # digits of another script ("\u0662\u0660\u0661\u0669" is 2019), with and without bullets
        ("Aide | \u0662\u0660\u0661\u0668 - \u0662\u0660\u0661\u0669\non call", [(1, 2)]),
        (
            "\u2022 intro\nAide | 2017 - \u0662\u0660\u0661\u0669\n\u0660\u0661\u0665\u0669",
            [(2, 2)],
        ),
        # a lone surrogate elsewhere in the text
        ("Aide | 2018 - 2019 \ud800\non call", [(1, 2)]),
    ],
)
def test_every_line_with_four_digits_is_read(text: str, expected: list[tuple[int, int]]) -> None:
    got = find_positions(text, REF, headings=[])
    assert [(p.first_line, p.last_line) for p in got] == expected


def test_vocabulary_words_of_one_letter_or_one_first_letter() -> None:
    words = dataclasses.replace(default_words(), present=("p", "pres", "present", "ongoing"))
    for line in ("Aide | 2019 - p", "Aide | 2019 - pres", "Aide | 2019 - Present"):
        found = find_date_range(line, REF, words=words)
        assert found is not None and (found.start, found.end) == (YearMonth(2019, 1), NOW)
    assert find_date_range("Aide | 2019 - pr", REF, words=words) is None  # no word of it


def test_a_layouts_lines_and_headings_give_the_same_positions() -> None:
    from crisis_screen.segment import Layout

    text = (
        "Intake Worker\r\nExperience:\nCounselor | 2015 - 2017\u2028on call weekends\x0c"
        "Education:\nB.A. 2012\nReferee | Mar 2018 - 2019\nlast line"
    )
    layout = Layout(text, {"experience": "experience", "education": "education"})
    assert layout.heading_lines() == [2, 5]
    with_layout = find_positions(text, REF, layout=layout)
    assert with_layout == find_positions(text, REF, headings=[2, 5])
    assert [(p.first_line, p.last_line) for p in with_layout] == [(3, 4), (7, 8)]


def test_no_dates_no_positions() -> None:
    assert find_positions("Crisis counselor\nAnswered calls\n", REF) == []
    assert find_positions("", REF) == []


# ---------------------------------------------------------------------------------------------
# Experience: months and last year of the positions holding evidence


def pos(first: int, last: int, start: YearMonth, end: YearMonth) -> Position:
    return Position(first, last, DateRange(start, end, False, 0, 1))


@pytest.mark.parametrize(
    ("positions", "evidence", "months", "last_used"),
    [
        ([pos(1, 3, ym(2019, 1), ym(2019, 12))], [2], 12, 2019),
        ([pos(1, 3, ym(2019, 1), ym(2019, 1))], [1], 1, 2019),
        # overlapping spans are merged
        (
            [pos(1, 3, ym(2019, 1), ym(2019, 12)), pos(4, 6, ym(2019, 6), ym(2020, 6))],
            [2, 5],
            18,
            2020,
        ),
        # one span inside another
        (
            [pos(1, 3, ym(2010, 1), ym(2020, 12)), pos(4, 6, ym(2012, 1), ym(2013, 12))],
            [3, 4],
            132,
            2020,
        ),
        # disjoint spans add up; the gap is not counted
        (
            [pos(1, 3, ym(2015, 1), ym(2015, 6)), pos(4, 6, ym(2018, 1), ym(2018, 6))],
            [1, 6],
            12,
            2018,
        ),
        # back to back
        (
            [pos(1, 3, ym(2015, 1), ym(2015, 6)), pos(4, 6, ym(2015, 7), ym(2015, 12))],
            [1, 6],
            12,
            2015,
        ),
        # only positions with evidence count
        ([pos(1, 3, ym(2015, 1), ym(2015, 6)), pos(4, 6, ym(2001, 1), ym(2022, 6))], [2], 6, 2015),
        # last_used is the latest end, not the end of the latest start
        (
            [pos(1, 3, ym(2000, 1), ym(2021, 3)), pos(4, 6, ym(2018, 1), ym(2019, 6))],
            [1, 4],
            255,
            2021,
        ),
        # no evidence inside a dated position
        ([pos(3, 5, ym(2015, 1), ym(2015, 6))], [1, 2, 6], None, None),
        ([pos(3, 5, ym(2015, 1), ym(2015, 6))], [], None, None),
        ([], [1, 2], None, None),
    ],
)
def test_experience(
    positions: list[Position], evidence: list[int], months: int | None, last_used: int | None
) -> None:
    got = experience(positions, evidence)
    assert (got.months, got.last_used) == (months, last_used)
    assert all(any(p.first_line <= n <= p.last_line for n in evidence) for p in got.positions)


def test_experience_on_a_whole_resume() -> None:
    got = experience(find_positions(STACKED, REF), evidence_lines=[7, 8, 13])
    # Jan 2020 - Dec 2022 (36) + Sep 2017 - Dec 2019 (28): back to back, nothing overlaps
    assert (got.months, got.last_used) == (64, 2022)
    open_ended = experience(find_positions(PIPES, REF), evidence_lines=iter([4]))
    assert (open_ended.months, open_ended.last_used) == (94, 2026)


# ---------------------------------------------------------------------------------------------
# Property: whatever the text, the figures stay within what the dates allow

FRAGMENTS = [
    "Jan",
    "Sept.",
    "March",
    "13/2019",
    "06/2015",
    "2018-04",
    "Present",
    "Current",
    "to date",
    "since",
    "onwards",
    " - ",
    " – ",
    " to ",
    "(",
    ")",
    " | ",
    "Counselor",
    "EXPERIENCE",
    "Skills:",
    "answered calls.",
]
years = st.integers(1940, 2030).map(str)
line_st = st.lists(st.one_of(st.sampled_from(FRAGMENTS), years), max_size=7).map(" ".join)
text_st = st.lists(line_st, max_size=14).map("\n".join)
reference_st = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(text=text_st, reference=reference_st, data=st.data())
def test_experience_stays_within_the_dates(text: str, reference: date, data: st.DataObject) -> None:
    positions = find_positions(text, reference)
    n_lines = len(text.splitlines())
    evidence = data.draw(st.lists(st.integers(1, max(n_lines, 1)), max_size=6))
    got = experience(positions, evidence)
    now = YearMonth(reference.year, reference.month)
    previous_last = 0
    for p in positions:
        assert previous_last < p.first_line <= p.last_line <= n_lines
        previous_last = p.last_line
        assert YearMonth(1950, 1) <= p.span.start <= p.span.end <= now
    assert (got.months is None) == (got.last_used is None) == (not got.positions)
    if got.months is not None and got.last_used is not None:
        earliest = min(p.span.start for p in got.positions)
        assert 1 <= got.months <= now.index - earliest.index + 1
        assert got.last_used <= reference.year


# ---------------------------------------------------------------------------------------------
# The vocabulary is data


def test_shipped_vocabulary_loads() -> None:
    words = default_words()
    assert dict(words.months)["sept"] == 9 and "present" in words.present


def test_another_language_is_a_data_file(tmp_path: Path) -> None:
    f = tmp_path / "dates.toml"
    months = [
        ["janvier"], ["février"], ["mars"], ["avril"], ["mai"], ["juin"],
        ["juillet"], ["août"], ["septembre"], ["octobre"], ["novembre"], ["décembre"],
    ]  # fmt: skip
    f.write_text(
        "months = ["
        + ", ".join("[" + ", ".join(f'"{n}"' for n in m) + "]" for m in months)
        + ']\n[words]\npresent = ["aujourd\'hui", "présent"]\nrange = ["à", "au"]\n',
        encoding="utf-8",
    )
    words = DateWords.load(f)
    found = find_date_range("Écoutante, mars 2017 à présent", REF, words=words)
    assert found is not None and (found.start, found.open_ended) == (ym(2017, 3), True)
    assert find_date_range("Jan 2017 - Present", REF, words=words) is None


def test_bad_vocabulary_lists_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "dates.toml"
    f.write_text(
        'colour = "blue"\nmonths = [["Jan"]]\n[seasons]\nspring = [5, 3]\n'
        "[words]\npresent = []\nrange = [1]\nlater = []\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconError) as info:
        DateWords.load(f)
    text = "\n".join(info.value.problems)
    for part in (
        "unknown key 'colour'",
        "months: expected a list of 12",
        "seasons.spring",
        "words.present: at least one",
        "words.range: expected a list of lower-case words",
        "unknown key 'later'",
    ):
        assert part in text
    assert all(p.startswith(str(f)) for p in info.value.problems)


def test_missing_vocabulary_file_is_a_lexicon_error(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="file not found"):
        DateWords.load(tmp_path / "nope.toml")


def test_import_is_light() -> None:
    code = (
        "import sys, crisis_screen.experience as e; "
        "print(sorted(m for m in ('spacy', 'pydantic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
