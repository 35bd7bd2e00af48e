"""Results as pandas DataFrames, Arrow tables and Parquet (crisis_screen.frames, scan --format parquet)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import crisis_screen
from crisis_screen import Screener, frames
from crisis_screen.cli import cli
from crisis_screen.errors import CrisisScreenError, MissingExtraError
from crisis_screen.models import ScreenResult, Summary

SRC = str(Path(__file__).resolve().parents[1] / "src")

TEXTS = [
    ("deputy", "Deputy sheriff, 2018-2024\nCompleted the 40-hour CIT course.\n"),
    ("cook", "Line cook and caterer.\nFood handler card.\n"),
    (
        "nurse",
        "Psychiatric nurse\nDe-escalated agitated patients on a mental health unit.\n"
        "Never worked on a mobile crisis team.\n",
    ),
]


@pytest.fixture(scope="module")
def results(screener: Screener) -> list[ScreenResult]:
    return list(screener.screen_many(TEXTS))


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "resumes"
    root.mkdir()
    for name, text in TEXTS:
        (root / f"{name}.txt").write_text(text)
    (root / "blank.txt").write_text("")  # cannot be screened: an error record
    return root


def test_resume_rows(results: list[ScreenResult]) -> None:
    frame = frames.to_pandas(results)
    assert len(frame) == len(TEXTS)
    assert list(frame.columns) == list(frames.RESUME_COLUMNS)
    assert list(frame["source"]) == [name for name, _ in TEXTS]
    assert list(frame["score"]) == [r.score for r in results]
    assert list(frame["flagged"]) == [r.flagged for r in results]
    assert list(frame["concepts"]) == [list(r.summary.concepts) for r in results]
    assert list(frame["best_line"].fillna("")) == [r.summary.best_line or "" for r in results]
    assert frame["status"].eq("ok").all()
    assert list(frame["tier"]) == [r.summary.tier for r in results]
    assert frame["sha256"].isna().all()  # not read from files
    assert str(frame["score"].dtype) == "Float64"
    assert str(frame["flagged"].dtype) == "boolean"


def test_evidence_rows(results: list[ScreenResult]) -> None:
    frame = frames.evidence_to_pandas(results)
    expected = [(r.source, ev) for r in results for ev in r.evidence]
    assert len(frame) == len(expected) >= 3
    assert list(frame.columns) == list(frames.EVIDENCE_COLUMNS)
    assert list(frame["source"]) == [source for source, _ in expected]
    assert list(frame["text"]) == [ev.text for _, ev in expected]
    assert list(frame["counted"]) == [ev.counted for _, ev in expected]
    assert not frame["counted"].all()  # the negated mobile crisis team is a row too
    negated = frame[~frame["counted"]]
    assert all("negated" in adjustments for adjustments in negated["adjustments"])


def test_tier_comes_from_the_summary(results: list[ScreenResult]) -> None:
    tiered = results[0].model_copy(update={"summary": Summary(tier="strong", concepts=("cit",))})
    untiered = results[1].model_copy(update={"summary": Summary(tier="none")})
    assert list(frames.to_pandas([tiered, untiered])["tier"]) == ["strong", "none"]


def test_scan_records_and_results_mix(screener: Screener, folder: Path) -> None:
    records = list(crisis_screen.screen_paths([folder], screener=screener))
    frame = frames.to_pandas([*records, *screener.screen_many(TEXTS[:1])])
    assert len(frame) == 5
    errors = frame[frame["status"] == "error"]
    assert [Path(s).name for s in errors["source"]] == ["blank.txt"]
    assert errors["score"].isna().all() and errors["concepts"].isna().all()
    assert errors["error_type"].notna().all()
    ok = frame[(frame["status"] == "ok") & frame["sha256"].notna()]
    assert len(ok) == 3 and ok["format"].eq("text").all() and ok["read_ms"].notna().all()
    evidence = frames.evidence_to_pandas(records)
    assert len(evidence) == sum(len(r.evidence) for r in records)


def test_arrow_tables(results: list[ScreenResult]) -> None:
    table = frames.to_arrow(results)
    assert table.num_rows == len(TEXTS)
    assert table.schema.field("concepts").type == pa.list_(pa.string())
    assert table.column("score").to_pylist() == [r.score for r in results]
    evidence = frames.evidence_to_arrow(results)
    assert evidence.num_rows == sum(len(r.evidence) for r in results)
    # No rows still gives the full, typed schema (so empty runs concatenate with others).
    empty = frames.to_arrow([])
    assert empty.num_rows == 0 and empty.schema == table.schema
    assert list(frames.to_pandas([]).columns) == list(frames.RESUME_COLUMNS)


def test_write_parquet_round_trips(results: list[ScreenResult], tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    assert frames.write_parquet(results, path) == len(TEXTS)
    back = pq.read_table(path)
    assert back.num_rows == len(TEXTS)
    assert back.column("source").to_pylist() == [name for name, _ in TEXTS]
    assert not list(tmp_path.glob(".out.parquet.*"))  # no temp file left behind
    pd.testing.assert_frame_equal(
        back.to_pandas().astype(frames.to_pandas(results).dtypes.to_dict()),
        frames.to_pandas(results),
    )


def test_wrong_item_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="ScreenResult or a scan record"):
        frames.to_pandas(["just a string"])  # type: ignore[list-item]


def test_scan_format_parquet_writes_one_row_per_resume(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "ranked.parquet"
    result = CliRunner().invoke(
        cli, ["scan", str(folder), "--format", "parquet", "-o", str(out), "--jobs", "1", "-q"]
    )
    assert result.exit_code == 1, result.output  # blank.txt failed; its record is a row
    table = pq.read_table(out)
    assert table.num_rows == 4
    rows = table.to_pylist()
    assert sorted(Path(r["source"]).name for r in rows) == [
        "blank.txt",
        "cook.txt",
        "deputy.txt",
        "nurse.txt",
    ]
    ok = [r for r in rows if r["status"] == "ok"]
    assert [r["score"] for r in ok] == sorted((r["score"] for r in ok), reverse=True)  # ranked
    assert (tmp_path / "ranked.parquet.manifest.json").exists()
    # The suffix alone picks the format.
    again = tmp_path / "again.parquet"
    CliRunner().invoke(cli, ["scan", str(folder), "-o", str(again), "--jobs", "1", "-q"])
    assert pq.read_table(again).num_rows == 4


def test_scan_format_parquet_needs_an_output_file(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", str(folder), "--format", "parquet"])
    assert result.exit_code == 2
    assert "--format parquet needs --output" in result.output


def _without(module: str, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter where ``module`` cannot be imported."""
    blocker = f"import sys; sys.modules[{module!r}] = None\n"
    return subprocess.run(
        [sys.executable, "-c", blocker + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize(
    ("module", "call"),
    [("pandas", "to_pandas"), ("pandas", "evidence_to_pandas"), ("pyarrow", "to_arrow")],
)
def test_missing_extra_is_a_clear_typed_error(module: str, call: str) -> None:
    code = f"""
        from crisis_screen import frames
        from crisis_screen.errors import CrisisScreenError, MissingExtraError
        try:
            frames.{call}([])
        except MissingExtraError as exc:
            assert isinstance(exc, CrisisScreenError) and isinstance(exc, ImportError)
            assert exc.extra == "frames" and exc.module == {module!r}
            print(exc)
        """
    proc = _without(module, code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        f"{call} needs {module}, which is not installed: pip install 'crisis_screen[frames]'"
    )


def test_scan_parquet_without_pyarrow_is_a_usage_error(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    code = f"""
        import sys
        from crisis_screen.cli import main
        sys.argv = ["crisis-screen", "scan", {str(folder)!r}, "-o", {str(out)!r}, "--jobs", "1"]
        main()
        """
    proc = _without("pyarrow", code)
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'crisis_screen[frames]'" in proc.stderr
    assert not out.exists()


def test_missing_extra_error_type() -> None:
    exc = MissingExtraError("to_arrow", "pyarrow", "frames")
    assert isinstance(exc, CrisisScreenError) and isinstance(exc, ImportError)
    assert exc.name == "pyarrow"
