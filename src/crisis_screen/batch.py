"""Compatibility names of version 0.1: batch screening now lives in :mod:`crisis_screen.runs`.

``from crisis_screen.batch import screen_paths, walk_paths, ScanRecord`` keeps working; new
code should import from :mod:`crisis_screen.runs` (and its modules) instead.
"""

from __future__ import annotations

from crisis_screen.extract.files import sha256_file
from crisis_screen.runs.local import DEFAULT_CHUNK_SIZE, default_jobs, scan_lines, screen_paths
from crisis_screen.runs.records import (
    SCHEMA_PATH,
    ScanLine,
    ScanRecord,
    Timings,
    rank_key,
    record_json_schema,
)
from crisis_screen.runs.resume import ResumePlan, plan_resume
from crisis_screen.runs.screen import (
    crash_line,
    error_record,
    evidence_line_starts,
    ok_record,
    to_line,
)
from crisis_screen.runs.screen import screen_source as screen_file_record
from crisis_screen.runs.sinks import atomic_output, write_record_schema
from crisis_screen.runs.sources import WalkResult, walk_paths

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "SCHEMA_PATH",
    "ResumePlan",
    "ScanLine",
    "ScanRecord",
    "Timings",
    "WalkResult",
    "atomic_output",
    "crash_line",
    "default_jobs",
    "error_record",
    "evidence_line_starts",
    "ok_record",
    "plan_resume",
    "rank_key",
    "record_json_schema",
    "scan_lines",
    "screen_file_record",
    "screen_paths",
    "sha256_file",
    "to_line",
    "walk_paths",
    "write_record_schema",
]
