"""A scan's records do not depend on how it ran: one process, worker processes, or the library.

A generated corpus (the benchmark's resumes, some as Markdown, plus files that cannot be read)
is scanned by the real command line with ``--jobs 1`` and ``--jobs 2``: the records, timings
aside, are equal line for line, and each ``ok`` record holds exactly what
``Screener.screen_file`` gives for that file (score, evidence, summary, skills, versions),
with the hash of the file's bytes and the offsets of its evidence lines.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from crisis_screen import Screener
from crisis_screen.extract import read_document
from crisis_screen.models import Evidence, SkillResult, Summary, Versions
from test_batch_support import JUNK_PDF, run_cli

CORPUS_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "corpus.py"


def _corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_bench_corpus_records", CORPUS_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "in"
    (root / "sub").mkdir(parents=True)
    for i, text in enumerate(_corpus().iter_corpus(160, seed=11)):
        target = (
            root / ("sub" if i % 5 == 0 else "") / f"cv_{i:03d}.{'md' if i % 7 == 0 else 'txt'}"
        )
        target.write_text(text, encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "junk.pdf").write_bytes(JUNK_PDF)
    return root


def _scan(folder: Path, out: Path, jobs: int) -> list[dict[str, Any]]:
    done = run_cli(["scan", str(folder), "-o", str(out), "--jobs", str(jobs), "-q"], timeout=600)
    assert done.returncode == 1, done.stderr  # the two unreadable files
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for record in records:
        assert record.pop("timings").keys() == {"read_ms", "screen_ms"}
    return records


@pytest.mark.slow
def test_records_are_the_same_in_one_process_in_workers_and_from_the_library(
    folder: Path, tmp_path: Path
) -> None:
    serial = _scan(folder, tmp_path / "j1.jsonl", 1)
    parallel = _scan(folder, tmp_path / "j2.jsonl", 2)
    assert len(serial) == 162
    assert parallel == serial

    screener = Screener(threshold=next(r["threshold"] for r in serial if r["status"] == "ok"))
    errors = {Path(r["source"]).name: r["error_type"] for r in serial if r["status"] != "ok"}
    assert errors == {"empty.txt": "EmptyDocumentError", "junk.pdf": "CorruptDocumentError"}
    flagged = 0
    for record in (r for r in serial if r["status"] == "ok"):
        path = record["source"]
        result = screener.screen_file(path)
        document = read_document(path)
        assert record["sha256"] == hashlib.sha256(Path(path).read_bytes()).hexdigest()
        assert record["format"] == document.format
        assert (record["score"], record["flagged"], record["threshold"]) == (
            result.score,
            result.flagged,
            result.threshold,
        )
        assert tuple(Evidence.model_validate(e) for e in record["evidence"]) == result.evidence
        assert Summary.model_validate(record["summary"]) == result.summary
        skills = {k: SkillResult.model_validate(v) for k, v in record["skills"].items()}
        assert skills == result.skills
        assert Versions.model_validate(record["versions"]) == result.versions
        assert len(record["line_starts"]) == len(result.evidence)
        for start, evidence in zip(record["line_starts"], result.evidence, strict=True):
            assert document.text[start : start + len(evidence.line)] == evidence.line
        flagged += int(record["flagged"])
    assert flagged > 10  # the corpus holds the skill in about a fifth of the resumes
