"""Reading what the audit needs and joining it: results, demographics, decisions, manifest.

Demographics are read here only, for the audit, never by screening. The demographics file is
a CSV with a header: a key column, ``sha256`` (the file's SHA-256, as in the results) or
``source`` (the path as in the results, or its file name when that is unique), and one
column per category (``sex``, ``race_ethnicity`` or any other). A blank cell is an unknown
value. Error messages name rows and columns, never a cell's value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from pydantic import ValidationError

from crisis_screen.audit.compute import MIN_SHARE, AuditReport, Outcome, audit_outcomes
from crisis_screen.errors import DemographicsError, ReviewInputError
from crisis_screen.report.decisions import match_decisions, read_decisions
from crisis_screen.runs.records import Manifest, ScanRecord

__all__ = ["Demographics", "join_outcomes", "read_demographics", "read_results", "run_audit"]

#: The key columns a demographics file may use, the preferred one first.
KEY_COLUMNS = ("sha256", "source")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Demographics:
    """A demographics file, read.

    Attributes:
        path: The file.
        key: The key column: ``sha256`` or ``source``.
        columns: The category columns, in file order.
        rows: Key -> each column's value (blank values left out).
    """

    path: str
    key: str
    columns: tuple[str, ...]
    rows: dict[str, dict[str, str]]


def _read_text(path: Path, error: type[ReviewInputError]) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise error(str(path), f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    except UnicodeDecodeError:
        raise error(str(path), "is not UTF-8 text") from None


def read_demographics(path: str | Path) -> Demographics:
    """Read a demographics CSV (see the module docstring).

    Raises:
        DemographicsError: The file cannot be read, has no key or category column, repeats
            a column, or has rows without a key, with a malformed SHA-256, or repeating a key.
    """
    name = str(path)
    text = _read_text(Path(path), DemographicsError)
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DemographicsError(name, f"is not a CSV file ({exc})") from None
    if not table or not any(cell.strip() for cell in table[0]):
        raise DemographicsError(name, "is empty: a header row is needed")
    header = [h.strip() for h in table[0]]
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise DemographicsError(name, f"repeats the column(s) {', '.join(repeated)}")
    key = next((k for k in KEY_COLUMNS if k in header), None)
    if key is None:
        raise DemographicsError(name, "needs a 'sha256' or 'source' column to match the results")
    columns = tuple(h for h in header if h and h not in KEY_COLUMNS)
    if not columns:
        raise DemographicsError(name, "has no category column (such as sex or race_ethnicity)")
    rows: dict[str, dict[str, str]] = {}
    first_row: dict[str, int] = {}
    problems: list[str] = []
    index = {h: i for i, h in enumerate(header)}
    for number, cells in enumerate(table[1:], 2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            problems.append(f"row {number}: {len(cells)} cells for {len(header)} columns")
            continue
        cells = cells + [""] * (len(header) - len(cells))
        value = cells[index[key]].strip()
        if key == "sha256":
            value = value.lower()
        if not value:
            problems.append(f"row {number}: no {key}")
        elif key == "sha256" and not _SHA.match(value):
            problems.append(f"row {number}: sha256 is not 64 hex digits")
        elif value in rows:
            problems.append(f"row {number}: the {key} of row {first_row[value]} again")
        else:
            rows[value] = {c: cells[index[c]].strip() for c in columns if cells[index[c]].strip()}
            first_row[value] = number
    if problems:
        raise DemographicsError(name, problems)
    return Demographics(path=name, key=key, columns=columns, rows=rows)


def read_results(path: str | Path) -> tuple[ScanRecord, ...]:
    """Read a JSONL results file (``scan -o results.jsonl``); blank lines are skipped.

    A source recorded more than once (a file re-screened) counts once, as its last record.

    Raises:
        ReviewInputError: The file cannot be read or has lines that are not records.
    """
    name = str(path)
    text = _read_text(Path(path), ReviewInputError)
    records: dict[str, ScanRecord] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = ScanRecord.model_validate_json(line)
        except ValidationError:
            problems.append(f"line {number}: not a crisis-screen scan record")
            continue
        records.pop(record.source, None)
        records[record.source] = record
    if problems:
        raise ReviewInputError(name, problems)
    return tuple(records.values())


def _manifest_versions(path: Path) -> dict[str, str]:
    try:
        manifest = Manifest.model_validate_json(_read_text(path, ReviewInputError))
    except ValidationError:
        raise ReviewInputError(str(path), "is not a crisis-screen run manifest") from None
    return {k: manifest.versions[k] for k in ("lexicon", "scoring") if k in manifest.versions}


@dataclass(frozen=True)
class _Join:
    outcomes: list[Outcome]
    no_demographics: int
    unmatched_rows: int


def join_outcomes(
    records: Sequence[ScanRecord],
    demographics: Demographics,
    selected: Mapping[int, bool] | None = None,
) -> _Join:
    """Turn screened records into outcomes with their demographic groups.

    Args:
        records: Screened records (error records are not part of the sample).
        demographics: The demographics.
        selected: By record index, whether it was selected; the record's flag when None.

    Returns:
        The outcomes (in record order) and how many records and rows found no partner.
    """
    by_name: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        by_name.setdefault(PurePath(record.source).name, []).append(i)
    used: set[str] = set()
    outcomes: list[Outcome] = []
    missing = 0
    for i, record in enumerate(records):
        if demographics.key == "sha256":
            key = record.sha256 or ""
        else:
            key = record.source
            if key not in demographics.rows:
                name = PurePath(record.source).name
                if len(by_name[name]) == 1 and name in demographics.rows:
                    key = name
        groups = demographics.rows.get(key)
        if groups is None:
            missing += 1
        else:
            used.add(key)
        pick = bool(record.flagged) if selected is None else selected.get(i, False)
        outcomes.append(Outcome(score=record.score or 0.0, selected=pick, groups=groups))
    return _Join(outcomes, missing, len(set(demographics.rows) - used))


def run_audit(
    results: str | Path,
    demographics: str | Path,
    *,
    decisions: str | Path | None = None,
    intersections: Sequence[Sequence[str]] = (),
    manifest: str | Path | None = None,
    min_share: float = MIN_SHARE,
) -> AuditReport:
    """Audit a results file: selection and scoring impact ratios by demographic group.

    Args:
        results: The JSONL results of ``crisis-screen scan``.
        demographics: The demographics CSV (see the module docstring).
        decisions: A ``decisions.json``: then ``advance`` is the selection, not the flag.
        intersections: Column lists to audit together, e.g. ``[("sex", "race_ethnicity")]``.
        manifest: The run manifest; ``<results>.manifest.json`` when it exists by default.
        min_share: Groups under this share of a category's total get no ratios.

    Returns:
        The audit.

    Raises:
        ReviewInputError: A file cannot be used (a :class:`DemographicsError` or
            :class:`~crisis_screen.errors.DecisionsError` for those files), or an
            intersection names a column the demographics file does not have.
    """
    demo = read_demographics(demographics)
    for cols in intersections:
        unknown = [c for c in cols if c not in demo.columns]
        if unknown or len(cols) < 2:
            raise DemographicsError(
                demo.path,
                f"cannot intersect {', '.join(cols)}: give two or more of its columns "
                f"({', '.join(demo.columns)})",
            )
    every = read_results(results)
    screened = [r for r in every if r.ok]
    selected: dict[int, bool] | None = None
    undecided: int | None = None
    if decisions is not None:
        match = match_decisions(screened, read_decisions(decisions))
        selected = {i: d.decision == "advance" for i, d in match.by_record.items()}
        undecided = len(screened) - len(match.by_record)
    joined = join_outcomes(screened, demo, selected)
    median, categories = audit_outcomes(joined.outcomes, demo.columns, intersections, min_share)
    pairs = sorted({f"{r.versions.lexicon} / {r.versions.scoring}" for r in screened})
    manifest_path = Path(manifest) if manifest is not None else _default_manifest(Path(results))
    if manifest_path is not None:
        versions, source = _manifest_versions(manifest_path), str(manifest_path)
    else:
        first = screened[0].versions if screened else None
        versions = {"lexicon": first.lexicon, "scoring": first.scoring} if first else {}
        source = "records"
    return AuditReport(
        results=str(results),
        demographics=demo.path,
        decisions=str(decisions) if decisions is not None else None,
        selection="flagged" if decisions is None else "advance",
        results_total=len(every),
        screened=len(screened),
        not_screened=len(every) - len(screened),
        no_demographics=joined.no_demographics,
        unmatched_rows=joined.unmatched_rows,
        undecided=undecided,
        median=median,
        min_share=min_share,
        versions=versions,
        versions_from=source,
        record_versions=tuple(pairs),
        categories=categories,
    )


def _default_manifest(results: Path) -> Path | None:
    path = results.with_name(results.name + ".manifest.json")
    return path if path.is_file() else None
