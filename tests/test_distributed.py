"""Tests of crisis_screen.distributed on a real 2-worker LocalCluster (no engine mocks).

The cluster is shared by the module (starting one takes a few seconds); the tests that kill
workers on purpose run on their own cluster or last, so the others see two healthy workers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")
pytest.importorskip("fsspec")

import dask  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from crisis_screen import batch  # noqa: E402
from crisis_screen import distributed as dist  # noqa: E402
from crisis_screen.batch import ScanRecord  # noqa: E402
from crisis_screen.errors import CrisisScreenError  # noqa: E402
from crisis_screen.models import Document, ScreenResult  # noqa: E402
from crisis_screen.screener import Screener, ScreenerConfig  # noqa: E402
from test_batch_support import SRC, STRONG, write_resumes  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from corpus import generate_corpus  # noqa: E402

pytestmark = [
    # Closing a cluster whose worker was just killed can leave the nanny's pipe unclosed
    # until the garbage collector runs; nothing of ours leaks.
    pytest.mark.filterwarnings("ignore:unclosed:ResourceWarning"),
    pytest.mark.filterwarnings("ignore:unclosed <socket:ResourceWarning"),
    # distributed warns when the machine has fewer cores than requested threads in total.
    pytest.mark.filterwarnings("ignore:.*worker.*threads.*:UserWarning"),
]


def _cluster(**config: Any) -> tuple[LocalCluster, Client]:
    with dask.config.set(config):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            # A random port: a fixed one (even with the dashboard off, the scheduler's HTTP
            # server binds 8787) warns when another cluster already holds it.
            dashboard_address=":0",
        )
    return cluster, Client(cluster, set_as_default=False)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    cluster, client = _cluster()
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated resumes plus the hand-written set: strong, medium, weak, a junk PDF, empty."""
    root = tmp_path_factory.mktemp("resumes")
    write_resumes(root)
    for i, text in enumerate(generate_corpus(60, seed=7)):
        (root / f"cv_{i:03d}.txt").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def files(folder: Path) -> list[str]:
    # A missing file at the end: named directly, it gets an error record like the others.
    return [*batch.walk_paths([folder]).files, str(folder / "missing.txt")]


@pytest.fixture(scope="module")
def local(files: list[str], screener: Screener) -> list[ScanRecord]:
    """The reference: the local batch path, in this process."""
    return [line.to_record() for line in batch.scan_lines(files, screener=screener)]


