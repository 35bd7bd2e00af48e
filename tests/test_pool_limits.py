"""Worker processes under their limits: a file past its time limit is stopped, a file needing
more memory than a worker's ceiling fails alone, and the batch goes on with every file once.

Real worker processes screen real files. The slow file is a resume whose one long section is
dense with skill terms: screening it takes seconds (far past the tiny time limit given here),
and the screener's own check between lines stops it at the limit. A worker stuck where no
check reaches (a library call that hangs) is made so with SIGSTOP: only the watchdog ends it.
The large file is a plain text resume padded to 19 MB (under the 20 MB size limit), which a
worker allowed 16 MB more than it holds cannot even read.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crisis_screen.extract import ExtractionLimits
from crisis_screen.runs.engine import run_lines
from crisis_screen.runs.local import ProcessPoolRunner
from crisis_screen.runs.records import ScanLine
from crisis_screen.runs.workers import BATCH, STOP_FACTOR, pool_likely
from crisis_screen.screener import ScreenerConfig
from test_batch_support import STRONG, WEAK, cli_env, made_up_word, run_cli
from test_hostile_files import build_pdf, stream


def _dense_resume(kib: int) -> str:
    # Lines that pass the gate ("CIT") full of words never seen before: each one costs the
    # typo pass a fuzzy lookup, so screening takes seconds however the engine bounds a line
    # or a resume's evidence: a real slow input, not a test-only reader.
    lines, size, n = ["Pat Example", "EXPERIENCE"], 0, 0
    while size < kib * 1024:
        line = "CIT " + " ".join(made_up_word(n + k) for k in range(80))
        n += 80
        size += len(line) + 1
        lines.append(line)
    return "\n".join(lines) + "\n"


def _slow_pdf(lines: int = 3000) -> bytes:
    """A small one-page PDF that takes seconds to read, in one call nothing can interrupt.

    pdfium lays out a page's text in time that grows with the square of its characters: 3,000
    short lines on one tall page take several seconds inside a single library call, where the
    reader's own time checks (between pages) cannot stop it. Only the watchdog can.
    """
    height = 72 + 11 * lines
    text = b"".join(b"(Line %d stocked shelves) Tj T*\n" % i for i in range(lines))
    content = b"BT /F1 9 Tf 11 TL 36 %d Td\n" % (height - 36) + text + b"ET\n"
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 %d] " % height
            + b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            stream(content, filters=b""),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def _folder(tmp_path: Path, special: dict[str, bytes]) -> list[str]:
    """Twelve ordinary resumes with the special files in the middle, in walk order."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        (folder / f"a{i:02d}.txt").write_text(STRONG if i % 2 else WEAK, encoding="utf-8")
    for name, data in special.items():
        (folder / name).write_bytes(data)
    return sorted(str(p) for p in folder.iterdir())


def _run(files: list[str], runner: ProcessPoolRunner) -> list[ScanLine]:
    try:
        return list(run_lines(files, runner))
    finally:
        runner.close()


def _hang_when_reading(runner: ProcessPoolRunner, target: str, done: threading.Event) -> None:
    """Stop (SIGSTOP) the worker that is reading ``target``: a worker stuck in a library call.

    Reading ``target`` takes long enough (a second) for this to see it; the watchdog must then
    end the stopped worker, as it would one hung inside C code that no time check reaches.
    """
    while not done.is_set():
        for worker in list(runner._workers):
            index = worker.progress.read()[0]
            job = worker.job
            if job is not None and 0 <= index < len(job.sources) and job.sources[index] == target:
                os.kill(worker.process.pid, signal.SIGSTOP)
                return
        time.sleep(0.002)


