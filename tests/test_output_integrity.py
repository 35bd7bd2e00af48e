"""Outputs of ``crisis-screen scan`` cannot be lost or corrupted: real runs, real files, real disks.

- file names of any bytes are screened and recorded (``source`` escaped, ``source_hex`` exact);
- one writer per output: a second scan of the same output stops at once with exit 2;
- a full disk stops the run with exit 3, whole lines and a manifest saying ``failed``, and
  ``--resume`` repairs the output in place, on that same disk;
- an output that cannot be created is a usage error (exit 2) before any work.

Full disks are real: a small tmpfs when this process may mount one (root), and otherwise, or
as well, the file-size limit (``RLIMIT_FSIZE``, with SIGXFSZ ignored the kernel answers writes
past it with EFBIG, mid-line included).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crisis_screen import Screener
from crisis_screen.errors import OutputInUseError, OutputNotWritableError
from crisis_screen.runs.local import screen_paths
from crisis_screen.runs.records import ScanRecord
from crisis_screen.runs.sinks import lock_path, locked_outputs
from test_batch_support import STRONG, cli_env

SCAN = [sys.executable, "-m", "crisis_screen", "scan"]
# Runs the command line with a file-size limit: the kernel then refuses writes past it.
LIMITED = (
    "import os, resource, signal, sys\n"
    "limit = int(sys.argv[1])\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'crisis_screen', *sys.argv[2:]])\n"
)


def _run(args: list[str], timeout: float = 240, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=cli_env(), capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


def _records(path: Path) -> list[ScanRecord]:
    """Every line of a JSONL output, each a valid record (fails on a torn or invalid line)."""
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), "the last line is torn"
    return [ScanRecord.model_validate_json(line) for line in data.splitlines()]


def _corpus(folder: Path, n: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"cv_{i:03d}.txt").write_text(f"{STRONG}- Shift {i}\n", encoding="utf-8")
    return sorted(str(p) for p in folder.iterdir())


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr


# -- 1. file names of any bytes -------------------------------------------------------------------

NAMES = [
    b"a.txt",
    b"b\xff.txt",  # not UTF-8
    b"c\nnew line.txt",
    b"d \x1b[2J\x1b]0;title\x07.txt",
    "e \u202eevil.txt".encode(),
    b"\xc3\x28 half a character.md",
]
EMPTY = b"f\xfe empty.txt"  # fails: an error record, and a warning naming it


def _bad_names(folder: Path) -> list[bytes]:
    os.makedirs(os.fsencode(folder), exist_ok=True)
    for name in NAMES:
        with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
            handle.write(STRONG.encode())
    open(os.path.join(os.fsencode(folder), EMPTY), "wb").close()  # noqa: SIM115
    return sorted(os.path.join(os.fsencode(folder), n) for n in [*NAMES, EMPTY])


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_names_of_any_bytes_are_screened_recorded_and_resumed(tmp_path: Path, jobs: str) -> None:
    paths = _bad_names(tmp_path / "in")
    output = tmp_path / "out.jsonl"
    proc = _run([*SCAN, str(tmp_path / "in"), "-o", str(output), "-j", jobs])
    assert proc.returncode == 1, proc.stderr  # the empty file fails, the batch goes on
    _no_traceback(proc)
    records = _records(output)
    assert sorted(os.fsencode(r.path) for r in records) == paths
    for record in records:
        raw = os.fsencode(record.path)
        assert os.path.exists(raw)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            assert record.source_hex == raw.hex()
            assert "\\x" in record.source
        else:
            assert record.source_hex is None and record.source == raw.decode()
    assert [r.status for r in records].count("error") == 1
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["inputs"] == len(paths)
    # The warning names the failed file on one line, its bytes escaped.
    assert "\x1b" not in proc.stderr and "\udcfe" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "f\\xfe empty.txt" in errors[0]

    before = output.read_bytes()
    again = _run(
        [*SCAN, str(tmp_path / "in"), "-o", str(output), "-j", jobs, "--resume"]
        + ["--evidence-csv", str(tmp_path / "evidence.csv")]
    )
    assert again.returncode == 1, again.stderr
    assert f"resuming: {len(paths)} files already screened" in again.stderr
    assert output.read_bytes() == before
    evidence = (tmp_path / "evidence.csv").read_text(encoding="utf-8")
    assert "b\\xff.txt" in evidence and "\x1b" not in evidence


def test_library_records_give_the_path_back(tmp_path: Path, screener: Screener) -> None:
    paths = _bad_names(tmp_path / "in")
    records = list(screen_paths([tmp_path / "in"], screener=screener))
    assert sorted(os.fsencode(r.path) for r in records) == paths
    for record in records:
        assert ScanRecord.model_validate_json(record.model_dump_json()) == record


# -- 2. one writer per output ---------------------------------------------------------------------


def test_an_output_is_locked_while_written(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    link = tmp_path / "link.jsonl"
    link.symlink_to(output)
    with locked_outputs([output, None]):
        assert lock_path(output).exists()
        for same in (output, link):
            with (
                pytest.raises(OutputInUseError, match="another scan is writing"),
                locked_outputs([same]),
            ):
                pass  # pragma: no cover
    assert not lock_path(output).exists()  # removed once released
    with locked_outputs([link]):
        pass


@pytest.mark.slow
def test_a_second_scan_of_the_same_output_stops_at_once(tmp_path: Path) -> None:
    files = _corpus(tmp_path / "in", 300)
    other = _corpus(tmp_path / "other", 5)
    output = tmp_path / "same.jsonl"
    err = tmp_path / "first.err"
    with (
        open(err, "w") as stderr,
        subprocess.Popen(
            [*SCAN, str(tmp_path / "in"), "-o", str(output), "-j", "1", "-q"],
            env=cli_env(),
            stderr=stderr,
        ) as first,
    ):
        try:
            deadline = time.monotonic() + 120
            while not (output.exists() and output.read_bytes().count(b"\n") >= 5):
                assert first.poll() is None, err.read_text()
                assert time.monotonic() < deadline, "the first scan wrote nothing"
                time.sleep(0.02)
            first.send_signal(signal.SIGSTOP)  # hold it mid-run, its lock taken
            held = output.read_bytes()
            second = _run([*SCAN, str(tmp_path / "other"), "-o", str(output), "-j", "1"])
            assert second.returncode == 2, second.stderr
            assert "another scan is writing this file" in second.stderr
            assert f"(process {first.pid})" in second.stderr
            _no_traceback(second)
            assert output.read_bytes() == held  # the second one wrote nothing
        finally:
            first.send_signal(signal.SIGCONT)
        assert first.wait(timeout=240) == 0, err.read_text()
    assert [r.source for r in _records(output)] == files
    assert not lock_path(output).exists()
    # Once the first is done, the output is free again.
    third = _run([*SCAN, str(tmp_path / "other"), "-o", str(output), "-j", "1", "-q"])
    assert third.returncode == 0, third.stderr
    assert [r.source for r in _records(output)] == other


@pytest.mark.slow
def test_two_scans_started_together_one_writes_the_other_stops(tmp_path: Path) -> None:
    inputs = {name: _corpus(tmp_path / name, 150) for name in ("a", "b")}
    output = tmp_path / "same.jsonl"
    procs = {
        name: subprocess.Popen(
            [*SCAN, str(tmp_path / name), "-o", str(output), "-j", "2", "-q"],
            env=cli_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in inputs
    }
    results = {name: (p.wait(timeout=300), p.communicate()[1]) for name, p in procs.items()}
    codes = sorted(code for code, _ in results.values())
    assert codes == [0, 2], results
    winner = next(name for name, (code, _) in results.items() if code == 0)
    loser_err = next(err for code, err in results.values() if code == 2)
    assert "another scan is writing this file" in loser_err
    assert [r.source for r in _records(output)] == inputs[winner]


@pytest.mark.slow
def test_a_killed_run_leaves_a_free_output_and_resumes_exactly_once(tmp_path: Path) -> None:
    files = _corpus(tmp_path / "in", 300)
    out = tmp_path / "out"
    out.mkdir()
    output = out / "results.jsonl"
    args = [*SCAN, str(tmp_path / "in"), "-o", str(output), "--evidence-csv", str(out / "ev.csv")]
    with subprocess.Popen([*args, "-j", "2", "-q"], env=cli_env()) as proc:
        deadline = time.monotonic() + 120
        while not (output.exists() and output.read_bytes().count(b"\n") >= 20):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        proc.kill()
        proc.wait()
    # A SIGKILL leaves the lock file and the temp files behind; none of them blocks a resume.
    assert lock_path(output).exists()
    assert any(p.name.endswith(".tmp") for p in out.iterdir())
    resumed = _run([*args, "-j", "2", "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(r.source for r in _records(output)) == files
    assert sorted(p.name for p in out.iterdir()) == [
        "ev.csv",
        "results.jsonl",
        "results.jsonl.manifest.json",
    ]


# -- 4. full disks --------------------------------------------------------------------------------


@dataclass
class FullDisk:
    """A place whose disk fills up, and how to run a scan there and then make room."""

    folder: Path
    limit: int | None  # RLIMIT_FSIZE of the scan; None on a real small disk
    grow: Callable[[], None]
    reason: str
    full: bool = True

    def scan(self, args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if self.limit is not None and self.full:
            return _run([sys.executable, "-c", LIMITED, str(self.limit), "scan", *args], **kwargs)
        return _run([*SCAN, *args], **kwargs)


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


@pytest.fixture(params=["tmpfs", "file-size-limit"])
def full_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FullDisk]:
    folder = tmp_path / "disk"
    if request.param == "tmpfs":
        if not _mount_tmpfs(folder, "64k"):
            pytest.skip("mounting a small tmpfs needs root")

        def grow() -> None:
            subprocess.run(["mount", "-o", "remount,size=8m", str(folder)], check=True)

        disk = FullDisk(folder, None, grow, "No space left on device")
        try:
            yield disk
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        return
    folder.mkdir()
    disk = FullDisk(folder, 40_000, lambda: None, "File too large")
    disk.grow = lambda: setattr(disk, "full", False)
    yield disk


@pytest.mark.slow
def test_a_full_disk_gives_exit_3_whole_lines_a_failed_manifest_and_resumes_in_place(
    full_disk: FullDisk, tmp_path: Path
) -> None:
    files = _corpus(tmp_path / "in", 40)
    output = full_disk.folder / "out.jsonl"
    manifest_path = full_disk.folder / "out.jsonl.manifest.json"
    jobs = "2" if full_disk.limit is None else "1"
    args = [str(tmp_path / "in"), "-o", str(output), "-j", jobs]

    first = full_disk.scan(args)
    assert first.returncode == 3, first.stderr
    _no_traceback(first)
    message = [line for line in first.stderr.splitlines() if line.startswith("error:")]
    assert message == [f"error: cannot write {output}: {full_disk.reason}"]
    written = _records(output)
    assert 0 < len(written) < len(files)
    manifest = json.loads(manifest_path.read_text())
    assert manifest["status"] == "failed"
    assert manifest["failure"] == f"{output}: {full_disk.reason}"
    assert manifest["screened_this_run"] >= len(written)
    # No lock file and no temp file left behind.
    assert sorted(p.name for p in full_disk.folder.iterdir()) == [output.name, manifest_path.name]

    # A kill could also have torn the last line; resuming on the full disk repairs in place.
    with open(output, "ab") as handle:
        handle.write(b'{"source": "torn')
    inode = output.stat().st_ino
    second = full_disk.scan([*args, "--resume"])
    assert second.returncode == 3, second.stderr
    _no_traceback(second)
    assert "repaired" in second.stderr
    assert output.stat().st_ino == inode  # repaired in place, not rewritten through a copy
    kept = _records(output)
    assert kept[: len(written)] == written  # nothing lost
    assert json.loads(manifest_path.read_text())["status"] == "failed"

    full_disk.grow()
    third = full_disk.scan([*args, "--resume"])
    assert third.returncode == 0, third.stderr
    assert sorted(r.source for r in _records(output)) == files  # every file exactly once
    final = json.loads(manifest_path.read_text())
    assert final["status"] == "complete" and final["failure"] is None
    assert final["skipped_already_done"] + final["screened_this_run"] == len(files)


@pytest.mark.slow
def test_stdout_redirected_to_a_full_disk_keeps_whole_lines(tmp_path: Path) -> None:
    _corpus(tmp_path / "in", 40)
    target = tmp_path / "stdout.jsonl"
    with open(target, "wb") as stdout:
        proc = subprocess.run(
            [sys.executable, "-c", LIMITED, "40000", "scan", str(tmp_path / "in"), "-j", "1"],
            env=cli_env(),
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=240,
            check=False,
        )
    assert proc.returncode == 3, proc.stderr
    _no_traceback(proc)
    assert "File too large" in proc.stderr
    assert 0 < len(_records(target)) < 40


# -- 5. outputs that cannot be created ------------------------------------------------------------


@pytest.mark.parametrize("option", ["-o", "--evidence-csv", "--manifest"])
def test_a_missing_output_folder_is_a_usage_error(tmp_path: Path, option: str) -> None:
    _corpus(tmp_path / "in", 2)
    target = tmp_path / "missing" / "out.csv"
    extra = [] if option == "-o" else ["-o", str(tmp_path / "out.jsonl")]
    started = time.monotonic()
    proc = _run([*SCAN, str(tmp_path / "in"), *extra, option, str(target)], timeout=120)
    assert proc.returncode == 2, proc.stderr
    _no_traceback(proc)
    assert f"{target}: the folder {target.parent} does not exist" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # nothing was written
    assert time.monotonic() - started < 60


def _read_only_folder(folder: Path) -> Callable[[], None]:
    """Make ``folder`` and its file read-only for this user (a read-only mount for root)."""
    if os.geteuid() != 0:
        folder.mkdir()
        (folder / "existing.jsonl").write_text("")
        (folder / "existing.jsonl").chmod(0o444)
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    if not _mount_tmpfs(folder, "1m"):
        pytest.skip("cannot make a folder read-only for root without a mount")
    (folder / "existing.jsonl").write_text("")
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)

    def undo() -> None:
        subprocess.run(["umount", "-l", str(folder)], check=False)

    return undo


@pytest.mark.parametrize(
    ("name", "reason"),
    [("new.jsonl", "the folder {folder} is not writable"), ("existing.jsonl", "read-only")],
)
def test_an_unwritable_output_is_a_usage_error(tmp_path: Path, name: str, reason: str) -> None:
    _corpus(tmp_path / "in", 2)
    folder = tmp_path / "locked"
    undo = _read_only_folder(folder)
    try:
        proc = _run([*SCAN, str(tmp_path / "in"), "-o", str(folder / name)], timeout=120)
    finally:
        undo()
    assert proc.returncode == 2, proc.stderr
    _no_traceback(proc)
    assert reason.format(folder=folder) in proc.stderr


def test_unwritable_outputs_raise_typed_errors_before_any_work(tmp_path: Path) -> None:
    from crisis_screen.runs.scan import ScanOptions, scan

    options = ScanOptions(paths=(str(tmp_path),), output=tmp_path / "no" / "out.jsonl")
    with pytest.raises(OutputNotWritableError, match="does not exist"):
        scan(options)
    with pytest.raises(OutputNotWritableError, match="is a folder"):
        scan(ScanOptions(paths=(str(tmp_path),), output=tmp_path))
