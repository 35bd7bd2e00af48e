"""Run records: :class:`ScanRecord` (one JSONL line per input), timings, the run manifest.

The record types of a run and their JSON Schemas; nothing here reads or screens files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crisis_screen.models import (
    DocumentFormat,
    Evidence,
    ScreenResult,
    SkillResult,
    Summary,
    Versions,
)
from crisis_screen.safe_text import record_name, source_path

__all__ = [
    "SCHEMA_PATH",
    "Manifest",
    "ScanLine",
    "ScanRecord",
    "Timings",
    "rank_key",
    "record_json_schema",
    "screened_record",
]

#: Where the published JSON Schema of a record lives, relative to the repository root.
SCHEMA_PATH = Path("schemas") / "output_record.schema.json"


class Timings(BaseModel):
    """Time spent on one file.

    Attributes:
        read_ms: Reading, hashing and extracting the text, in milliseconds.
        screen_ms: Screening the extracted text, in milliseconds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    read_ms: float = Field(ge=0.0)
    screen_ms: float = Field(ge=0.0)


# Conditional requirements JSON Schema can state but pydantic's generator cannot infer.
_RECORD_SCHEMA_EXTRA: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {"status": {"const": "ok"}}},
            "then": {
                "required": ["score", "flagged", "threshold", "summary"],
                "properties": {
                    "score": {"type": "number"},
                    "flagged": {"type": "boolean"},
                    "threshold": {"type": "number"},
                    "summary": {"type": "object"},
                },
            },
        },
        {
            "if": {"properties": {"status": {"const": "error"}}},
            "then": {
                "required": ["error_type", "error"],
                "properties": {"error_type": {"type": "string"}, "error": {"type": "string"}},
            },
        },
    ]
}


class ScanRecord(BaseModel):
    r"""The outcome of screening one file: one JSONL line of ``crisis-screen scan``.

    Attributes:
        source: The path as given or as walked. A path that is not valid UTF-8 shows each
            undecodable byte as ``\xNN`` here and has its exact bytes in ``source_hex``.
        source_hex: The path's bytes in hex when ``source`` had to escape some, else None
            (:attr:`path` gives the path back).
        sha256: SHA-256 of the file's bytes (hex); None when the file could not be read.
        status: ``ok`` when screened, ``error`` when the file could not be read or screened.
        error_type: Exception class name (error records only).
        error: One-line reason, never resume text (error records only).
        format: The detected document format (ok records only).
        score: Resume-level score 0-100 (ok records only).
        flagged: True when ``score >= threshold`` (ok records only).
        threshold: The threshold used (ok records only).
        evidence: Every hit, counted or not, in document order.
        line_starts: For each evidence item, the offset of its line in the document text, so
            ``evidence.start - line_starts[i]`` locates the match inside ``evidence.line``.
        summary: Aggregates of the result (ok records only).
        skills: Each loaded skill's own result, by skill id (ok records only).
        ocr: True when some of the text was read by OCR (scanned pages, images).
        ocr_pages: The 1-based pages read by OCR.
        timings: Time spent reading and screening.
        versions: Library, lexicon and scoring versions.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="ScanRecord",
        json_schema_extra=_RECORD_SCHEMA_EXTRA,
    )

    source: str
    source_hex: str | None = Field(default=None, pattern=r"^(?:[0-9a-f]{2})+$")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    status: Literal["ok", "error"]
    error_type: str | None = None
    error: str | None = None
    format: DocumentFormat | None = None
    score: float | None = Field(default=None, ge=0.0, le=100.0)
    flagged: bool | None = None
    threshold: float | None = Field(default=None, ge=0.0, le=100.0)
    evidence: tuple[Evidence, ...] = ()
    line_starts: tuple[int, ...] = ()
    summary: Summary | None = None
    skills: dict[str, SkillResult] = Field(default_factory=dict)
    ocr: bool = False
    ocr_pages: tuple[int, ...] = ()
    timings: Timings
    versions: Versions

    @model_validator(mode="before")
    @classmethod
    def _printable_source(cls, data: Any) -> Any:
        # A file name of any bytes walks in as str with surrogate escapes, which no JSON
        # encoder accepts: escape them here, once, so every serialiser gets valid Unicode.
        if isinstance(data, dict):
            source = data.get("source")
            if isinstance(source, str) and not source.isascii():
                shown, raw = record_name(source)
                if shown != source:
                    data = {**data, "source": shown, "source_hex": data.get("source_hex") or raw}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> ScanRecord:
        if self.status == "ok":
            if self.score is None or self.flagged is None or self.threshold is None:
                raise ValueError("an ok record needs score, flagged and threshold")
            if self.summary is None:
                raise ValueError("an ok record needs a summary")
            if self.error_type is not None or self.error is not None:
                raise ValueError("an ok record has no error fields")
        else:
            if self.error_type is None or self.error is None:
                raise ValueError("an error record needs error_type and error")
            if self.evidence:
                raise ValueError("an error record has no evidence")
        if self.line_starts and len(self.line_starts) != len(self.evidence):
            raise ValueError("line_starts must have one entry per evidence item")
        return self

    @property
    def ok(self) -> bool:
        """True when the file was screened."""
        return self.status == "ok"

    @property
    def path(self) -> str:
        """The path screened, as walked (undecodable bytes as ``os.fsdecode`` surrogates)."""
        return source_path(self.source, self.source_hex)


def screened_record(
    *,
    source: str,
    sha256: str | None,
    format: DocumentFormat,
    result: ScreenResult,
    line_starts: tuple[int, ...],
    ocr: bool,
    ocr_pages: tuple[int, ...],
    read_ms: float,
    screen_ms: float,
) -> ScanRecord:
    """Build the ``ok`` record of a screened file from the result the screener made.

    The result's parts are models already, which pydantic does not validate again, so
    validating the record costs only its own few fields: measured no slower than building
    it unvalidated (``model_construct`` is slower, :func:`crisis_screen.models.trusted` the
    same), and it keeps the record's own checks (printable names, consistent fields).
    """
    return ScanRecord(
        source=source,
        sha256=sha256,
        status="ok",
        format=format,
        score=result.score,
        flagged=result.flagged,
        threshold=result.threshold,
        evidence=result.evidence,
        line_starts=line_starts,
        summary=result.summary,
        skills=result.skills,
        ocr=ocr,
        ocr_pages=ocr_pages,
        timings=Timings(read_ms=read_ms, screen_ms=screen_ms),
        versions=result.versions,
    )


def record_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of one output record (a line of JSONL output)."""
    schema = ScanRecord.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://crisis-screen.invalid/schemas/output_record.schema.json"
    return schema