@pytest.mark.slow
def test_a_hung_worker_is_stopped_by_the_watchdog_and_the_batch_goes_on(tmp_path: Path) -> None:
    files = _folder(tmp_path, {"a05_slow.pdf": _slow_pdf(1500)})
    slow = next(f for f in files if f.endswith("_slow.pdf"))
    limit = 3.0
    runner = ProcessPoolRunner(
        ScreenerConfig(), 2, chunk_size=4, limits=ExtractionLimits(time_limit=limit)
    )
    done = threading.Event()
    hanger = threading.Thread(target=_hang_when_reading, args=(runner, slow, done))
    hanger.start()
    start = time.monotonic()
    try:
        lines = _run(files, runner)
    finally:
        done.set()
        hanger.join()
    took = time.monotonic() - start

    # Every file once, in order; only the hung one failed, with a typed record.
    assert [line.source for line in lines] == files
    by_source = {line.source: json.loads(line.json) for line in lines}
    record = by_source.pop(slow)
    assert record["status"] == "error"
    assert record["error_type"] == "TimeLimitExceededError"
    assert "time limit 3 s" in record["error"]
    assert all(r["status"] == "ok" for r in by_source.values())
    # Stopped by the watchdog, at 1.5 times the limit, well before twice it; then replaced.
    assert runner.stats.stopped == 1 and runner.stats.lost == 1
    spent = (record["timings"]["read_ms"] + record["timings"]["screen_ms"]) / 1000
    assert STOP_FACTOR * limit <= spent < 2 * limit
    assert took < 60


def _stop_in_a_batch(runner: ProcessPoolRunner, done: threading.Event) -> None:
    """Stop (SIGSTOP) the first worker seen screening a batch: hung where no check reaches."""
    while not done.is_set():
        for worker in list(runner._workers):
            if worker.job is not None and worker.progress.read()[0] == BATCH:
                os.kill(worker.process.pid, signal.SIGSTOP)
                return
        time.sleep(0.0005)


@pytest.mark.slow
def test_a_worker_hung_in_a_batch_is_stopped_and_each_file_screened_alone(
    tmp_path: Path,
) -> None:
    # Each resume takes a fraction of a second (made-up words of its own for the typo pass),
    # so a chunk's batch lasts long enough to be caught; none comes near the limit.
    folder = tmp_path / "in"
    folder.mkdir()
    # 32 files: chunks of 4 for 2 workers (a small run is cut finer, down to single files).
    for i in range(32):
        words = [made_up_word(40_000_000 + i * 2_000 + k) for k in range(1_200)]
        lines = ["CIT " + " ".join(words[j : j + 80]) for j in range(0, len(words), 80)]
        (folder / f"cv{i}.txt").write_text(STRONG + "\n".join(lines) + "\n", encoding="utf-8")
    files = sorted(str(p) for p in folder.iterdir())
    runner = ProcessPoolRunner(
        ScreenerConfig(), 2, chunk_size=4, limits=ExtractionLimits(time_limit=3.0)
    )
    done = threading.Event()
    hanger = threading.Thread(target=_stop_in_a_batch, args=(runner, done))
    hanger.start()
    try:
        lines = _run(files, runner)
    finally:
        done.set()
        hanger.join()

    # Nobody is blamed for a batch: its files were screened again one by one, all fine.
    assert [line.source for line in lines] == files
    assert [line.status for line in lines] == ["ok"] * len(files)
    assert runner.stats.stopped == 1 and runner.stats.lost == 1


def test_a_slow_pdf_page_is_stopped_by_the_readers_own_checks() -> None:
    # The page's text is laid out in time that grows with its square; the reader checks the
    # time between text runs, so even one page stops near the limit.
    from crisis_screen.errors import TimeLimitExceededError
    from crisis_screen.extract import read_bytes

    start = time.monotonic()
    with pytest.raises(TimeLimitExceededError, match="slow.pdf"):
        read_bytes(_slow_pdf(), filename="slow.pdf", limits=ExtractionLimits(time_limit=0.3))
    assert time.monotonic() - start < 0.6


