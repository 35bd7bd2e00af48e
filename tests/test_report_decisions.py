"""Reviewer decisions: reading decisions.json, matching it to records, ``scan --decisions``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from crisis_screen.cli import cli
from crisis_screen.errors import CrisisScreenError, DecisionsError
from crisis_screen.models import Summary, Versions
from crisis_screen.report.decisions import (
    Decision,
    decisions_json,
    match_decisions,
    read_decisions,
)
from crisis_screen.runs.records import ScanRecord, Timings
from test_batch_support import patch_build, write_resumes

SHA_A = "a" * 64
SHA_B = "b" * 64
SHA_C = "c" * 64


@pytest.fixture(autouse=True)
def _fast_build(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_build(monkeypatch)


def _record(source: str, sha: str | None) -> ScanRecord:
    return ScanRecord(
        source=source,
        sha256=sha,
        status="ok",
        score=10.0,
        flagged=False,
        threshold=30.0,
        summary=Summary(),
        timings=Timings(read_ms=0, screen_ms=0),
        versions=Versions(library="1", lexicon="l@1", scoring="s"),
    )


def _write(path: Path, items: Any) -> Path:
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def _item(
    source: str, sha: str | None, decision: str, at: str = "2025-01-01T00:00:00Z"
) -> dict[str, Any]:
    return {
        "source": source,
        "sha256": sha,
        "decision": decision,
        "reason": f"{decision} because",
        "reviewer_note": "JK",
        "decided_at": at,
    }


def test_read_decisions_keeps_the_latest_of_each_resume(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "decisions.json",
        [
            _item("a.pdf", SHA_A, "hold", "2025-01-02T10:00:00.000Z"),
            _item("b.pdf", SHA_B, "reject"),
            _item("a.pdf", SHA_A, "advance", "2025-01-02T11:00:00.000Z"),
            _item("a.pdf", SHA_A, "reject", "2025-01-01T09:00:00.000Z"),  # older: ignored
        ],
    )
    got = {(d.source, d.decision) for d in read_decisions(path)}
    assert got == {("a.pdf", "advance"), ("b.pdf", "reject")}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", r"is not JSON \(line 1, column 1\)"),
        ('{"source": "a"}', "must hold a JSON array of decisions"),
        (
            json.dumps([_item("a", SHA_A, "maybe")]),
            r"entry 1: decision: Input should be 'advance', 'hold' or 'reject'",
        ),
        (
            json.dumps([_item("a", "xyz", "hold"), {"decision": "hold"}]),
            r"entry 1: sha256: String should match pattern .*; entry 2: source: Field required",
        ),
        (json.dumps([{**_item("a", None, "hold"), "rating": 5}]), r"entry 1: rating: Extra inputs"),
    ],
)
def test_bad_decisions_files_name_the_file_and_every_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "decisions.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DecisionsError) as info:
        read_decisions(path)
    assert isinstance(info.value, CrisisScreenError)
    assert str(info.value).startswith(f"{path}: ")
    assert re.search(message, str(info.value))


def test_a_missing_file_is_a_decisions_error(tmp_path: Path) -> None:
    with pytest.raises(DecisionsError, match="cannot be read"):
        read_decisions(tmp_path / "nowhere.json")


def test_matching_prefers_path_and_hash_then_hash_then_path() -> None:
    records = [
        _record("in/a.pdf", SHA_A),
        _record("in/a-copy.pdf", SHA_A),  # the same file under another name
        _record("in/b.pdf", SHA_B),
        _record("in/unread.pdf", None),
    ]
    decisions = [
        Decision(source="in/a.pdf", sha256=SHA_A, decision="advance"),  # exact: record 0
        Decision(source="resume-aaaaaaaaaaaa.pdf", sha256=SHA_A, decision="hold"),  # hash: 1
        Decision(source="in/b.pdf", sha256=SHA_C, decision="reject"),  # file changed: none
        Decision(source="in/unread.pdf", sha256=None, decision="hold"),  # path alone: 3
        Decision(source="gone.pdf", sha256=None, decision="reject"),  # nothing
    ]
    match = match_decisions(records, decisions)
    assert {i: d.decision for i, d in match.by_record.items()} == {
        0: "advance",
        1: "hold",
        3: "hold",
    }
    assert [d.source for d in match.unmatched] == ["in/b.pdf", "gone.pdf"]


def test_decisions_json_round_trips(tmp_path: Path) -> None:
    decisions = [
        Decision(source="z.pdf", sha256=SHA_B, decision="reject", reason="no practice"),
        Decision(source="a.pdf", sha256=None, decision="advance", reviewer_note="JK"),
    ]
    path = tmp_path / "decisions.json"
    path.write_text(decisions_json(decisions), encoding="utf-8")
    assert [d["source"] for d in json.loads(path.read_text())] == ["a.pdf", "z.pdf"]
    assert sorted(read_decisions(path), key=lambda d: d.source) == sorted(
        decisions, key=lambda d: d.source
    )


# -- scan --decisions -------------------------------------------------------------------------------


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _rows(page: str) -> list[dict[str, Any]]:
    block = re.search(r'<script type="application/json" id="report-rows"[^>]*>(.*?)</script>', page)
    assert block is not None
    rows: list[dict[str, Any]] = json.loads(block.group(1))
    return rows


def test_scan_shows_the_decisions_it_is_given(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_resumes(folder, with_bad=False)
    first = tmp_path / "first.jsonl"
    assert invoke(["scan", str(folder), "-o", str(first), "--jobs", "1", "-q"]).exit_code == 0
    records = [json.loads(line) for line in first.read_text().splitlines()]
    strong = next(r for r in records if r["source"].endswith("strong.txt"))
    weak = next(r for r in records if r["source"].endswith("weak.txt"))
    decisions = _write(
        tmp_path / "decisions.json",
        [
            _item(strong["source"], strong["sha256"], "advance"),
            _item("renamed-weak.txt", weak["sha256"], "reject"),  # matched by its hash
            _item("someone-else.txt", SHA_C, "hold"),  # kept for the next export
        ],
    )
    out = tmp_path / "report.html"
    result = invoke(
        ["scan", str(folder), "-o", str(out), "--decisions", str(decisions), "--jobs", "1", "-q"]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    shown = {Path(r["src"]).name: r["d"]["decision"] for r in _rows(page) if "d" in r}
    assert shown == {"strong.txt": "advance", "weak.txt": "reject"}
    head = re.search(r'<script type="application/json" id="report-head">(.*?)</script>', page)
    assert head is not None
    assert [d["source"] for d in json.loads(head.group(1))["extra"]] == ["someone-else.txt"]
    manifest = json.loads((tmp_path / "report.html.manifest.json").read_text())
    assert manifest["settings"]["decisions"] == str(decisions)


def test_scan_refuses_a_bad_decisions_file_before_touching_the_output(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_resumes(folder, with_bad=False)
    out = tmp_path / "report.html"
    out.write_text("previous report", encoding="utf-8")
    bad = _write(tmp_path / "decisions.json", [{"source": "a.pdf", "decision": "promote"}])
    result = CliRunner().invoke(
        cli, ["scan", str(folder), "-o", str(out), "--decisions", str(bad), "--jobs", "1", "-q"]
    )
    assert result.exit_code == 2
    assert "decisions.json: entry 1: decision" in result.output
    assert out.read_text(encoding="utf-8") == "previous report"


def test_decisions_need_the_html_report(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_resumes(folder, with_bad=False)
    decisions = _write(tmp_path / "decisions.json", [])
    result = CliRunner().invoke(
        cli, ["scan", str(folder), "--format", "csv", "--decisions", str(decisions)]
    )
    assert result.exit_code == 2
    assert "--decisions is shown in the HTML report" in result.output
