"""The run engine as a library: sources, one-source screening, the loop, executors and sinks.

Real files in tmp_path and real screeners; the executor in the crash tests is a small real
executor whose "worker" dies on one source, so the engine's isolation logic is what runs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from crisis_screen.errors import ExtractionError
from crisis_screen.extract import ExtractionLimits, read_document
from crisis_screen.models import Versions
from crisis_screen.runs.engine import ChunkResult, Executor, WorkerLost, run_lines
from crisis_screen.runs.local import InProcessExecutor, scan_lines
from crisis_screen.runs.records import ScanLine, ScanRecord
from crisis_screen.runs.scan import run
from crisis_screen.runs.screen import screen_source, screen_sources, to_line
from crisis_screen.runs.sinks import Sink
from crisis_screen.runs.sources import MemorySource, fetch
from crisis_screen.screener import Screener, ScreenerConfig
from test_batch_support import STRONG, WEAK, patch_build, write_resumes


@pytest.fixture(autouse=True)
def _fast_build(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_build(monkeypatch)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return ScreenerConfig().build()


def test_bytes_in_memory_give_the_record_of_the_same_file(
    screener: Screener, tmp_path: Path
) -> None:
    path = tmp_path / "strong.txt"
    path.write_text(STRONG, encoding="utf-8")
    data = path.read_bytes()
    from_memory = screen_source(screener, MemorySource(str(path), data))
    from_disk = screen_source(screener, str(path))
    assert from_memory.sha256 == hashlib.sha256(data).hexdigest() == from_disk.sha256
    assert from_memory.model_dump(exclude={"timings"}) == from_disk.model_dump(exclude={"timings"})


def test_oversized_bytes_are_an_error_record_with_their_hash(screener: Screener) -> None:
    data = b"x" * 2000
    record = screen_source(
        screener, MemorySource("big.txt", data), ExtractionLimits(max_file_bytes=1000)
    )
    assert record.status == "error" and record.error_type == "LimitExceededError"
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert "2000 bytes" in (record.error or "")


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_one_reader_gives_the_same_reason_to_read_document_and_runs(
    tmp_path: Path, kind: str
) -> None:
    target = tmp_path / "nope.txt"
    if kind == "folder":
        target.mkdir()
    fetched = fetch(str(target), ExtractionLimits())
    with pytest.raises(ExtractionError) as raised:
        read_document(target)
    assert fetched.error is not None and fetched.data is None
    assert fetched.error.reason == raised.value.reason


def test_a_file_url_reads_like_its_path(screener: Screener, tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    path = tmp_path / "weak.txt"
    path.write_text(WEAK, encoding="utf-8")
    by_path, by_url = screen_sources(screener, [str(path), path.as_uri()])
    assert by_url.source == path.as_uri()
    assert by_url.model_dump(exclude={"timings", "source"}) == by_path.model_dump(
        exclude={"timings", "source"}
    )


class _Collect(Sink):
    def __init__(self) -> None:
        self.lines: list[ScanLine] = []
        self.finished = False

    def write(self, line: ScanLine) -> None:
        self.lines.append(line)

    def finish(self) -> None:
        self.finished = True


def test_run_feeds_every_sink_in_order_and_counts(screener: Screener, tmp_path: Path) -> None:
    files = [str(p) for p in sorted(write_resumes(tmp_path).values())]
    sinks = [_Collect(), _Collect()]
    summary = run(files, InProcessExecutor(screener), sinks)
    assert (
        [line.source for line in sinks[0].lines]
        == files
        == [line.source for line in sinks[1].lines]
    )
    assert all(s.finished for s in sinks)
    assert (summary.inputs, summary.screened, summary.ok, summary.error) == (5, 5, 3, 2)
    assert summary.status == "complete" and summary.versions["library"]


def test_run_stops_at_the_first_failure_with_fail_fast(screener: Screener, tmp_path: Path) -> None:
    files = [str(p) for p in sorted(write_resumes(tmp_path).values())]
    sink = _Collect()
    summary = run(files, InProcessExecutor(screener), [sink], fail_fast=True)
    first_error = next(i for i, line in enumerate(sink.lines) if line.status != "ok")
    assert first_error == len(sink.lines) - 1 < len(files) - 1
    assert summary.status == "stopped_at_first_failure"


class _DyingExecutor(Executor[list[str]]):
    """Screens in this process, but its "worker" dies on ``culprit`` (and takes the chunk)."""

    def __init__(self, screener: Screener, culprit: str, took_all: bool) -> None:
        self.screener, self.culprit, self.took_all = screener, culprit, took_all
        self.slots, self.chunk_size = 2, 2
        self.recovered = 0

    def submit(self, chunk: list[str]) -> list[str]:  # type: ignore[override]
        return chunk

    def result(self, handle: list[str]) -> ChunkResult:
        if self.culprit in handle:
            raise WorkerLost(took_all=self.took_all)
        records = screen_sources(self.screener, handle)
        return self.screener.versions, [to_line(r) for r in records]

    def recover(self, versions: Versions | None, took_all: bool) -> None:
        self.recovered += 1


@pytest.mark.parametrize("took_all", [True, False])
def test_the_source_that_kills_workers_gets_a_crash_record_and_nothing_else_is_lost(
    screener: Screener, tmp_path: Path, took_all: bool
) -> None:
    files = []
    for i in range(9):
        path = tmp_path / f"r{i}.txt"
        path.write_text(STRONG if i % 2 else WEAK, encoding="utf-8")
        files.append(str(path))
    executor = _DyingExecutor(screener, culprit=files[4], took_all=took_all)
    records = [line.to_record() for line in run_lines(files, executor)]
    assert [r.source for r in records] == files
    crashed = [r for r in records if r.status == "error"]
    assert [r.source for r in crashed] == [files[4]]
    assert crashed[0].error_type == "WorkerCrashed"
    assert crashed[0].versions == screener.versions  # known from the chunks that came back
    assert executor.recovered >= 2  # after the chunk, and after the culprit alone
    assert all(isinstance(r, ScanRecord) for r in records)


def test_pool_and_in_process_give_the_same_records(tmp_path: Path) -> None:
    files = [str(p) for p in sorted(write_resumes(tmp_path).values())]
    one = [line.to_record() for line in scan_lines(files)]
    two = [line.to_record() for line in scan_lines(files, n_process=2, chunk_size=1)]
    assert [r.model_dump(exclude={"timings"}) for r in one] == [
        r.model_dump(exclude={"timings"}) for r in two
    ]
