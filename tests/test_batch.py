"""Tests of crisis_screen.batch: walking, records, parallel screening, resume, atomic writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from crisis_screen import batch
from crisis_screen.batch import ScanRecord, Timings
from crisis_screen.models import Document, ScreenResult, Versions
from crisis_screen.screener import Screener, ScreenerConfig
from test_batch_support import JUNK_PDF, SECRET, STRONG, patch_build, write_resumes

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fast_build(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_build(monkeypatch)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return ScreenerConfig().build()


def _rel(files: list[str], root: Path) -> list[str]:
    return [Path(f).relative_to(root).as_posix() for f in files]


# -- walking --------------------------------------------------------------------------------------


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    for rel in [
        "b.txt",
        "a.pdf",
        "notes.xyz",
        ".hidden.txt",
        "sub/c.docx",
        "sub/deeper/d.md",
        "sub/deeper/e.html",
        "drafts/f.txt",
        ".git/g.txt",
    ]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content of {rel}\n")
    return root


def test_walk_recurses_in_sorted_depth_first_order_and_skips_hidden(tree: Path) -> None:
    result = batch.walk_paths([tree])
    assert _rel(result.files, tree) == [
        "a.pdf",
        "b.txt",
        "drafts/f.txt",
        "sub/c.docx",
        "sub/deeper/d.md",
        "sub/deeper/e.html",
    ]
    # Walked paths keep the folder as given, so records name files the way the user did.
    assert all(f.startswith(str(tree)) for f in result.files)


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        (["*.txt"], [], ["b.txt", "drafts/f.txt"]),
        (["*.xyz"], [], ["notes.xyz"]),
        ([], ["drafts"], ["a.pdf", "b.txt", "sub/c.docx", "sub/deeper/d.md", "sub/deeper/e.html"]),
        ([], ["sub/deeper/*"], ["a.pdf", "b.txt", "drafts/f.txt", "sub/c.docx"]),
        ([], ["*.pdf", "*.html"], ["b.txt", "drafts/f.txt", "sub/c.docx", "sub/deeper/d.md"]),
        (["*.md", "*.docx"], ["c.docx"], ["sub/deeper/d.md"]),
    ],
)
def test_walk_include_exclude(
    tree: Path, include: list[str], exclude: list[str], expected: list[str]
) -> None:
    result = batch.walk_paths([tree], include=include, exclude=exclude)
    assert _rel(result.files, tree) == expected


def test_walk_keeps_explicit_files_whatever_their_suffix_and_dedupes(tree: Path) -> None:
    explicit = tree / "notes.xyz"
    result = batch.walk_paths([explicit, tree / "b.txt", tree])
    assert result.files[:2] == [str(explicit), str(tree / "b.txt")]
    # b.txt is reached again inside the folder: listed once, at its first position.
    assert result.files.count(str(tree / "b.txt")) == 1
    assert (str(tree / "b.txt"), "same file already listed") in result.skipped


def test_walk_does_not_follow_symlinks_out_of_the_folder(tmp_path: Path, tree: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("elsewhere")
    (tree / "link_dir").symlink_to(outside, target_is_directory=True)
    (tree / "link_file.txt").symlink_to(outside / "secret.txt")
    (tree / "inner_link.txt").symlink_to(tree / "b.txt")

    contained = batch.walk_paths([tree])
    names = _rel(contained.files, tree)
    assert "link_dir/secret.txt" not in names and "link_file.txt" not in names
    reasons = dict(contained.skipped)
    assert reasons[str(tree / "link_dir")] == "symlink leads outside the folder"
    assert reasons[str(tree / "link_file.txt")] == "symlink leads outside the folder"
    # A link inside the folder is followed, but the same file is still listed once.
    assert names.count("b.txt") + names.count("inner_link.txt") == 1

    followed = _rel(batch.walk_paths([tree], follow_symlinks=True).files, tree)
    # Both links reach outside/secret.txt: it is listed once, by the first path walked
    # (a folder's files come before its subfolders).
    assert "link_file.txt" in followed and "link_dir/secret.txt" not in followed
    (outside / "second.txt").write_text("also elsewhere")
    followed = _rel(batch.walk_paths([tree], follow_symlinks=True).files, tree)
    assert "link_dir/second.txt" in followed


def test_walk_survives_symlink_loops_and_skips_fifos(tree: Path) -> None:
    (tree / "sub" / "loop").symlink_to(tree, target_is_directory=True)
    os.mkfifo(tree / "pipe.txt")
    result = batch.walk_paths([tree], follow_symlinks=True)
    names = _rel(result.files, tree)
    assert "pipe.txt" not in names
    assert len(names) == len(set(names)) == 6


# -- one file -------------------------------------------------------------------------------------


def test_ok_record_has_result_hash_timings_and_line_starts(
    tmp_path: Path, screener: Screener
) -> None:
    path = tmp_path / "cv.txt"
    path.write_text("Name\r\n\tOther line\r\n" + STRONG, encoding="utf-8", newline="")
    record = batch.screen_file_record(screener, str(path))
    assert record.status == "ok" and record.ok
    assert record.source == str(path)
    import hashlib

    assert record.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record.format == "text"
    assert record.score is not None and record.score >= record.threshold
    assert record.flagged is True
    assert record.threshold == screener.threshold
    assert record.timings.read_ms >= 0 and record.timings.screen_ms > 0
    assert record.versions == screener.versions
    assert record.evidence and len(record.line_starts) == len(record.evidence)
    for ev, start in zip(record.evidence, record.line_starts, strict=True):
        assert start >= 0
        assert ev.line[ev.start - start : ev.end - start] == ev.text
    # The record carries exactly the screener's result for the same text.
    from crisis_screen.extract import read_document

    expected: ScreenResult = screener.screen_document(read_document(path))
    assert record.evidence == expected.evidence and record.summary == expected.summary


@pytest.mark.parametrize(
    ("name", "content", "error_type", "hashed"),
    [
        ("junk.pdf", JUNK_PDF, "CorruptDocumentError", True),
        ("empty.txt", b"", "EmptyDocumentError", True),
        ("data.json", f'{{"note": "{SECRET}"}}'.encode(), "UnsupportedFormatError", True),
        ("bad.json", f'{{"note": "{SECRET}"'.encode(), "CorruptDocumentError", True),
        ("missing.txt", None, "ExtractionError", False),
    ],
)
def test_error_records_name_the_problem_never_the_text(
    tmp_path: Path,
    screener: Screener,
    name: str,
    content: bytes | None,
    error_type: str,
    hashed: bool,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    record = batch.screen_file_record(screener, str(path))
    assert record.status == "error"
    assert record.error_type == error_type
    assert record.error and "\n" not in record.error
    assert SECRET not in record.model_dump_json()
    assert (record.sha256 is not None) is hashed
    assert record.evidence == () and record.score is None


def test_directory_and_fifo_give_error_records(tmp_path: Path, screener: Screener) -> None:
    os.mkfifo(tmp_path / "pipe")
    assert batch.screen_file_record(screener, str(tmp_path)).error == "is a directory, not a file"
    # Opening a FIFO would block forever; it must be refused before reading.
    assert batch.screen_file_record(screener, str(tmp_path / "pipe")).error == "not a regular file"


def test_file_over_the_size_limit_is_hashed_not_read(tmp_path: Path, screener: Screener) -> None:
    from crisis_screen.extract import ExtractionLimits

    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 2048)
    record = batch.screen_file_record(screener, str(path), ExtractionLimits(max_file_bytes=1024))
    assert record.error_type == "LimitExceededError"
    assert record.sha256 == batch.sha256_file(path)


class _ExplodingScreener:
    """Raises with the resume text in the message, as a buggy library might."""

    def __init__(self, real: Screener) -> None:
        self.versions = real.versions

    def screen_document(self, document: Document, time_limit: float | None = None) -> ScreenResult:
        raise ValueError(f"cannot handle {document.text!r}")


def test_unexpected_exception_becomes_error_record_without_text(
    tmp_path: Path, screener: Screener
) -> None:
    path = tmp_path / "cv.txt"
    path.write_text(f"{SECRET}\n{STRONG}")
    record = batch.screen_file_record(_ExplodingScreener(screener), str(path))  # type: ignore[arg-type]
    assert record.status == "error" and record.error_type == "ValueError"
    assert record.error == "unexpected ValueError while screening the file"
    assert SECRET not in record.model_dump_json()


# -- the record model -----------------------------------------------------------------------------

_VERSIONS = Versions(library="x", lexicon="y", scoring="z")
_TIMINGS = Timings(read_ms=1.0, screen_ms=2.0)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "ok"},  # no score
        {"status": "ok", "score": 5.0, "flagged": False, "threshold": 40.0},  # no summary
        {"status": "error"},  # no reason
        {
            "status": "error",
            "error_type": "X",
            "error": "y",
            "score": 5.0,
            "flagged": True,
            "threshold": 1.0,
            "line_starts": (1,),
        },  # fmt: skip
        {"status": "error", "error_type": "X", "error": "y", "sha256": "nothex"},
        {"status": "maybe", "error_type": "X", "error": "y"},
    ],
)
def test_inconsistent_records_are_rejected(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ScanRecord(source="a", timings=_TIMINGS, versions=_VERSIONS, **fields)


def test_records_round_trip_through_json(tmp_path: Path, screener: Screener) -> None:
    files = write_resumes(tmp_path)
    for path in files.values():
        record = batch.screen_file_record(screener, str(path))
        assert ScanRecord.model_validate_json(record.model_dump_json()) == record


def test_published_schema_is_in_sync() -> None:
    published = json.loads((REPO / "schemas" / "output_record.schema.json").read_text())
    assert published == batch.record_json_schema(), (
        "schemas/output_record.schema.json is stale: run "
        "`python -c 'from crisis_screen.batch import write_record_schema; write_record_schema()'`"
    )


def test_schema_describes_records(tmp_path: Path, screener: Screener) -> None:
    schema = batch.record_json_schema()
    assert set(schema["required"]) >= {"source", "status", "timings", "versions"}
    files = write_resumes(tmp_path)
    for path in files.values():
        record = json.loads(batch.screen_file_record(screener, str(path)).model_dump_json())
        assert set(record) <= set(schema["properties"])
    written = batch.write_record_schema(tmp_path / "s" / "schema.json")
    assert json.loads(written.read_text()) == schema


# -- many files -----------------------------------------------------------------------------------


def _comparable(record: ScanRecord) -> dict[str, Any]:
    data = json.loads(record.model_dump_json())
    data.pop("timings")
    return data


def test_screen_paths_in_process_keeps_walk_order_and_survives_bad_files(
    tmp_path: Path, screener: Screener
) -> None:
    files = write_resumes(tmp_path / "in")
    records = list(batch.screen_paths([tmp_path / "in"], screener=screener))
    assert [r.source for r in records] == batch.walk_paths([tmp_path / "in"]).files
    status = {Path(r.source).name: r.status for r in records}
    assert status == {
        "empty.txt": "error",
        "junk.pdf": "error",
        "medium.md": "ok",
        "strong.txt": "ok",
        "weak.txt": "ok",
    }
    assert len(records) == len(files)


@pytest.mark.slow
def test_parallel_screening_gives_the_same_records_in_the_same_order(
    tmp_path: Path, screener: Screener
) -> None:
    folder = tmp_path / "in"
    write_resumes(folder)
    for i in range(30):
        (folder / f"extra_{i:02d}.txt").write_text(STRONG if i % 3 == 0 else f"Person {i}\n")
    files = batch.walk_paths([folder]).files
    serial = list(batch.scan_lines(files, screener=screener, n_process=1))
    parallel = list(batch.scan_lines(files, config=ScreenerConfig(), n_process=2, chunk_size=4))
    assert [p.source for p in parallel] == files
    assert [_comparable(p.to_record()) for p in parallel] == [
        _comparable(s.to_record()) for s in serial
    ]
    # Workers send serialised lines only; records are parsed on demand in this process.
    assert all(p.record is None for p in parallel)
    assert all(s.record is not None for s in serial)


@pytest.mark.slow
def test_a_file_that_kills_its_worker_becomes_an_error_record(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_resumes(folder, with_bad=False)
    (folder / "crash.txt").write_text("x")
    for i in range(6):
        (folder / f"z_{i}.txt").write_text(STRONG)
    files = batch.walk_paths([folder]).files
    records = [
        line.to_record()
        for line in batch.scan_lines(files, config=_CrashingConfig(), n_process=2, chunk_size=2)
    ]
    assert [r.source for r in records] == files
    by_name = {Path(r.source).name: r for r in records}
    assert by_name["crash.txt"].error_type == "WorkerCrashed"
    assert all(r.ok for name, r in by_name.items() if name != "crash.txt")


class _CrashingScreener:
    def __init__(self, real: Screener) -> None:
        self.real = real
        self.versions = real.versions

    def screen_document(self, document: Document, time_limit: float | None = None) -> ScreenResult:
        if document.source.endswith("crash.txt"):
            os._exit(3)  # what a segfault in a native parser looks like to the pool
        return self.real.screen_document(document)


class _CrashingConfig(ScreenerConfig):
    def build(self) -> Screener:
        return _CrashingScreener(super().build())  # type: ignore[return-value]


def test_workers_that_cannot_start_raise_a_clear_error(tmp_path: Path) -> None:
    from crisis_screen.errors import CrisisScreenError

    files = [str(p) for p in write_resumes(tmp_path, with_bad=False).values()]
    config = ScreenerConfig(lexicon=(str(tmp_path / "no-such-lexicon"),))
    with pytest.raises(CrisisScreenError, match="workers could not start"):
        list(batch.scan_lines(files, config=config, n_process=2, chunk_size=1))


def test_scan_lines_argument_checks(screener: Screener) -> None:
    with pytest.raises(ValueError, match="n_process"):
        list(batch.scan_lines(["a"], screener=screener, n_process=0))
    with pytest.raises(ValueError, match="chunk_size"):
        list(batch.scan_lines(["a"], screener=screener, chunk_size=0))
    bare = Screener(screener.lexicon)
    with pytest.raises(ValueError, match="cannot be rebuilt"):
        list(batch.scan_lines(["a", "b"], screener=bare, n_process=2))


def test_default_jobs_respects_affinity() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert batch.default_jobs() == expected


# -- atomic output --------------------------------------------------------------------------------


def test_atomic_output_replaces_on_success_and_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), batch.atomic_output(target) as out:
        out.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    with batch.atomic_output(target) as out:
        out.write("new")
        # Nothing is visible until the block ends.
        assert target.read_text() == "old"
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


# -- resume ---------------------------------------------------------------------------------------


def _jsonl(records: list[ScanRecord]) -> str:
    return "".join(r.model_dump_json() + "\n" for r in records)


def test_plan_resume_skips_same_path_and_hash_and_drops_a_truncated_line(
    tmp_path: Path, screener: Screener
) -> None:
    files = write_resumes(tmp_path / "in")
    paths = batch.walk_paths([tmp_path / "in"]).files
    records = [batch.screen_file_record(screener, p) for p in paths[:3]]
    output = tmp_path / "out.jsonl"
    partial = records[2].model_dump_json()[:40]
    output.write_text(_jsonl(records[:2]) + partial)

    plan = batch.plan_resume(output, paths)
    assert plan.done == paths[:2]
    assert plan.todo == paths[2:]
    assert plan.repaired
    assert output.read_text() == _jsonl(records[:2])
    assert plan.prior[paths[0]] == (records[0].status, bool(records[0].flagged))
    assert len(files) == len(paths)


def test_plan_resume_rescreens_changed_files_and_keeps_one_record_each(
    tmp_path: Path, screener: Screener
) -> None:
    write_resumes(tmp_path / "in")
    paths = batch.walk_paths([tmp_path / "in"]).files
    records = [batch.screen_file_record(screener, p) for p in paths]
    other = records[0].model_copy(update={"source": "not/an/input.txt"})
    output = tmp_path / "out.jsonl"
    # A duplicate of record 1 (from an older run) and a record for a file not in this run.
    output.write_text(_jsonl([other, *records, records[1]]))
    changed = Path(paths[3])
    changed.write_text(changed.read_text() + "\nmore\n")

    plan = batch.plan_resume(output, paths)
    assert plan.todo == [paths[3]]
    kept = [json.loads(line)["source"] for line in output.read_text().splitlines()]
    # Stale and duplicate records are gone; unrelated records stay.
    assert sorted(kept) == sorted(["not/an/input.txt", *(p for p in paths if p != paths[3])])


def test_plan_resume_without_output_does_everything(tmp_path: Path) -> None:
    plan = batch.plan_resume(tmp_path / "none.jsonl", ["a", "b"])
    assert (plan.todo, plan.done, plan.repaired) == (["a", "b"], [], False)
    assert not (tmp_path / "none.jsonl").exists()


def test_plan_resume_rescreens_records_without_hash(tmp_path: Path, screener: Screener) -> None:
    path = tmp_path / "later.txt"
    missing = batch.screen_file_record(screener, str(path))
    assert missing.sha256 is None
    output = tmp_path / "out.jsonl"
    output.write_text(_jsonl([missing]) + "not json at all\n")
    path.write_text(STRONG)
    plan = batch.plan_resume(output, [str(path)])
    assert plan.todo == [str(path)] and plan.repaired
    assert output.read_text() == ""
