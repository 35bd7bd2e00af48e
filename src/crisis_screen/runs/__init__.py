"""Runs: screen many sources with one engine, on any executor, into records and sinks.

The flow of a run, one module per stage::

    sources.py   path | URL | bytes in memory -> bytes + sha256 (the one reader), listing
    screen.py    one source -> one ScanRecord (ok, error or crash record)
    engine.py    the bounded, ordered run loop with crash isolation, over an Executor
    local.py     executors: in this process, or a local process pool
    dask.py      executor on a Dask cluster, plus bag/dataframe/JSONL/Parquet helpers
    sinks.py     where records go (JSONL, evidence CSV, ranked reports), written atomically
    resume.py    continuing an interrupted JSONL run
    scan.py      options -> run -> sinks -> manifest (what ``crisis-screen scan`` calls)

Example::

    from crisis_screen.runs import screen_paths

    for record in screen_paths(["resumes/"], n_process=4):
        print(record.source, record.status, record.score)

Importing this package loads nothing: every name is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "Executor",
    "InProcessExecutor",
    "Manifest",
    "MemorySource",
    "ProcessPoolRunner",
    "RunSummary",
    "ScanLine",
    "ScanOptions",
    "ScanRecord",
    "Timings",
    "record_json_schema",
    "run",
    "run_lines",
    "screen_paths",
    "screen_source",
    "walk_paths",
]

if TYPE_CHECKING:
    from crisis_screen.runs.engine import Executor, run_lines
    from crisis_screen.runs.local import InProcessExecutor, ProcessPoolRunner, screen_paths
    from crisis_screen.runs.records import (
        Manifest,
        ScanLine,
        ScanRecord,
        Timings,
        record_json_schema,
    )
    from crisis_screen.runs.scan import RunSummary, ScanOptions, run
    from crisis_screen.runs.screen import screen_source
    from crisis_screen.runs.sources import MemorySource, walk_paths

_LAZY = {
    "Executor": "engine",
    "run_lines": "engine",
    "InProcessExecutor": "local",
    "ProcessPoolRunner": "local",
    "screen_paths": "local",
    "Manifest": "records",
    "ScanLine": "records",
    "ScanRecord": "records",
    "Timings": "records",
    "record_json_schema": "records",
    "RunSummary": "scan",
    "ScanOptions": "scan",
    "run": "scan",
    "screen_source": "screen",
    "MemorySource": "sources",
    "walk_paths": "sources",
}


def __getattr__(name: str) -> Any:
    # PEP 562 lazy attributes, as in the top-level package.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'crisis_screen.runs' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"crisis_screen.runs.{module}"), name)
