"""Tests of ``crisis-screen scan`` and ``crisis-screen explain`` (in process and as subprocesses)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from crisis_screen import batch
from crisis_screen.cli import cli
from crisis_screen.cli import scan as scan_module
from test_batch_support import SECRET, STRONG, cli_env, patch_build, run_cli, write_resumes


@pytest.fixture(autouse=True)
def _fast_build(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_build(monkeypatch)


@pytest.fixture()
def resumes(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    write_resumes(folder)
    return folder


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _names(records: list[dict[str, Any]]) -> list[str]:
    return [Path(r["source"]).name for r in records]


ALL = ["empty.txt", "junk.pdf", "medium.md", "strong.txt", "weak.txt"]


# -- formats --------------------------------------------------------------------------------------


def test_jsonl_to_stdout_by_default_when_not_a_terminal(resumes: Path) -> None:
    result = invoke(["scan", str(resumes), "--jobs", "1"])
    assert result.exit_code == 1  # two files cannot be read
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert _names(records) == ALL  # walk order, streamed
    for record in records:
        assert set(record) >= {"source", "sha256", "status", "timings", "versions"}
        batch.ScanRecord.model_validate(record)
    ok = {Path(r["source"]).name: r for r in records if r["status"] == "ok"}
    assert ok["strong.txt"]["flagged"] is True and ok["weak.txt"]["flagged"] is False
    errors = {Path(r["source"]).name: r for r in records if r["status"] == "error"}
    assert errors["empty.txt"]["error_type"] == "EmptyDocumentError"
    assert errors["junk.pdf"]["error_type"] == "CorruptDocumentError"
    # Failures are reported on stderr by path and reason only.
    assert f"error: {resumes / 'empty.txt'}: empty file" in result.stderr
    assert SECRET not in result.stderr and SECRET not in result.stdout


def _parse(fmt: str, text: str) -> list[str]:
    """Names of the resumes in an output, in output order."""
    if fmt == "jsonl":
        return [Path(json.loads(line)["source"]).name for line in text.splitlines()]
    if fmt == "json":
        return [Path(r["source"]).name for r in json.loads(text)]
    if fmt == "csv":
        return [Path(r["source"]).name for r in csv.DictReader(io.StringIO(text, newline=""))]
    names = [n for n in ALL if n in text]
    return sorted(names, key=text.index)


RANKED = ["strong.txt", "medium.md", "weak.txt", "empty.txt", "junk.pdf"]


@pytest.mark.parametrize(
    ("fmt", "suffix", "expected"),
    [
        ("jsonl", ".jsonl", ALL),
        ("json", ".json", RANKED),
        ("csv", ".csv", RANKED),
        ("html", ".html", RANKED),
        ("table", ".txt", RANKED),
    ],
)
@pytest.mark.parametrize("explicit", [True, False])
def test_every_format_to_a_file(
    resumes: Path, tmp_path: Path, fmt: str, suffix: str, expected: list[str], explicit: bool
) -> None:
    output = tmp_path / f"out{suffix}"
    args = ["scan", str(resumes), "-j", "1", "-o", str(output), "-q"]
    result = invoke(args + (["--format", fmt] if explicit else []))
    assert result.exit_code == 1
    assert result.stdout == "" and result.stderr == ""  # --quiet, output in the file
    text = output.read_text(encoding="utf-8")
    assert _parse(fmt, text) == expected
    manifest = json.loads((tmp_path / f"out{suffix}.manifest.json").read_text())
    assert manifest["settings"]["format"] == fmt


def test_table_is_the_default_on_a_terminal(resumes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module.sys.stdout, "isatty", lambda: True, raising=False)
    assert scan_module._choose_format(None, None) == "table"
    assert scan_module._choose_format(None, Path("x.unknown")) == "jsonl"
    assert scan_module._choose_format("csv", Path("x.html")) == "csv"


def test_evidence_csv_and_manifest(resumes: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    evidence = tmp_path / "evidence.csv"
    manifest_path = tmp_path / "run.json"
    result = invoke(
        [
            "scan",
            str(resumes),
            "-j",
            "1",
            "-o",
            str(output),
            "--evidence-csv",
            str(evidence),
            "--manifest",
            str(manifest_path),
            "--threshold",
            "50",
        ]  # fmt: skip
    )
    assert result.exit_code == 1
    records = _jsonl(output)
    rows = list(csv.DictReader(io.StringIO(evidence.read_text(), newline="")))
    assert len(rows) == sum(len(r["evidence"]) for r in records) > 0
    manifest = json.loads(manifest_path.read_text())
    assert manifest["inputs"] == 5 and manifest["ok"] == 3 and manifest["error"] == 2
    assert manifest["screened_this_run"] == 5 and manifest["status"] == "complete"
    assert manifest["flagged"] == sum(1 for r in records if r.get("flagged"))
    assert manifest["settings"]["threshold"] == 50.0
    assert all(r["threshold"] == 50.0 for r in records if r["status"] == "ok")
    assert manifest["versions"] == records[0]["versions"]
    for key in ("started_at", "finished_at"):
        assert manifest[key].endswith("Z") and "T" in manifest[key]
    assert manifest["started_at"] <= manifest["finished_at"]
    assert not (tmp_path / "out.jsonl.manifest.json").exists()


def test_top_and_min_score(resumes: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.json"
    assert invoke(["scan", str(resumes), "-j", "1", "-o", str(output), "--top", "1"]).exit_code
    assert _names(json.loads(output.read_text())) == ["strong.txt", "empty.txt", "junk.pdf"]
    scores = {
        Path(r["source"]).name: r["score"]
        for r in (
            json.loads(x) for x in invoke(["scan", str(resumes), "-j", "1"]).stdout.splitlines()
        )
    }
    assert scores["strong.txt"] > scores["medium.md"] > scores["weak.txt"]
    # Just above the weak resume's score: it drops out, the other two stay, errors stay.
    cut = f"{scores['weak.txt'] + 0.01:.2f}"
    invoke(["scan", str(resumes), "-j", "1", "-o", str(output), "--min-score", cut])
    expected = ["strong.txt", "medium.md", "empty.txt", "junk.pdf"]
    assert _names(json.loads(output.read_text())) == expected
    # JSONL with --top waits for the end and writes the ranked best N.
    result = invoke(["scan", str(resumes), "-j", "1", "--top", "2", "--format", "jsonl"])
    assert _names([json.loads(x) for x in result.stdout.splitlines()]) == expected
    # --min-score on streamed JSONL filters record by record.
    result = invoke(["scan", str(resumes), "-j", "1", "--min-score", cut])
    assert sorted(_names([json.loads(x) for x in result.stdout.splitlines()])) == sorted(expected)


# -- exit codes -----------------------------------------------------------------------------------


def test_exit_0_when_every_file_is_screened(tmp_path: Path) -> None:
    write_resumes(tmp_path / "in", with_bad=False)
    result = invoke(["scan", str(tmp_path / "in"), "-j", "1"])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3
    assert "3 files: 3 screened" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan"], "Missing argument"),
        (["scan", "no/such/path"], "does not exist"),
        (["scan", ".", "--jobs", "0"], "--jobs"),
        (["scan", ".", "--threshold", "101"], "--threshold"),
        (["scan", ".", "--format", "xml"], "--format"),
        (["scan", ".", "--resume"], "--resume needs --output"),
        (["scan", ".", "--resume", "-o", "x.csv"], "jsonl only"),
        (["scan", ".", "--resume", "-o", "x.jsonl", "--top", "3"], "--top"),
        (["scan", ".", "-o", "x.jsonl", "--evidence-csv", "x.jsonl"], "must differ"),
        (["explain"], "Missing argument"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_bad_lexicon_is_a_usage_error(resumes: Path, tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon"
    lexicon.mkdir()
    (lexicon / "broken.toml").write_text("this is [not valid toml")
    for jobs in ("1", "2"):
        result = CliRunner().invoke(
            cli, ["scan", str(resumes), "-j", jobs, "--lexicon", str(lexicon)]
        )
        assert result.exit_code == 2, result.stderr
        assert "--lexicon" in result.stderr


def test_fail_fast_stops_at_the_first_failure(resumes: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    result = invoke(["scan", str(resumes), "-j", "1", "-o", str(output), "--fail-fast"])
    assert result.exit_code == 1
    # empty.txt is first in walk order and fails: nothing after it is screened.
    assert _names(_jsonl(output)) == ["empty.txt"]
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert manifest["status"] == "stopped_at_first_failure"
    assert manifest["screened_this_run"] == 1


# -- atomic writes and resume ---------------------------------------------------------------------


def test_failed_render_leaves_the_previous_output(
    resumes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crisis_screen.report import json as report_json

    output = tmp_path / "out.json"
    output.write_text("previous")

    def broken(records: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_json, "render_json", broken)
    with pytest.raises(RuntimeError):
        invoke(["scan", str(resumes), "-j", "1", "-o", str(output)])
    assert output.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out.json"]


def test_resume_in_process_screens_only_new_and_changed_files(
    resumes: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    invoke(["scan", str(resumes), "-j", "1", "-o", str(output)])
    first = _jsonl(output)
    (resumes / "new.txt").write_text(STRONG)
    (resumes / "weak.txt").write_text("Changed resume\n")
    result = invoke(["scan", str(resumes), "-j", "1", "-o", str(output), "--resume"])
    assert result.exit_code == 1
    records = _jsonl(output)
    assert sorted(_names(records)) == sorted([*ALL, "new.txt"])
    assert records[: len(ALL) - 1] == [r for r in first if not r["source"].endswith("weak.txt")]
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert manifest["screened_this_run"] == 2  # new.txt and the changed weak.txt
    assert manifest["skipped_already_done"] == 4
    assert manifest["ok"] == 4 and manifest["error"] == 2
    assert "resuming: 4 files already screened" in result.stderr


def _wait_for_lines(
    path: Path, count: int, proc: subprocess.Popen[bytes], err: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        if proc.poll() is not None:
            pytest.fail(f"scan ended before being interrupted: {err.read_text()}")
        time.sleep(0.02)
    pytest.fail("scan produced no output in time")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "expected_exit"),
    [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGINT, 130), (signal.SIGTERM, 143)],
)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_killed_run_resumes_with_every_input_exactly_once(
    tmp_path: Path, signum: int, expected_exit: int, jobs: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    try:
        from corpus import generate_corpus
    finally:
        sys.path.pop(0)
    texts = generate_corpus(600, seed=7)
    for i, text in enumerate(texts):
        (folder / f"cv_{i:04d}.txt").write_text(text)
    output = tmp_path / "out.jsonl"
    args = [sys.executable, "-m", "crisis_screen", "scan", str(folder), "-o", str(output)]
    err = tmp_path / "stderr.txt"
    with (
        open(err, "w") as stderr,
        subprocess.Popen(
            [*args, "-j", jobs, "-q"], env=cli_env(), stderr=stderr, stdout=subprocess.DEVNULL
        ) as proc,
    ):
        try:
            _wait_for_lines(output, 50, proc, err, timeout=120)
            proc.send_signal(signum)
            assert proc.wait(timeout=60) == expected_exit, err.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    partial = output.read_bytes()
    done = partial.count(b"\n")
    assert 50 <= done < len(texts), "the run must be stopped part-way"
    if signum != signal.SIGKILL:
        # A clean stop leaves complete lines only, and a manifest saying so.
        assert partial.endswith(b"\n")
        manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
        assert manifest["status"] == "interrupted"
    else:
        # Simulate the worst case of a kill: a record cut off mid-line.
        with open(output, "ab") as handle:
            handle.write(b'{"source": "' + str(folder).encode() + b'/cv_0599.txt", "sha')

    resumed = subprocess.run(
        [*args, "-j", jobs, "--resume"], env=cli_env(), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    lines = output.read_text().splitlines()
    sources = [json.loads(line)["source"] for line in lines]
    assert sorted(sources) == sorted(str(folder / f"cv_{i:04d}.txt") for i in range(len(texts)))
    assert len(sources) == len(set(sources)) == len(texts)
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert manifest["skipped_already_done"] >= done - 1
    assert manifest["screened_this_run"] + manifest["skipped_already_done"] == len(texts)


# -- the real command line ------------------------------------------------------------------------


@pytest.mark.slow
def test_subprocess_parallel_scan_and_quiet_stderr(resumes: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    proc = run_cli(["scan", str(resumes), "-j", "2", "-o", str(output)])
    assert proc.returncode == 1
    assert _names(_jsonl(output)) == ALL
    # stderr is not a terminal: no progress bar, just the failures and the summary.
    assert "\r" not in proc.stderr and "\x1b[" not in proc.stderr
    assert "5 files: 3 screened" in proc.stderr
    quiet = run_cli(["scan", str(resumes), "-j", "2", "-o", str(output), "-q"])
    assert quiet.returncode == 1 and quiet.stderr == ""


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_load_nothing_heavy(flag: str) -> None:
    # What makes --help slow is importing spaCy, pydantic or rich; check that, not the clock
    # (timings are in benchmarks/bench_cli.py, which runs --help and --version repeatedly).
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('LOADED', sorted(m for m in "
        "('spacy', 'pydantic', 'rich', 'jinja2', 'crisis_screen.screener') if m in sys.modules), "
        "file=sys.stderr))\n"
        "from crisis_screen.cli import main\n"
        f"sys.argv = ['crisis-screen', {flag!r}]\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert ("scan" in proc.stdout) if flag == "--help" else ("0." in proc.stdout)
    assert "LOADED []" in proc.stderr


def test_scan_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, crisis_screen.cli.scan; "
        "print(sorted(m for m in ('rich', 'pydantic', 'spacy', 'jinja2', 'crisis_screen.screener', "
        "'crisis_screen.runs.engine', 'crisis_screen.report.html') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=cli_env(), capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_scan_help_lists_the_options() -> None:
    result = invoke(["scan", "--help"])
    for option in ("--format", "--output", "--evidence-csv", "--manifest", "--threshold",
                   "--top", "--min-score", "--lexicon", "--jobs", "--include", "--exclude",
                   "--follow-symlinks", "--resume", "--fail-fast", "--quiet"):  # fmt: skip
        assert option in result.stdout


def test_include_exclude_and_symlinks_reach_the_walker(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_resumes(folder, with_bad=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "elsewhere.txt").write_text(STRONG)
    (folder / "link").symlink_to(outside, target_is_directory=True)
    result = invoke(["scan", str(folder), "-j", "1", "--exclude", "weak*"])
    assert _names([json.loads(x) for x in result.stdout.splitlines()]) == [
        "medium.md",
        "strong.txt",
    ]
    assert "symlink leads outside the folder" in result.stderr
    result = invoke(["scan", str(folder), "-j", "1", "--include", "*.md", "--follow-symlinks"])
    assert _names([json.loads(x) for x in result.stdout.splitlines()]) == ["medium.md"]
    result = invoke(["scan", str(folder), "-j", "1", "--follow-symlinks"])
    assert "elsewhere.txt" in _names([json.loads(x) for x in result.stdout.splitlines()])


# -- explain --------------------------------------------------------------------------------------


def test_explain_prints_the_evidence(resumes: Path) -> None:
    result = invoke(["explain", str(resumes / "strong.txt")])
    assert result.exit_code == 0
    assert result.stdout.startswith(str(resumes / "strong.txt"))
    assert "FLAGGED" in result.stdout and "Evidence:" in result.stdout
    assert 'matched  "CIT"' in result.stdout and "sum of parts" in result.stdout
    as_json = invoke(["explain", str(resumes / "strong.txt"), "--format", "json"])
    record = batch.ScanRecord.model_validate_json(as_json.stdout)
    assert record.flagged is True and record.evidence


def test_explain_of_an_unreadable_file_exits_1_without_text(resumes: Path) -> None:
    result = invoke(["explain", str(resumes / "junk.pdf")])
    assert result.exit_code == 1
    assert "not screened: CorruptDocumentError" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_threshold_changes_the_flag(resumes: Path) -> None:
    low = invoke(["explain", str(resumes / "medium.md"), "--threshold", "10"])
    high = invoke(["explain", str(resumes / "medium.md"), "--threshold", "90"])
    assert "FLAGGED" in low.stdout and "not flagged" in high.stdout


def test_main_module_runs_the_cli() -> None:
    proc = run_cli(["scan", "--help"])
    assert proc.returncode == 0 and "--resume" in proc.stdout
    assert os.path.exists(Path(batch.__file__).parent / "__main__.py")
