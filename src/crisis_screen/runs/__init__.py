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

from typing import TYPE_CHECKING

from crisis_screen._lazy import lazy_attributes

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
    "Executor": "crisis_screen.runs.engine",
    "run_lines": "crisis_screen.runs.engine",
    "InProcessExecutor": "crisis_screen.runs.local",
    "ProcessPoolRunner": "crisis_screen.runs.local",
    "screen_paths": "crisis_screen.runs.local",
    "Manifest": "crisis_screen.runs.records",
    "ScanLine": "crisis_screen.runs.records",
    "ScanRecord": "crisis_screen.runs.records",
    "Timings": "crisis_screen.runs.records",
    "record_json_schema": "crisis_screen.runs.records",
    "RunSummary": "crisis_screen.runs.scan",
    "ScanOptions": "crisis_screen.runs.scan",
    "run": "crisis_screen.runs.scan",
    "screen_source": "crisis_screen.runs.screen",
    "MemorySource": "crisis_screen.runs.sources",
    "walk_paths": "crisis_screen.runs.sources",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
