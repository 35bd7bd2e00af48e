"""Control characters, bidi overrides and formulas never reach a terminal or a spreadsheet.

Hostile resumes and file names hold OSC 0 (window title), ``ESC[2J`` (clear screen), C1
controls and bidi overrides. The table, ``explain``, the warnings and the CSV files show them
as visible escapes (the JSON output keeps the text exactly, JSON-escaped).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from crisis_screen import Screener
from crisis_screen.report.explain import render_explain
from crisis_screen.runs.screen import screen_source
from crisis_screen.safe_text import csv_cell, escape_controls, one_line, record_name, source_path
from test_batch_support import cli_env

OSC_TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
CSI_C1 = "\x9b31m"
OVERRIDE = "\u202e"
ISOLATE = "\u2066"
# A JSON Resume keeps every character of its strings, controls included.
HOSTILE_LINE = (
    f"Completed 40-hour {OSC_TITLE}Crisis Intervention Team (CIT) training{CLEAR} in 2016 "
    f"{OVERRIDE}reversed{ISOLATE} {CSI_C1}"
)
PRACTICE_LINE = "Responded to over 200 mental health crisis calls with a co-responder clinician"
# Nothing of this may reach a terminal or a CSV file as it is.
RAW = ("\x1b", "\x07", "\x9b", OVERRIDE, ISOLATE)
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _json_resume(first_line: str = HOSTILE_LINE) -> str:
    work = {
        "name": "Example City Police",
        "position": "Patrol Officer",
        "startDate": "2015-01-01",
        "highlights": [first_line, PRACTICE_LINE],
    }
    return json.dumps({"basics": {"name": "Jordan Example"}, "work": [work]})


def _scan(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "crisis_screen", *args],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        timeout=180,
        check=False,
    )


def _assert_no_raw_controls(text: str) -> None:
    for char in RAW:
        assert char not in text, f"{char!r} reached the output"


# -- the library module --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (OSC_TITLE, "\\x1b]0;pwned\\x07"),
        (CLEAR, "\\x1b[2J"),
        (CSI_C1, "\\x9b31m"),
        ("\x7f", "\\x7f"),
        (f"a{OVERRIDE}b", "a\\u202eb"),
        ("\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d"),
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
        ("tab\tand\nnewline kept", "tab\tand\nnewline kept"),
        ("carriage\rreturn", "carriage\\x0dreturn"),
        ("byte \udcff of a name", "byte \\xff of a name"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        ("plain text, accents é and CJK 危机", "plain text, accents é and CJK 危机"),
    ],
)
def test_escape_controls(text: str, shown: str) -> None:
    assert escape_controls(text) == shown


def test_one_line_escapes_tab_and_newline_too() -> None:
    assert one_line("a\tb\nc\x1b") == "a\\x09b\\x0ac\\x1b"


@given(st.text())
def test_escaped_text_is_safe_and_escaping_again_changes_nothing(text: str) -> None:
    shown = escape_controls(text)
    assert UNSAFE.search(shown) is None
    assert escape_controls(shown) == shown
    assert "\n" not in one_line(text) and "\t" not in one_line(text)


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("- Responded", "'- Responded"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab first", "'\tTab first"),
        ("\r=1", "\\x0d=1"),  # escaped first: no longer a formula
        ("-", "-"),
        (f"{OSC_TITLE}=1", "\\x1b]0;pwned\\x07=1"),
        ("plain", "plain"),
    ],
)
def test_csv_cell(text: str, cell: str) -> None:
    assert csv_cell(text) == cell


def test_record_name_round_trips_any_bytes() -> None:
    raw = b"dir/b\xff\xfe \x1b[2J\n.txt"
    path = os.fsdecode(raw)
    source, hex_ = record_name(path)
    assert source == "dir/b\\xff\\xfe \x1b[2J\n.txt"  # JSON escapes the controls itself
    assert hex_ == raw.hex()
    assert source_path(source, hex_) == path and os.fsencode(source_path(source, hex_)) == raw
    assert record_name("plain/é.txt") == ("plain/é.txt", None)


# -- renderers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    name = os.fsdecode(b"cv \x1b]0;title\x07\xff" + "\u202e".encode() + b".json")
    (folder / name).write_text(_json_resume(), encoding="utf-8")
    return folder / name


def test_the_hostile_resume_really_holds_the_sequences(hostile: Path, screener: Screener) -> None:
    record = screen_source(screener, str(hostile))
    assert record.ok and record.evidence
    lines = {ev.line for ev in record.evidence}
    assert any(OSC_TITLE in line and OVERRIDE in line and CSI_C1 in line for line in lines)


def test_explain_escapes_and_keeps_the_caret_under_the_match(
    hostile: Path, screener: Screener
) -> None:
    text = render_explain(screen_source(screener, str(hostile)))
    _assert_no_raw_controls(text)
    assert "\\x1b]0;pwned\\x07Crisis Intervention Team" in text
    assert "\\u202ereversed\\u2066" in text
    assert "cv \\x1b]0;title\\x07\\xff\\u202e.json" in text.splitlines()[0]
    lines = text.splitlines()
    carets = [
        i for i, line in enumerate(lines) if set(line.strip()) <= {"|", "^", " "} and "^" in line
    ]
    assert carets
    for index in carets:
        shown, caret = lines[index - 1], lines[index]
        matched = lines[index + 1].split('"')[1]
        start = caret.index("^")
        assert shown[start : start + len(caret.strip("| ").strip())] == matched


def test_rich_and_notebook_views_escape(hostile: Path, screener: Screener) -> None:
    result = screener.screen_file(str(hostile))
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(result)
    _assert_no_raw_controls(out.getvalue())
    assert "\\x1b]0;pwned\\x07" in out.getvalue()
    markup = result._repr_html_()
    _assert_no_raw_controls(markup)
    assert "\\u202e" in markup


@pytest.mark.slow
def test_table_csv_and_warnings_of_a_real_scan_hold_no_raw_control(
    hostile: Path, tmp_path: Path
) -> None:
    folder = hostile.parent
    # A file that fails, named to break a terminal line: its warning must stay one line.
    bad = os.fsdecode(b"broken \x1b[2J\nname\x9b.pdf")
    (folder / bad).write_bytes(b"%PDF-1.4 not a pdf")
    # A resume whose best line is a formula.
    (folder / "formula.txt").write_text(
        f"Sam Example\nEXPERIENCE\n=HYPERLINK(1) {PRACTICE_LINE}\n", encoding="utf-8"
    )
    try:
        table = _scan(["scan", str(folder), "-j", "1", "--format", "table"], tmp_path)
        assert table.returncode == 1, table.stderr
        shown = table.stdout.decode("utf-8")
        _assert_no_raw_controls(shown)
        assert "\\x1b]0;title\\x07" in shown  # the name, escaped
        assert "\\x1b[2J\\x0aname" in shown  # the failed file, in the errors table

        warnings = table.stderr.decode("utf-8")
        _assert_no_raw_controls(warnings)
        lines = [line for line in warnings.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and "broken \\x1b[2J\\x0aname\\x9b.pdf" in lines[0]

        out = tmp_path / "ranked.csv"
        evidence = tmp_path / "evidence.csv"
        run = _scan(
            ["scan", str(folder), "-j", "1", "-o", str(out), "--evidence-csv", str(evidence)],
            tmp_path,
        )
        assert run.returncode == 1, run.stderr
        for path in (out, evidence):
            _assert_no_raw_controls(path.read_text(encoding="utf-8"))
        ranked = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
        assert any(row["best_line"].startswith("'=HYPERLINK") for row in ranked)
        rows = list(csv.DictReader(io.StringIO(evidence.read_text(encoding="utf-8"), newline="")))
        hostile_rows = [r for r in rows if "\\x1b]0;title" in r["source"]]
        assert hostile_rows
        for row in rows:
            start, end = int(row["match_start"]), int(row["match_end"])
            assert row["line"][start:end] == row["text"]
        assert any("\\x1b]0;pwned\\x07" in row["line"] for row in hostile_rows)
    finally:
        (folder / bad).unlink()
        (folder / "formula.txt").unlink()