def _same(record: ScanRecord | dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A record as a dict without timings (which differ run to run)."""
    data = record if isinstance(record, dict) else record.model_dump(mode="json")
    return {k: v for k, v in {**data, **changes}.items() if k != "timings"}


def test_records_equal_the_local_batch_path(
    client: Client, files: list[str], local: list[ScanRecord]
) -> None:
    records = list(dist.scan_records(files, client, chunk_size=8))
    assert [r.source for r in records] == files
    assert [_same(r) for r in records] == [_same(r) for r in local]
    by_name = {Path(r.source).name: r for r in records}
    assert by_name["junk.pdf"].error_type == "CorruptDocumentError"
    assert by_name["empty.txt"].error == "empty file"
    assert by_name["empty.txt"].sha256 is not None
    assert by_name["missing.txt"].error == "file not found"
    assert by_name["strong.txt"].flagged


def test_scheduler_address_string_connects_and_lines_carry_json(
    client: Client, files: list[str], local: list[ScanRecord]
) -> None:
    address = client.scheduler.address
    lines = list(dist.scan_lines(files[:5], address))
    assert [json.loads(line.json)["source"] for line in lines] == files[:5]
    assert [line.to_record().sha256 for line in lines] == [r.sha256 for r in local[:5]]


def test_bag_of_record_dicts_in_input_order(
    client: Client, files: list[str], local: list[ScanRecord]
) -> None:
    bag = dist.screen_bag(files, chunk_size=16, client=client)
    assert bag.npartitions == -(-len(files) // 16)
    dicts = client.compute(bag).result()
    assert [_same(d) for d in dicts] == [_same(r) for r in local]
    ScanRecord.model_validate(dicts[0])


def test_dataframe_has_typed_flat_columns_and_the_full_record(
    client: Client, files: list[str], local: list[ScanRecord]
) -> None:
    pytest.importorskip("dask.dataframe")
    frame = dist.screen_dataframe(files, chunk_size=16)
    assert list(frame.columns) == list(dist.FRAME_COLUMNS)
    table = client.compute(frame).result()
    assert list(table["source"]) == files
    assert str(table["score"].dtype) == "Float64"
    assert str(table["flagged"].dtype) == "boolean"
    parsed = [ScanRecord.model_validate_json(text) for text in table["record"]]
    assert [_same(r) for r in parsed] == [_same(r) for r in local]
    errors = table[table["status"] == "error"]
    assert set(errors["error_type"]) >= {"CorruptDocumentError", "EmptyDocumentError"}
    assert errors["score"].isna().all()
    # The same rows and dtypes as the local frames.to_pandas (lists in `concepts`), timings aside.
    from crisis_screen.frames import to_pandas

    expected = to_pandas(local).drop(columns=["read_ms", "screen_ms"])
    got = table[list(expected.columns)].reset_index(drop=True)
    pd = pytest.importorskip("pandas")
    pd.testing.assert_frame_equal(got, expected)
    flagged = got[got["flagged"].fillna(False)]
    assert all(isinstance(c, list) and c for c in flagged["concepts"])


def test_partitioned_jsonl_is_written_by_the_workers_and_readable(
    client: Client, files: list[str], local: list[ScanRecord], tmp_path: Path
) -> None:
    out = tmp_path / "out" / "jsonl"
    parts = dist.write_jsonl(files, str(out), client, chunk_size=20)
    assert parts == sorted(str(p) for p in out.glob("part-*.jsonl"))
    assert len(parts) == -(-len(files) // 20)
    lines: list[str] = []
    for part in parts:
        text = Path(part).read_text(encoding="utf-8")
        assert text.endswith("\n")
        lines.extend(text.splitlines())
    records = [ScanRecord.model_validate_json(line) for line in lines]
    assert [_same(r) for r in records] == [_same(r) for r in local]


def test_parquet_dataset_round_trips(
    client: Client, files: list[str], local: list[ScanRecord], tmp_path: Path
) -> None:
    pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    out = tmp_path / "parquet"
    dist.write_parquet(files, str(out), client, chunk_size=20)
    names = sorted(p.name for p in out.glob("*.parquet"))
    assert names == [f"part-{i:05d}.parquet" for i in range(len(names))]
    table = pd.concat([pd.read_parquet(out / name) for name in names], ignore_index=True)
    assert list(table["source"]) == files
    assert [_same(ScanRecord.model_validate_json(t)) for t in table["record"]] == [
        _same(r) for r in local
    ]
    # List columns stay lists of concept ids, as in the local frames.write_parquet.
    ok = [r for r in local if r.summary is not None]
    by_source = dict(zip(table["source"], table["concepts"], strict=True))
    assert [list(by_source[r.source]) for r in ok] == [list(r.summary.concepts) for r in ok]


def test_file_urls_are_read_by_the_workers_with_the_same_outcomes(
    client: Client, folder: Path, files: list[str], local: list[ScanRecord]
) -> None:
    urls = [Path(f).as_uri() for f in files] + [folder.as_uri()]
    records = list(dist.scan_records(urls, client, chunk_size=8))
    assert [r.source for r in records] == urls
    assert [_same(r, source=f) for r, f in zip(records, files, strict=False)] == [
        _same(r) for r in local
    ]
    assert records[-1].error == "is a directory, not a file"


def test_expand_sources_lists_url_prefixes_like_walk_paths(folder: Path, files: list[str]) -> None:
    walked = batch.walk_paths([folder]).files
    assert dist.expand_sources([folder.as_uri()]) == [Path(f).as_uri() for f in walked]
    assert dist.expand_sources([str(folder)]) == walked
    pattern = folder.as_uri() + "/cv_00*.txt"
    assert dist.expand_sources([pattern]) == [Path(f).as_uri() for f in walked if "cv_00" in f]


def test_the_screener_is_built_once_per_worker_process(client: Client, files: list[str]) -> None:
    config = ScreenerConfig(threshold=61.0)  # a config no other test uses
    for _ in range(2):
        records = list(dist.scan_records(files, client, config=config, chunk_size=4))
        assert all(r.threshold == 61.0 for r in records if r.ok)
    assert len(files) // 4 > 2 * len(client.nthreads())  # many tasks per worker
    assert client.run(dist.screener_builds, config) == dict.fromkeys(client.nthreads(), 1)


def test_a_screener_that_cannot_be_built_fails_the_run_clearly(
    client: Client, files: list[str], tmp_path: Path
) -> None:
    config = ScreenerConfig(lexicon=(str(tmp_path / "no-such-lexicon"),))
    # The workers' own error (LexiconError is a CrisisScreenError), raised before any task.
    with pytest.raises(CrisisScreenError, match="no-such-lexicon"):
        list(dist.scan_lines(files[:3], client, config=config))


def test_argument_checks(client: Client) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        list(dist.scan_lines(["a"], client, chunk_size=0))
    with pytest.raises(ValueError, match="retries"):
        list(dist.scan_lines(["a"], client, retries=-1))
    assert list(dist.scan_lines([], client)) == []
    with (
        pytest.raises(CrisisScreenError, match="cannot connect"),
        dist.connect("tcp://127.0.0.1:1", timeout=0.5),
    ):
        pass


def test_importing_the_package_does_not_import_dask_and_missing_dask_is_explained() -> None:
    code = (
        "import sys\n"
        "import crisis_screen, crisis_screen.batch, crisis_screen.cli, crisis_screen.cli.scan\n"
        "assert not any(m == 'dask' or m.startswith(('dask.', 'distributed')) for m in sys.modules)\n"
        "sys.modules['distributed'] = None\n"
        "try:\n"
        "    import crisis_screen.distributed\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'crisis_screen[dask]'" in done.stdout


def test_scan_cli_with_scheduler_matches_a_local_run(
    client: Client, folder: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from crisis_screen.cli.scan import scan

    assert any(p.name == "scheduler" for p in scan.params)
    runner = CliRunner()
    outputs = {}
    for name, extra in (
        ("local", ["--jobs", "1"]),
        ("dask", ["--scheduler", client.scheduler.address]),
    ):
        out = tmp_path / f"{name}.jsonl"
        result = runner.invoke(scan, [str(folder), "-o", str(out), "-q", *extra])
        assert result.exit_code == 1, result.output  # the junk and empty files failed
        records = [json.loads(line) for line in out.read_text().splitlines()]
        manifest = json.loads((tmp_path / f"{name}.jsonl.manifest.json").read_text())
        outputs[name] = (records, manifest)
    (local_records, local_manifest), (dask_records, dask_manifest) = (
        outputs["local"],
        outputs["dask"],
    )
    assert [_same(r) for r in dask_records] == [_same(r) for r in local_records]
    for key in ("status", "inputs", "screened_this_run", "ok", "error", "flagged", "versions"):
        assert dask_manifest[key] == local_manifest[key]
    assert dask_manifest["settings"]["scheduler"] == client.scheduler.address


# -- failures: a worker that dies ---------------------------------------------------------------


class _CrashingScreener:
    """Kills its process on ``crash.txt``, as a segfault in a native parser would."""

    def __init__(self, real: Screener) -> None:
        self.real = real
        self.versions = real.versions

    def screen_document(self, document: Document, time_limit: float | None = None) -> ScreenResult:
        if document.source.endswith("crash.txt"):
            os._exit(3)
        return self.real.screen_document(document)


class _CrashingConfig(ScreenerConfig):
    def build(self) -> Screener:
        return _CrashingScreener(super().build())  # type: ignore[return-value]


def test_a_file_that_keeps_killing_workers_becomes_an_error_record(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_resumes(folder, with_bad=False)
    (folder / "crash.txt").write_text("x")
    for i in range(6):
        (folder / f"z_{i}.txt").write_text(STRONG)
    files = batch.walk_paths([folder]).files
    # One death marks a task as bad here (default 3), to keep the test short.
    cluster, client = _cluster(**{"distributed.scheduler.allowed-failures": 0})
    try:
        records = list(dist.scan_records(files, client, config=_CrashingConfig(), chunk_size=3))
    finally:
        client.close()
        cluster.close()
    assert [r.source for r in records] == files
    by_name = {Path(r.source).name: r for r in records}
    assert by_name["crash.txt"].error_type == "WorkerCrashed"
    assert by_name["crash.txt"].versions.library != "unknown"
    assert all(r.ok for name, r in by_name.items() if name != "crash.txt")


def test_killing_a_worker_mid_run_loses_and_duplicates_nothing(
    client: Client, tmp_path: Path
) -> None:
    # Runs last on the shared cluster: it kills one of its workers (the nanny restarts it).
    folder = tmp_path / "big"
    folder.mkdir()
    texts = generate_corpus(400, seed=11)
    for i in range(200):
        # Longer resumes (about 10 ms each) so tasks are still running when the kill lands.
        (folder / f"cv_{i:03d}.txt").write_text("\n".join(texts[i::200] * 10), encoding="utf-8")
    files = batch.walk_paths([folder]).files
    pids = client.run(os.getpid)
    lines = dist.scan_lines(files, client, chunk_size=5)
    seen = [next(lines)]
    # Kill a worker that is running one of our tasks right now (its finished but not yet
    # collected results die with it too): the scheduler must redo both.
    busy = sorted(addr for addr, keys in client.processing().items() if keys)
    assert busy, "the run finished before a worker could be killed"
    victim = pids[busy[0]]
    os.kill(victim, signal.SIGKILL)
    seen.extend(lines)
    assert [line.source for line in seen] == files  # every input exactly once, in order
    assert {line.status for line in seen} == {"ok"}
    client.wait_for_workers(2, timeout=60)
    deadline = time.monotonic() + 30
    while victim in client.run(os.getpid).values() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert victim not in client.run(os.getpid).values()
