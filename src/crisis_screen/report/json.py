"""JSON output: a JSON array of records, and reading JSONL output back into records."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence

from crisis_screen.runs.records import ScanRecord

__all__ = ["dumps_manifest", "records_from_jsonl", "render_json"]


def render_json(records: Sequence[ScanRecord]) -> str:
    """Return a JSON array of records (each as in JSONL output), with a final newline."""
    if not records:
        return "[]\n"
    body = ",\n".join(r.model_dump_json() for r in records)
    return "[\n" + body + "\n]\n"


def records_from_jsonl(lines: Iterable[str]) -> Iterator[ScanRecord]:
    """Parse JSONL output back into records (blank lines ignored)."""
    for line in lines:
        if line.strip():
            yield ScanRecord.model_validate_json(line)


def dumps_manifest(manifest: Mapping[str, object]) -> str:
    """Serialise a run manifest (stable key order, trailing newline)."""
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"