class ScanLine(NamedTuple):
    """A record already serialised, with the few fields the main process needs.

    Workers send these (cheap to pickle) instead of models, so the main process never has to
    serialise records itself.

    Attributes:
        source: The path.
        sha256: SHA-256 of the file, or None.
        status: ``ok`` or ``error``.
        score: The score (ok records), else None.
        flagged: True when flagged.
        error: The one-line reason (error records), else None.
        json: The record as one JSON line (no trailing newline).
        record: The record itself when screened in this process, else None.
    """

    source: str
    sha256: str | None
    status: str
    score: float | None
    flagged: bool
    error: str | None
    json: str
    record: ScanRecord | None = None

    def to_record(self) -> ScanRecord:
        """Return the record, parsing the JSON line when it came from a worker."""
        if self.record is not None:
            return self.record
        return ScanRecord.model_validate_json(self.json)


def rank_key(score: float | None, source: str) -> tuple[float, str]:
    """Sort key of the ranking: highest score first, then path; unscored last."""
    return (-(score if score is not None else -1.0), source)


RunStatus = Literal["complete", "interrupted", "stopped_at_first_failure", "failed"]


class Manifest(BaseModel):
    """What a run did: written next to the output as ``<output>.manifest.json``.

    Attributes:
        tool: The command that wrote it.
        crisis_screen_version: The library version.
        status: ``complete``, ``interrupted``, ``stopped_at_first_failure``, or ``failed``
            when an output could not be written (disk full, I/O error): see ``failure``.
        failure: Why the run failed (``failed`` runs only), one line.
        started_at: UTC start time (ISO 8601).
        finished_at: UTC end time (ISO 8601).
        duration_s: Wall time in seconds.
        inputs: Files found.
        screened_this_run: Files screened by this run.
        skipped_already_done: Files skipped by ``--resume``.
        ok: Files screened (this run and the resumed one).
        error: Files that failed.
        flagged: Files flagged.
        versions: Library, lexicon and scoring versions of the records.
        settings: The options of the run.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    tool: str = "crisis-screen scan"
    crisis_screen_version: str
    status: RunStatus
    failure: str | None = None
    started_at: str
    finished_at: str
    duration_s: float
    inputs: int
    screened_this_run: int
    skipped_already_done: int
    ok: int
    error: int
    flagged: int
    versions: dict[str, str]
    settings: dict[str, Any]

    def dumps(self) -> str:
        """Serialise the manifest (stable key order, trailing newline)."""
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"
