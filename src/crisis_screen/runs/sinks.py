"""Where a run's records go: JSONL lines, evidence CSV rows, ranked reports; written safely.

A sink receives every kept :class:`~crisis_screen.runs.records.ScanLine` of a run with
:meth:`Sink.write`, then :meth:`Sink.finish` once the run ended normally. Files other than
JSONL are written with :func:`atomic_output`, so a reader never sees half a report and an
interrupted run leaves the previous file as it was.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from crisis_screen.runs.records import SCHEMA_PATH, ScanLine, ScanRecord, record_json_schema

if TYPE_CHECKING:
    from crisis_screen.report.decisions import Decision

__all__ = [
    "EvidenceCsvSink",
    "JsonlSink",
    "RankedSink",
    "Sink",
    "atomic_output",
    "write_record_schema",
]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, newline: str | None = None) -> Iterator[IO[str]]:
    """Write a text file all at once: a temp file in the same folder, renamed on success.

    Readers never see a half-written file; on an exception the temp file is removed and the
    previous file (if any) is left as it was.

    Args:
        path: The destination.
        newline: Passed to :func:`open` (``""`` for CSV).

    Yields:
        The open temp file.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; give the file the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_record_schema(path: str | os.PathLike[str] = SCHEMA_PATH) -> Path:
    """Write :func:`record_json_schema` to ``path`` (the published schema file).

    Args:
        path: Destination; ``schemas/output_record.schema.json`` relative to the working
            directory by default.

    Returns:
        The path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as out:
        out.write(json.dumps(record_json_schema(), indent=2, sort_keys=True) + "\n")
    return target


class Sink:
    """Receives the records of a run (base class: does nothing)."""

    def write(self, line: ScanLine) -> None:
        """Take one record."""

    def finish(self) -> None:
        """The run ended normally (not interrupted): complete the output."""


class JsonlSink(Sink):
    """One JSON line per record, flushed at once: a killed run leaves complete lines only."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def write(self, line: ScanLine) -> None:
        """Write and flush the record's line."""
        self.out.write(line.json + "\n")
        self.out.flush()


class EvidenceCsvSink(Sink):
    """One CSV row per evidence item (``--evidence-csv``); identity masked with ``redact``."""

    def __init__(self, out: IO[str], *, redact: bool = False) -> None:
        from crisis_screen.report.csv import EVIDENCE_CSV_COLUMNS

        self.redact = redact
        self.writer = csv.writer(out)
        self.writer.writerow(EVIDENCE_CSV_COLUMNS)

    def write(self, line: ScanLine) -> None:
        """Write the record's evidence rows."""
        self.write_record(line.to_record())

    def write_record(self, record: ScanRecord) -> None:
        """Write the evidence rows of a record (also those kept from a resumed run)."""
        from crisis_screen.report.csv import evidence_rows

        if self.redact:
            from crisis_screen.report.redact import redact_record

            record = redact_record(record)
        self.writer.writerows(evidence_rows(record))


class RankedSink(Sink):
    """Collects records, then renders them ranked (table, json, jsonl with --top, csv, html).

    Args:
        fmt: The output format.
        output: The file to write (atomically), or None for stdout.
        top: Keep only the N best.
        min_score: Keep only records scoring at least this (applied again when ranking).
        meta: Run details the HTML report shows in its header.
        redact: Mask identity in the records before rendering (blind review).
        decisions: Reviewer decisions the HTML report shows.
    """

    def __init__(
        self,
        fmt: str,
        output: Path | None,
        *,
        top: int | None = None,
        min_score: float | None = None,
        meta: Mapping[str, str] | None = None,
        redact: bool = False,
        decisions: Sequence[Decision] = (),
    ) -> None:
        self.fmt, self.output, self.top, self.min_score = fmt, output, top, min_score
        self.meta = dict(meta or {})
        self.redact, self.decisions = redact, decisions
        self.records: list[ScanRecord] = []

    def write(self, line: ScanLine) -> None:
        """Keep the record for ranking."""
        self.records.append(line.to_record())

    def finish(self) -> None:
        """Rank and render the records."""
        from crisis_screen.report.formats import render

        records = self._ranked()
        if self.redact:
            from crisis_screen.report.redact import redact_records

            records = redact_records(records)
        if self.fmt == "parquet":
            # Binary, one row per resume: written by the dataframe module (needs pyarrow).
            from crisis_screen.frames import write_parquet

            if self.output is None:
                raise ValueError("the parquet format needs an output file")
            write_parquet(records, self.output)
            return
        if self.output is None:
            render(self.fmt, records, sys.stdout, meta=self.meta, decisions=self.decisions)
            sys.stdout.flush()
            return
        with atomic_output(self.output, newline="" if self.fmt == "csv" else None) as out:
            render(self.fmt, records, out, meta=self.meta, decisions=self.decisions)

    def _ranked(self) -> list[ScanRecord]:
        from crisis_screen.report.rank import rank_records

        return rank_records(self.records, top=self.top, min_score=self.min_score)
