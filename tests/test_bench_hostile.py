"""The hostile-input benchmark (benchmarks/bench_hostile.py) and its generator (hostile.py)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crisis_screen.extract import read_bytes
from crisis_screen.extract.detect import is_candidate_file

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_hostile  # noqa: E402
import hostile  # noqa: E402

# Enough hostile files for every kind, rare ones included, once each.
N_HOSTILE = len(hostile.KINDS) + len(hostile.RARE_KINDS) + 6


def _digest(n_hostile: int, n_good: int, seed: int) -> list[tuple[bytes, str, str, str]]:
    return [
        (e.rel, e.kind, e.variant, hashlib.sha256(e.data + (e.link or b"")).hexdigest())
        for e in hostile.iter_entries(n_hostile, n_good, seed)
    ]


def test_generator_is_deterministic_and_writes_every_kind() -> None:
    first = _digest(N_HOSTILE, 8, seed=3)
    assert first == _digest(N_HOSTILE, 8, seed=3)
    assert first != _digest(N_HOSTILE, 8, seed=4)
    kinds = {kind for _, kind, _, _ in first}
    assert set(hostile.KINDS) | set(hostile.RARE_KINDS) <= kinds
    assert {"txt", "pdf", "docx"} & kinds  # good resumes, by format
    names = [rel for rel, _, _, _ in first]
    assert len(names) == len(set(names)) == N_HOSTILE + 8
    # Rare kinds are few, however many files.
    assert hostile.rare_counts(100_000) == {
        name: most for name, (most, _, _) in hostile.RARE_KINDS.items()
    }


@pytest.mark.parametrize("fmt", sorted(hostile.SEED_FORMATS))
def test_seed_files_are_valid_documents(fmt: str) -> None:
    # Mutations of a seed the readers refuse anyway would test nothing.
    text = "Pat Example\nEXPERIENCE\n- Completed CIT training in 2019\nSkills: de-escalation\n"
    data = hostile.build_seed(fmt, text)
    doc = read_bytes(data, "cv" + hostile.SEED_FORMATS[fmt])
    assert "Completed CIT training in 2019" in doc.text


def test_write_folder_writes_files_links_and_odd_names(tmp_path: Path) -> None:
    # 200 hostile entries hold a dozen odd names (every one with a control character).
    written = hostile.write_folder(tmp_path / "in", 200, 8, seed=1)
    expected = written.expected()
    assert len(written.entries) == 208
    for path, entry in written.entries.items():
        if entry.link is None:
            assert os.path.getsize(path) == entry.size
            assert is_candidate_file(path), path
        else:
            assert os.path.islink(path) and path not in expected
    raw_names = [os.fsencode(p) for p in expected]
    assert any(b"\n" in n or b"\x1b" in n for n in raw_names)
    undecodable = [n for n in raw_names if not _is_utf8(n)]
    assert undecodable, "some names are not valid UTF-8"
    sizes = sorted(e.size for e in expected.values())
    assert sizes[0] == 0 and sizes[-1] > 19 * hostile.MIB  # empty files and text near 20 MB


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_output_check_finds_missing_duplicated_and_invalid_records(tmp_path: Path) -> None:
    written = hostile.write_folder(tmp_path / "in", 30, 4, seed=2)
    paths = list(written.expected())
    record = {
        "status": "ok",
        "score": 1.0,
        "flagged": False,
        "timings": {"read_ms": 1, "screen_ms": 1},
    }
    lines = []
    for path in paths[1:]:  # the first file has no record
        shown = path.encode("utf-8", "surrogateescape")
        named = {"source": path, "source_hex": None}
        if not _is_utf8(shown):
            named = {"source": shown.decode("utf-8", "replace"), "source_hex": shown.hex()}
        lines.append(json.dumps({**named, **record}))
    lines.append(lines[0])  # a duplicate
    lines.append("{not json")
    lines.append(json.dumps({"source": paths[2], "status": "ok"}))  # no score, no timings
    output = tmp_path / "out.jsonl"
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    check = bench_hostile.check_output(output, written, validate=False)
    assert check.missing == [paths[0]]
    assert len(check.duplicates) == 2  # the repeated line and the invalid record's file
    assert check.invalid_json == 1 and check.invalid_records == 1
    assert not check.unexpected and not check.one_per_file
    output.write_text("\n".join(lines[: len(paths) - 1]) + "\n", encoding="utf-8")
    assert bench_hostile.check_output(output, written, validate=False).missing == [paths[0]]


@pytest.mark.slow
def test_benchmark_end_to_end_on_a_small_folder(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(BENCHMARKS.parent / "src") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "bench_hostile.py"),
            *("--hostile", "40", "--good", "20", "--time-limit", "1"),
            *("--workdir", str(tmp_path / "work"), "--json", str(out)),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["passed"] and all(c["passed"] for c in figures["checks"])
    files = figures["folder"]["files"]
    assert files == 60 - figures["folder"]["symlinks"]  # symlinks get no record
    scan = figures["scan"]["output"]
    assert scan["records"] == scan["lines"] == files
    assert scan["one_per_file"] and scan["missing_count"] == scan["duplicates_count"] == 0
    assert {r["signal"] for r in figures["kill_and_resume"]} == {"SIGINT", "SIGKILL"}
    for run in figures["kill_and_resume"]:
        assert 0 < run["records_at_kill"] < files
        assert run["output"]["records"] == files and run["output"]["one_per_file"]
    # The watchdog stopped the slow file near 1.5 times the limit.
    assert figures["scan"]["timings"]["max_ms"] < 2000
    assert figures["scan"]["output"]["by_error_type"].get("TimeLimitExceededError", 0) >= 1
    assert not (tmp_path / "work").exists()  # removed without --keep