SCAN = Path(__file__).resolve().parents[1] / "sample_resumes" / "mobile_crisis_paramedic_scan.pdf"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_an_ocr_page_gets_its_own_time_from_the_watchdog_too(tmp_path: Path) -> None:
    # OCR of this one-page scan takes seconds, longer than 1.5 times the one-second limit:
    # the page's own ocr_page_time (as the reader's budget grants it) keeps it going.
    files = _folder(tmp_path, {"a04_scan.pdf": SCAN.read_bytes()})
    limit = ExtractionLimits(time_limit=1.0)
    runner = ProcessPoolRunner(ScreenerConfig(), 2, chunk_size=4, limits=limit)
    lines = _run(files, runner)
    record = json.loads(next(line.json for line in lines if line.source.endswith("_scan.pdf")))
    assert record["status"] == "ok" and record["ocr_pages"] == [1]
    assert runner.stats.stopped == 0
    assert all(line.status == "ok" for line in lines)


@pytest.mark.slow
def test_a_file_over_the_memory_ceiling_fails_alone(tmp_path: Path) -> None:
    big = (WEAK * (19 * 1024 * 1024 // len(WEAK))).encode()
    files = _folder(tmp_path, {"a07_big.txt": big})
    # One worker slot: with two, the other worker may take every chunk after the big file's
    # before a replacement is needed, so whether one starts would depend on timing.
    runner = ProcessPoolRunner(ScreenerConfig(), 1, chunk_size=3, memory_limit=16 * 1024**2)
    lines = _run(files, runner)

    assert [line.source for line in lines] == files
    by_source = {line.source: json.loads(line.json) for line in lines}
    record = by_source.pop(next(f for f in files if f.endswith("_big.txt")))
    assert record["status"] == "error"
    assert record["error_type"] == "MemoryLimitExceededError"
    assert "memory" in record["error"] and "Sam Example" not in record["error"]
    assert all(r["status"] == "ok" for r in by_source.values())
    # The worker that ran out is replaced by a fresh one for the files after it.
    assert runner.stats.lost == 1 and runner.stats.started == 2


@pytest.mark.slow
def test_without_a_ceiling_the_same_large_file_is_read(tmp_path: Path) -> None:
    big = (WEAK * (19 * 1024 * 1024 // len(WEAK))).encode()
    files = _folder(tmp_path, {"a07_big.txt": big})
    lines = _run(files, ProcessPoolRunner(ScreenerConfig(), 2, chunk_size=3, memory_limit=None))
    record = json.loads(next(line.json for line in lines if line.source.endswith("_big.txt")))
    # Read, then refused by the text-length limit: memory was not the problem.
    assert record["error_type"] == "LimitExceededError"


@pytest.mark.slow
def test_the_cli_stops_a_slow_file_and_records_every_file_once(tmp_path: Path) -> None:
    files = _folder(tmp_path, {"a03_slow.txt": _dense_resume(256).encode()})
    out = tmp_path / "out.jsonl"
    done = run_cli(
        ["scan", str(tmp_path / "in"), "-o", str(out), "--jobs", "2", "--time-limit", "0.5"],
        timeout=300,
    )
    assert done.returncode == 1, done.stderr  # some files failed
    # The screener's own check between lines stops it (the watchdog is the backstop).
    assert "a03_slow.txt: screening ran past the time limit 0.5 s" in done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["source"] for r in records] == files
    assert [r["error_type"] for r in records if r["status"] != "ok"] == ["TimeLimitExceededError"]
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert (manifest["ok"], manifest["error"]) == (len(files) - 1, 1)
    assert manifest["settings"]["time_limit"] == 0.5


@pytest.mark.slow
def test_workers_take_the_fork_servers_screener_for_a_lexicon_of_your_own(tmp_path: Path) -> None:
    from crisis_screen.lexicon import default_lexicon_dir

    files = _folder(tmp_path, {})
    code = (
        "import sys\n"
        "from crisis_screen.runs.engine import run_lines\n"
        "from crisis_screen.runs.local import ProcessPoolRunner\n"
        "from crisis_screen.runs.workers import start_early\n"
        "from crisis_screen.screener import ScreenerConfig\n"
        "files, lexicon = sys.argv[2:], sys.argv[1]\n"
        "start_early(files, jobs=2, lexicon=[lexicon])\n"
        "runner = ProcessPoolRunner(ScreenerConfig(lexicon=(lexicon,), threshold=50.0), 2,\n"
        "                           chunk_size=2)\n"
        "lines = list(run_lines(files, runner))\n"
        "runner.close()\n"
        "print(runner.stats.preloaded, runner.stats.started, len(lines))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(default_lexicon_dir()), *files],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    preloaded, started, count = (int(x) for x in done.stdout.split())
    assert count == len(files)
    assert preloaded == started == 2


def test_the_fork_server_is_started_only_for_batches_that_use_workers(tmp_path: Path) -> None:
    one = tmp_path / "cv.txt"
    one.write_text(WEAK, encoding="utf-8")
    (tmp_path / "cv2.txt").write_text(WEAK, encoding="utf-8")
    assert not pool_likely([str(one)], jobs=2)
    assert not pool_likely([str(tmp_path)], jobs=1)
    assert pool_likely([str(tmp_path)], jobs=2)
    assert not pool_likely([str(tmp_path)], jobs=None)  # two files: screened in-process
    assert pool_likely([str(one), str(one)], jobs=2)  # counted cheaply, errs towards a pool
    os.mkfifo(tmp_path / "pipe")
    assert pool_likely([str(tmp_path)], jobs=3)


def test_screening_in_process_stops_at_its_time_limit() -> None:
    from crisis_screen import Screener
    from crisis_screen.errors import TimeLimitExceededError
    from crisis_screen.models import Document

    screener = Screener.default()
    slow = Document(text=_dense_resume(64), source="slow.txt")
    start = time.monotonic()
    with pytest.raises(TimeLimitExceededError) as info:
        screener.screen_document(slow, time_limit=0.2)
    # Checked between lines: stopped within one line's time of the limit.
    assert time.monotonic() - start < 1.0
    assert "slow.txt" in str(info.value) and "0.2 s" in str(info.value)
    assert "CIT" not in str(info.value)
    # Without a limit, and with a generous one, the same text is screened.
    quick = Document(text="Pat Example\nCompleted 40 hours of CIT training\n", source="q.txt")
    assert screener.screen_document(quick, time_limit=30.0) == screener.screen_document(quick)


def test_the_time_limit_is_checked_while_a_window_of_lines_is_tokenised() -> None:
    from crisis_screen import Screener
    from crisis_screen.errors import TimeLimitExceededError
    from crisis_screen.models import Document

    screener = Screener.default()
    # 256 lines (one window) of 400 words never seen: tokenising them creates 100,000
    # lexemes, seconds of work before any line reaches term matching. The limit must still
    # stop the resume within about one line's time.
    words = (made_up_word(50_000_000 + n) for n in range(256 * 400))
    body = ["CIT " + " ".join(next(words) for _ in range(400)) for _ in range(256)]
    doc = Document(text="Pat Example\n" + "\n".join(body) + "\n", source="wide.txt")
    start = time.monotonic()
    with pytest.raises(TimeLimitExceededError, match="wide.txt"):
        screener.screen_document(doc, time_limit=0.2)
    assert time.monotonic() - start < 0.2 + 0.5


@pytest.mark.slow
def test_one_process_scan_stops_a_slow_file_at_its_time_limit_too(tmp_path: Path) -> None:
    # --jobs 1 has no watchdog: the screener's own check between lines stops the file.
    files = _folder(tmp_path, {"a03_slow.txt": _dense_resume(256).encode()})
    out = tmp_path / "out.jsonl"
    limit = 0.5
    done = run_cli(
        ["scan", str(tmp_path / "in"), "-o", str(out), "--jobs", "1", "--time-limit", str(limit)],
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["source"] for r in records] == files
    (slow,) = [r for r in records if r["status"] != "ok"]
    assert slow["source"].endswith("a03_slow.txt")
    assert slow["error_type"] == "TimeLimitExceededError"
    spent = (slow["timings"]["read_ms"] + slow["timings"]["screen_ms"]) / 1000
    assert limit <= spent < 2 * limit
