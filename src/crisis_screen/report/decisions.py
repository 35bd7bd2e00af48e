"""Reviewer decisions: what a person decided about each resume, as exported by the HTML report.

The report's "Export decisions" button writes ``decisions.json``, a JSON array of
``{"source", "sha256", "decision", "reason", "reviewer_note", "decided_at"}`` objects.
``crisis-screen scan --decisions`` shows them in a new report and ``crisis-screen audit
--decisions`` counts ``advance`` as the selection. A decision is matched to a record by
SHA-256 and path together, then by SHA-256 alone (the same file under another name, or a
report with redacted names), then by path alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crisis_screen.errors import DecisionsError
from crisis_screen.runs.records import ScanRecord

__all__ = [
    "DECISIONS",
    "Decision",
    "DecisionMatch",
    "decisions_json",
    "match_decisions",
    "read_decisions",
]

#: The decisions a reviewer can record, in the order the report offers them.
DECISIONS: tuple[str, ...] = ("advance", "hold", "reject")

DecisionValue = Literal["advance", "hold", "reject"]


class Decision(BaseModel):
    """One reviewer decision about one resume.

    Attributes:
        source: The resume's path as the report showed it (a redacted report shows an alias).
        sha256: SHA-256 of the resume file, or None when the file was never read.
        decision: ``advance``, ``hold`` or ``reject``.
        reason: Why, in the reviewer's words.
        reviewer_note: The report's reviewer note when the decision was made (who decided,
            for which opening).
        decided_at: When the decision was last changed (ISO 8601, UTC).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    decision: DecisionValue
    reason: str = ""
    reviewer_note: str = ""
    decided_at: str = ""


def _problem(index: int, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in err["loc"]) or "entry"
        parts.append(f"{where}: {err['msg']}")
    return f"entry {index}: " + ", ".join(parts)


def read_decisions(path: str | Path) -> tuple[Decision, ...]:
    """Read a ``decisions.json`` file.

    Args:
        path: The file the report's "Export decisions" button wrote.

    Returns:
        The decisions, in file order; when a resume was decided twice, the later
        ``decided_at`` wins (the file order breaks ties).

    Raises:
        DecisionsError: The file cannot be read, is not JSON, is not a list of decisions,
            or has invalid entries (every invalid entry is named).
    """
    name = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DecisionsError(
            name, f"cannot be read ({exc.strerror or type(exc).__name__})"
        ) from None
    except UnicodeDecodeError:
        raise DecisionsError(name, "is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise DecisionsError(name, f"is not JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, list):
        raise DecisionsError(name, "must hold a JSON array of decisions")
    decisions: list[Decision] = []
    problems: list[str] = []
    for index, item in enumerate(data, 1):
        try:
            decisions.append(Decision.model_validate(item))
        except ValidationError as exc:
            problems.append(_problem(index, exc))
    if problems:
        raise DecisionsError(name, problems)
    return tuple(_latest(decisions))


def _key(decision: Decision) -> tuple[str | None, str]:
    return decision.sha256, decision.source


def _latest(decisions: Iterable[Decision]) -> list[Decision]:
    kept: dict[tuple[str | None, str], Decision] = {}
    for decision in decisions:
        old = kept.get(_key(decision))
        # ISO 8601 UTC strings sort in time order.
        if old is None or decision.decided_at >= old.decided_at:
            kept[_key(decision)] = decision
    return list(kept.values())


@dataclass(frozen=True)
class DecisionMatch:
    """Decisions matched to records.

    Attributes:
        by_record: For each record index that has one, its decision.
        unmatched: Decisions that match no record (kept, so an export loses nothing).
    """

    by_record: dict[int, Decision]
    unmatched: tuple[Decision, ...]


def match_decisions(records: Sequence[ScanRecord], decisions: Iterable[Decision]) -> DecisionMatch:
    """Match decisions to records: SHA-256 and path, then SHA-256 alone, then path alone.

    Args:
        records: The records (any order; indices refer to this sequence).
        decisions: The decisions.

    Returns:
        The match. A record gets at most one decision and a decision goes to every record
        it matches at its level (the same file listed twice gets the decision twice).
    """
    exact: dict[tuple[str | None, str], list[int]] = {}
    by_sha: dict[str, list[int]] = {}
    by_source: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        exact.setdefault((record.sha256, record.source), []).append(i)
        if record.sha256:
            by_sha.setdefault(record.sha256, []).append(i)
        by_source.setdefault(record.source, []).append(i)
    by_record: dict[int, Decision] = {}
    unmatched: list[Decision] = []
    pending = list(decisions)
    # Three passes, strongest match first, so a weaker match never takes a record that a
    # stronger one claims.
    for level in ("exact", "sha", "source"):
        rest: list[Decision] = []
        for decision in pending:
            if level == "exact":
                hits = exact.get(_key(decision), [])
            elif level == "sha":
                hits = by_sha.get(decision.sha256 or "", [])
            else:
                hits = by_source.get(decision.source, []) if decision.sha256 is None else []
            free = [i for i in hits if i not in by_record]
            if free:
                by_record.update((i, decision) for i in free)
            elif not hits:
                rest.append(decision)
        pending = rest
    unmatched.extend(pending)
    return DecisionMatch(by_record=by_record, unmatched=tuple(unmatched))


def decisions_json(decisions: Iterable[Decision]) -> str:
    """Serialise decisions as the report exports them (a JSON array, sorted by path)."""
    items = sorted(
        (d.model_dump() for d in decisions), key=lambda d: (d["source"], d["sha256"] or "")
    )
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
