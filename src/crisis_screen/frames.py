"""Results as pandas DataFrames, Arrow tables and Parquet files (no Dask needed).

Every function takes an iterable of :class:`~crisis_screen.models.ScreenResult` (from
``Screener.screen_text``/``screen_many``) or of scan records (``Screener.screen_paths``, the
JSONL lines of ``crisis-screen scan`` validated as records), mixed freely:

- :func:`to_pandas` / :func:`to_arrow`: one row per resume (:data:`RESUME_COLUMNS`);
- :func:`evidence_to_pandas` / :func:`evidence_to_arrow`: one row per evidence item
  (:data:`EVIDENCE_COLUMNS`), with the resume's source;
- :func:`write_parquet`: the resume rows as one Parquet file (``scan --format parquet``).

pandas and pyarrow come with ``pip install 'crisis_screen[frames]'``; without them these
functions raise :class:`~crisis_screen.errors.MissingExtraError` naming the extra. Columns have
the same types whatever the rows hold (nullable pandas dtypes, an explicit Arrow schema), so
frames and files from different runs concatenate.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, runtime_checkable

from crisis_screen.errors import MissingExtraError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from crisis_screen.models import Evidence, ScreenResult, Summary, Versions

__all__ = [
    "EVIDENCE_COLUMNS",
    "RESUME_COLUMNS",
    "evidence_rows",
    "evidence_to_arrow",
    "evidence_to_pandas",
    "arrow_schema",
    "frame_dtypes",
    "resume_row",
    "to_arrow",
    "to_pandas",
    "write_parquet",
]

_Kind: TypeAlias = Literal["str", "float", "bool", "int", "list"]

#: One row per resume: column name and value kind. Error records have status "error" and
#: empty (null) result columns; plain ScreenResults have status "ok" and no file columns.
RESUME_COLUMNS: dict[str, _Kind] = {
    "source": "str",
    "status": "str",
    "score": "float",
    "flagged": "bool",
    "tier": "str",
    "threshold": "float",
    "counted_lines": "int",
    "evidence_count": "int",
    "concepts": "list",
    "titles": "list",
    "kinds": "list",
    "best_line": "str",
    "skills_list_only": "bool",
    "format": "str",
    "sha256": "str",
    "error_type": "str",
    "error": "str",
    "read_ms": "float",
    "screen_ms": "float",
    "library_version": "str",
    "lexicon_version": "str",
    "scoring_version": "str",
}

#: One row per evidence item, counted or not, in document order.
EVIDENCE_COLUMNS: dict[str, _Kind] = {
    "source": "str",
    "line_no": "int",
    "page": "int",
    "section": "str",
    "start": "int",
    "end": "int",
    "text": "str",
    "concept": "str",
    "term": "str",
    "method": "str",
    "similarity": "float",
    "kinds": "list",
    "base": "float",
    "confidence": "float",
    "counted": "bool",
    "adjustments": "list",
    "line": "str",
}

_PANDAS_DTYPES: dict[_Kind, str] = {
    "str": "string",
    "float": "Float64",
    "bool": "boolean",
    "int": "Int64",
    "list": "object",
}


@runtime_checkable
class _RecordLike(Protocol):
    """What is read from a scan record (``ScanRecord``, wherever that class lives).

    Read-only members, so frozen pydantic fields of narrower types satisfy it.
    """

    @property
    def source(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def sha256(self) -> str | None: ...

    @property
    def error_type(self) -> str | None: ...

    @property
    def error(self) -> str | None: ...

    @property
    def format(self) -> str | None: ...

    @property
    def score(self) -> float | None: ...

    @property
    def flagged(self) -> bool | None: ...

    @property
    def threshold(self) -> float | None: ...

    @property
    def evidence(self) -> tuple[Evidence, ...]: ...

    @property
    def summary(self) -> Summary | None: ...

    @property
    def timings(self) -> Any: ...

    @property
    def versions(self) -> Versions: ...


Item: TypeAlias = "ScreenResult | _RecordLike"


def _require(module: str, feature: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(feature, module.split(".")[0], "frames") from None


def _summary_fields(summary: Summary | None) -> dict[str, Any]:
    if summary is None:  # error records
        keys = ("tier", "counted_lines", "concepts", "titles", "kinds", "best_line")
        return dict.fromkeys((*keys, "skills_list_only"))
    # `tier` is newer than some results: read it only when the summary has it.
    tier = getattr(summary, "tier", None)
    return {
        "tier": None if tier is None else str(tier),
        "counted_lines": summary.counted_lines,
        "concepts": list(summary.concepts),
        "titles": list(summary.titles),
        "kinds": list(summary.kinds),
        "best_line": summary.best_line,
        "skills_list_only": summary.skills_list_only,
    }


def _versions(versions: Versions) -> dict[str, Any]:
    return {
        "library_version": versions.library,
        "lexicon_version": versions.lexicon,
        "scoring_version": versions.scoring,
    }


def resume_row(item: Item) -> dict[str, Any]:
    """The :data:`RESUME_COLUMNS` row of one result or scan record.

    Raises:
        TypeError: ``item`` is neither a ScreenResult nor a scan record.
    """
    from crisis_screen.models import ScreenResult

    if isinstance(item, ScreenResult):
        file_fields: dict[str, Any] = dict.fromkeys(
            ("format", "sha256", "error_type", "error", "read_ms", "screen_ms")
        )
        status = "ok"
    elif isinstance(item, _RecordLike):
        file_fields = {
            "format": None if item.format is None else str(item.format),
            "sha256": item.sha256,
            "error_type": item.error_type,
            "error": item.error,
            "read_ms": item.timings.read_ms,
            "screen_ms": item.timings.screen_ms,
        }
        status = item.status
    else:
        raise TypeError(f"expected a ScreenResult or a scan record, got {type(item).__name__}")
    row = {
        "source": item.source,
        "status": status,
        "score": item.score,
        "flagged": item.flagged,
        "threshold": item.threshold,
        "evidence_count": len(item.evidence),
        **_summary_fields(item.summary),
        **file_fields,
        **_versions(item.versions),
    }
    return {name: row[name] for name in RESUME_COLUMNS}


def evidence_rows(item: Item) -> Iterator[dict[str, Any]]:
    """The :data:`EVIDENCE_COLUMNS` rows of one result or scan record (none for errors)."""
    source = item.source
    for ev in item.evidence:
        yield {
            "source": source,
            "line_no": ev.line_no,
            "page": ev.page,
            "section": ev.section,
            "start": ev.start,
            "end": ev.end,
            "text": ev.text,
            "concept": ev.concept,
            "term": ev.term,
            "method": ev.method,
            "similarity": ev.similarity,
            "kinds": list(ev.kinds),
            "base": ev.base,
            "confidence": ev.confidence,
            "counted": ev.counted,
            "adjustments": [a.kind for a in ev.adjustments],
            "line": ev.line,
        }


def frame_dtypes(columns: dict[str, _Kind]) -> dict[str, str]:
    """The pandas dtype of each column: nullable ones, Python lists as ``object``.

    Args:
        columns: :data:`RESUME_COLUMNS` or :data:`EVIDENCE_COLUMNS`.
    """
    return {name: _PANDAS_DTYPES[kind] for name, kind in columns.items()}


def _frame(rows: list[dict[str, Any]], columns: dict[str, _Kind], feature: str) -> pd.DataFrame:
    pd = _require("pandas", feature)
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype(frame_dtypes(columns))


def arrow_schema(columns: dict[str, _Kind]) -> pa.Schema:
    """The pyarrow schema of the columns (lists as ``list<string>``); needs pyarrow.

    Args:
        columns: :data:`RESUME_COLUMNS` or :data:`EVIDENCE_COLUMNS`.

    Raises:
        MissingExtraError: pyarrow is not installed.
    """
    return _schema(columns, "arrow_schema")


def _schema(columns: dict[str, _Kind], feature: str) -> pa.Schema:
    pa = _require("pyarrow", feature)
    types = {
        "str": pa.string(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "int": pa.int64(),
        "list": pa.list_(pa.string()),
    }
    return pa.schema([(name, types[kind]) for name, kind in columns.items()])


def _table(rows: list[dict[str, Any]], columns: dict[str, _Kind], feature: str) -> pa.Table:
    schema = _schema(columns, feature)
    pa = _require("pyarrow", feature)
    return pa.Table.from_pylist(rows, schema=schema)


def _all_evidence(items: Iterable[Item]) -> list[dict[str, Any]]:
    return [row for item in items for row in evidence_rows(item)]


def to_pandas(items: Iterable[Item]) -> pd.DataFrame:
    """One row per resume, columns :data:`RESUME_COLUMNS`, in input order.

    Args:
        items: ScreenResults and/or scan records.

    Returns:
        A DataFrame with nullable dtypes (``string``, ``Float64``, ``boolean``, ``Int64``) and
        Python lists in ``concepts``, ``titles`` and ``kinds``.

    Raises:
        MissingExtraError: pandas is not installed.
        TypeError: An item is neither a ScreenResult nor a scan record.
    """
    return _frame([resume_row(i) for i in items], RESUME_COLUMNS, "to_pandas")


def evidence_to_pandas(items: Iterable[Item]) -> pd.DataFrame:
    """One row per evidence item (counted or not), columns :data:`EVIDENCE_COLUMNS`.

    Raises:
        MissingExtraError: pandas is not installed.
    """
    return _frame(_all_evidence(items), EVIDENCE_COLUMNS, "evidence_to_pandas")


def to_arrow(items: Iterable[Item]) -> pa.Table:
    """The rows of :func:`to_pandas` as a pyarrow Table (``concepts`` etc. as list<string>).

    Raises:
        MissingExtraError: pyarrow is not installed.
        TypeError: An item is neither a ScreenResult nor a scan record.
    """
    return _table([resume_row(i) for i in items], RESUME_COLUMNS, "to_arrow")


def evidence_to_arrow(items: Iterable[Item]) -> pa.Table:
    """The rows of :func:`evidence_to_pandas` as a pyarrow Table.

    Raises:
        MissingExtraError: pyarrow is not installed.
    """
    return _table(_all_evidence(items), EVIDENCE_COLUMNS, "evidence_to_arrow")


def write_parquet(items: Iterable[Item], path: str | os.PathLike[str]) -> int:
    """Write one row per resume (:data:`RESUME_COLUMNS`) to a Parquet file, atomically.

    The file is written beside ``path`` under a temporary name and renamed, so a reader
    never sees half a file and a failed run leaves an existing file as it was.

    Args:
        items: ScreenResults and/or scan records.
        path: The file to write.

    Returns:
        The number of rows written.

    Raises:
        MissingExtraError: pyarrow is not installed.
    """
    table = to_arrow(items)
    parquet = _require("pyarrow.parquet", "write_parquet")
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        parquet.write_table(table, tmp)
        # mkstemp creates 0600; give the file the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return int(table.num_rows)
