"""Public API behaviour: import cost, pipeline, screen_many, errors, evaluate, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import crisis_screen
from crisis_screen import Screener, __version__
from crisis_screen.cli import cli
from crisis_screen.evaluate import LabelsError, evaluate, load_labels
from crisis_screen.models import Document
from crisis_screen.nlp import build_nlp


def test_import_has_no_side_effects_and_loads_no_model() -> None:
    code = (
        "import sys, crisis_screen\n"
        "heavy = [m for m in ('spacy', 'pydantic', 'rapidfuzz', 'crisis_screen.screener') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_tokenizer_fix_keeps_tokens_and_removes_slow_special_cases() -> None:
    import spacy

    from crisis_screen.blank_english import SLOW_SPECIAL_CASES

    fixed = build_nlp()
    stock = spacy.blank("en")
    assert fixed.lang == "en"
    assert not any(k in fixed.tokenizer.rules for k in SLOW_SPECIAL_CASES)
    # Every other special case of English is kept (contractions, abbreviations, emoticons).
    assert set(fixed.tokenizer.rules) == set(stock.tokenizer.rules) - set(SLOW_SPECIAL_CASES)
    text = (
        "CIT-certified\tofficer\nresponded to 5150 holds;\r\n  “crisis”   calls\n\n• bullet\n"
        "Didn't wait: called the U.S. crisis line at 3pm, e.g. for vets :) etc.\t(Dr. Lee's team)"
    )
    assert [(t.text, t.idx) for t in fixed(text)] == [(t.text, t.idx) for t in stock(text)]


def test_screener_builds_its_pipeline_once(screener: Screener) -> None:
    nlp = screener.nlp
    screener.screen_text("CIT certified")
    list(screener.screen_many(["crisis intervention"] * 3))
    assert screener.nlp is nlp


def test_screen_many_streams_lazily_and_in_order(screener: Screener) -> None:
    consumed = []

    def source():
        for i in range(600):
            consumed.append(i)
            yield (f"r{i}", "Completed CIT training" if i % 2 else "Accounting")

    stream = screener.screen_many(source(), batch_size=100)
    first = next(stream)
    assert first.source == "r0" and not first.flagged
    assert len(consumed) == 100  # one batch read, not the whole input
    rest = list(stream)
    assert [r.source for r in rest] == [f"r{i}" for i in range(1, 600)]
    assert [r.flagged for r in rest[:4]] == [True, False, True, False]


def test_screen_many_accepts_documents_and_labels_plain_texts(screener: Screener) -> None:
    results = list(screener.screen_many(["CIT certified", Document(text="x", source="cv.pdf")]))
    assert [r.source for r in results] == ["<text 1>", "cv.pdf"]


def test_screen_many_rejects_other_types(screener: Screener) -> None:
    with pytest.raises(TypeError, match="item 1"):
        list(screener.screen_many([42]))  # type: ignore[list-item]


def test_threshold_is_validated() -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        Screener(threshold=120)


def test_result_versions(screener: Screener) -> None:
    result = screener.screen_text("CIT certified")
    assert result.versions.library == __version__
    assert result.versions.lexicon.startswith("mental_health_response@")
    assert result.versions.scoring


def test_windows_line_ends_tabs_and_unicode_offsets(screener: Screener) -> None:
    text = "Café Ünïversity\r\n\t• Completed CIT training\r\n—“Mental Health First Aid”—\r\n"
    result = screener.screen_text(text)
    assert [e.text for e in result.evidence] == ["CIT", "Mental Health First Aid"]
    assert all(e.counted for e in result.evidence)
    assert [e.line_no for e in result.evidence] == [2, 3]
    for e in result.evidence:
        assert text[e.start : e.end] == e.text


LINES = [
    {"id": "a", "text": "Completed CIT training", "label": 1, "kind": "positive"},
    {"id": "b", "text": "Crisis communications lead", "label": 0, "kind": "hard_negative"},
    {"id": "c", "text": "Handled suicide watch rounds", "label": 1, "kind": "positive"},
    {"id": "d", "text": "Sold cars", "label": 1, "kind": "positive"},
]


def _write_lines(tmp_path: Path) -> Path:
    f = tmp_path / "lines.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in LINES) + "\n")
    return f


def test_evaluate_lines(screener: Screener, tmp_path: Path) -> None:
    report = evaluate(screener, load_labels(_write_lines(tmp_path)), sweep=True)
    c = report.counts
    assert (c.tp, c.fp, c.fn, c.tn) == (2, 0, 1, 1)
    assert c.precision == 1.0 and c.recall == pytest.approx(0.6667, abs=1e-4)
    assert report.by_kind["positive"].correct == 2
    assert [e.id for e in report.errors] == ["d"]
    assert report.sweep[0].threshold == 0 and report.sweep[-1].threshold == 100


def test_evaluate_resume_folder_counts_unreadable_files(screener: Screener, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("EXPERIENCE\nResponded to mental health calls\n")
    (tmp_path / "neg.txt").write_text("EXPERIENCE\nManaged crisis communications\n")
    (tmp_path / "empty.txt").write_text("")
    labels = {"good.txt": {"relevant": 1}, "neg.txt": {"relevant": 0}, "empty.txt": {"relevant": 1}}
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    report = evaluate(screener, load_labels(tmp_path))
    assert report.unit == "resume"
    assert report.counts.n == 2 and report.counts.accuracy == 1.0
    assert report.unreadable == 1
    assert report.errors[0].id == "empty.txt" and "EmptyDocumentError" in (
        report.errors[0].error or ""
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "x", "label": 2}\n', 'lines.jsonl:1: "label" must be 0 or 1, found 2'),
        ('{"label": 1}\n', 'lines.jsonl:1: missing "text"'),
        ("not json\n", "lines.jsonl:1: not valid JSON"),
        ("\n", "no labelled lines"),
    ],
)
def test_bad_label_files_name_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "lines.jsonl"
    f.write_text(content)
    with pytest.raises(LabelsError, match=message):
        load_labels(f)


def test_cli_evaluate_text_and_json(tmp_path: Path) -> None:
    f = _write_lines(tmp_path)
    runner = CliRunner()
    text = runner.invoke(cli, ["evaluate", str(f)])
    assert text.exit_code == 0, text.output
    assert "precision 1.000" in text.output and "[missed positive] d" in text.output
    js = runner.invoke(cli, ["evaluate", str(f), "--format", "json", "--sweep"])
    data = json.loads(js.output)
    assert data["counts"]["fn"] == 1 and len(data["sweep"]) == 21


def test_cli_evaluate_reports_bad_labels_cleanly(tmp_path: Path) -> None:
    f = tmp_path / "lines.jsonl"
    f.write_text("oops\n")
    result = CliRunner().invoke(cli, ["evaluate", str(f)])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output and "Traceback" not in result.output


def test_cli_lexicon_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    from crisis_screen.lexicon import default_lexicon_dir

    ok = runner.invoke(cli, ["lexicon", "validate", str(default_lexicon_dir())])
    assert ok.exit_code == 0 and ok.output.startswith("ok: mental_health_response@")
    bad = tmp_path / "bad.toml"
    bad.write_text('[skill]\nid = "x"\nname = "x"\nversion = "1"\nunknown = 1\n')
    res = runner.invoke(cli, ["lexicon", "validate", str(bad)])
    assert res.exit_code == 1
    assert "bad.toml" in res.output and "skill.unknown" in res.output


def test_cli_schema_prints_json() -> None:
    out = CliRunner().invoke(cli, ["schema", "result"])
    assert json.loads(out.output)["title"] == "crisis_screen ScreenResult"


def test_cli_help_lists_every_command_without_importing_them() -> None:
    code = (
        "import sys\nfrom crisis_screen.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('spacy' in sys.modules, 'crisis_screen.screener' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    for name in ("scan", "explain", "evaluate", "lexicon", "schema", "interview", "title"):
        assert name in out.stdout
    assert out.stdout.strip().endswith("False False")


def test_screen_paths_yields_records_in_order_with_error_records(
    screener: Screener, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("EXPERIENCE\nResponded to mental health calls\n")
    (tmp_path / "b.txt").write_text("")
    (tmp_path / "c.txt").write_text("Accountant\n")
    records = list(crisis_screen.screen_paths([tmp_path], screener=screener))
    assert [Path(r.source).name for r in records] == ["a.txt", "b.txt", "c.txt"]
    assert [r.status for r in records] == ["ok", "error", "ok"]
    assert records[0].flagged and not records[2].flagged
    assert records[1].error_type == "EmptyDocumentError"


def test_screen_paths_in_two_processes_matches_one(screener: Screener, tmp_path: Path) -> None:
    for i in range(6):
        text = "CIT certified officer\n" if i % 2 else "Warehouse lead\n"
        (tmp_path / f"r{i}.txt").write_text(text)
    one = [(r.source, r.score) for r in crisis_screen.screen_paths([tmp_path], screener=screener)]
    two = [
        (r.source, r.score)
        for r in crisis_screen.screen_paths([tmp_path], screener=screener, n_process=2)
    ]
    assert isinstance(next(crisis_screen.screen_paths([tmp_path])), crisis_screen.ScanRecord)
    assert one == two


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["scan", "{folder}", "--jobs", "2"], True),
        (["scan", "{folder}", "-j2", "-o", "out.jsonl"], True),
        (["scan", "{big}"], None),  # workers when the machine has two cores or more
        (["scan", "{folder}"], False),  # a small batch is screened in the main process
        (["scan", "{one}", "--jobs", "2"], False),  # one file never needs workers
        (["scan", "{folder}", "--jobs", "1"], False),
        (["scan", "{folder}", "-j", "1"], False),
        (["scan", "{folder}", "--jobs=1"], False),
        (["scan", "{folder}", "--jobs", "2", "--scheduler", "local"], False),
        (["scan", "--help"], False),
        (["evaluate", "lines.jsonl"], False),
        ([], False),
    ],
)
def test_cli_starts_worker_server_early_only_for_scans_that_use_workers(
    tmp_path: Path, argv: list[str], expected: bool | None
) -> None:
    from crisis_screen.cli import _may_use_workers
    from crisis_screen.runs.workers import FILES_PER_DEFAULT_JOB, default_jobs

    folder, big = tmp_path / "few", tmp_path / "many"
    folder.mkdir()
    big.mkdir()
    for i in range(3):
        (folder / f"cv{i}.txt").write_text("Barista\n")
    for i in range(2 * FILES_PER_DEFAULT_JOB):
        (big / f"cv{i}.txt").write_text("Barista\n")
    names = {"folder": str(folder), "big": str(big), "one": str(folder / "cv0.txt")}
    argv = [a.format(**names) for a in argv]
    if expected is None:
        expected = default_jobs() >= 2
    assert _may_use_workers(argv) is expected


def test_every_cli_command_is_documented_in_the_readme() -> None:
    from crisis_screen.cli import COMMANDS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name in COMMANDS:
        assert f"crisis-screen {name}" in readme, name
