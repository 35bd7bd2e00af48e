"""Dask collections of records: a lazy bag or dataframe, and output written by the workers.

Needs the optional extra ``crisis_screen[dask]``. The records are those of
:func:`crisis_screen.runs.dask.scan_lines` (timings aside), in input order::

    from crisis_screen.runs.dask_collections import screen_dataframe

    frame = screen_dataframe(["s3://bucket/resumes/a.pdf", ...])
    frame[frame.flagged].compute()
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import dask.bag as db
import fsspec
from distributed import Client

from crisis_screen.errors import CrisisScreenError
from crisis_screen.runs.dask import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_RETRIES,
    ScreenerPlugin,
    _chunks,
    _screen_sources,
    connect,
    screeners_on,
)
from crisis_screen.runs.records import ScanRecord
from crisis_screen.screener import ScreenerConfig

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

    from crisis_screen.extract.limits import ExtractionLimits

__all__ = ["FRAME_COLUMNS", "screen_bag", "screen_dataframe", "write_jsonl", "write_parquet"]


def _dicts_task(
    sources: Iterable[str],
    config: ScreenerConfig,
    limits: ExtractionLimits | None,
    storage_options: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    records = _screen_sources(config, list(sources), limits, storage_options)
    return [r.model_dump(mode="json") for r in records]


def _json_task(
    sources: Iterable[str],
    config: ScreenerConfig,
    limits: ExtractionLimits | None,
    storage_options: dict[str, Any] | None,
) -> list[str]:
    records = _screen_sources(config, list(sources), limits, storage_options)
    return [r.model_dump_json() for r in records]


# -- the dataframe shape --------------------------------------------------------------------------

#: Columns of :func:`screen_dataframe` and their pandas dtypes. Nullable dtypes throughout, so
#: every partition has the same schema whatever it holds (an all-ok partition still has a
#: string ``error`` column), which Parquet needs.
FRAME_COLUMNS: dict[str, str] = {
    "source": "string",
    "sha256": "string",
    "status": "string",
    "error_type": "string",
    "error": "string",
    "format": "string",
    "score": "Float64",
    "flagged": "boolean",
    "threshold": "Float64",
    "evidence_count": "Int64",
    "counted_lines": "Int64",
    "concepts": "string",
    "read_ms": "Float64",
    "screen_ms": "Float64",
    "library_version": "string",
    "lexicon_version": "string",
    "scoring_version": "string",
    "record": "string",
}


def _row(record: ScanRecord) -> dict[str, Any]:
    summary = record.summary
    return {
        "source": record.source,
        "sha256": record.sha256,
        "status": record.status,
        "error_type": record.error_type,
        "error": record.error,
        "format": str(record.format) if record.format is not None else None,
        "score": record.score,
        "flagged": record.flagged,
        "threshold": record.threshold,
        "evidence_count": len(record.evidence),
        "counted_lines": summary.counted_lines if summary is not None else None,
        "concepts": " ".join(summary.concepts) if summary is not None else None,
        "read_ms": record.timings.read_ms,
        "screen_ms": record.timings.screen_ms,
        "library_version": record.versions.library,
        "lexicon_version": record.versions.lexicon,
        "scoring_version": record.versions.scoring,
        "record": record.model_dump_json(),
    }


def _frame(records: Sequence[ScanRecord]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame([_row(r) for r in records], columns=list(FRAME_COLUMNS))
    return frame.astype(FRAME_COLUMNS)


def _frame_task(
    sources: list[str],
    config: ScreenerConfig,
    limits: ExtractionLimits | None,
    storage_options: dict[str, Any] | None,
) -> pd.DataFrame:
    return _frame(_screen_sources(config, sources, limits, storage_options))


def _warm(client: Client | None, config: ScreenerConfig) -> None:
    if client is not None:
        plugin = ScreenerPlugin(config)
        client.register_plugin(plugin, name=plugin.name)


def screen_bag(
    sources: Sequence[str],
    *,
    config: ScreenerConfig | None = None,
    limits: ExtractionLimits | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    storage_options: dict[str, Any] | None = None,
    client: Client | None = None,
) -> db.Bag:
    """A lazy Dask bag of record dicts (``ScanRecord.model_dump(mode="json")``), in input order.

    Computing it screens on whatever scheduler computes it; each worker process builds the
    screener on first use and keeps it. With ``client``, the screener plugin is registered
    first so every worker builds it up front (and keeps doing so for workers that join later).

    Args:
        sources: Paths or URLs.
        config: How to build the screener.
        limits: Reading limits.
        chunk_size: Files per partition.
        storage_options: fsspec options for URLs.
        client: Build the screener on this cluster's workers now.

    Returns:
        The bag, one partition per chunk.
    """
    config = config or ScreenerConfig()
    _warm(client, config)
    return _source_bag(sources, chunk_size).map_partitions(
        _dicts_task, config, limits, storage_options
    )


def _source_bag(sources: Sequence[str], chunk_size: int) -> db.Bag:
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if not sources:
        raise ValueError("no sources to screen")
    return db.from_sequence(list(sources), partition_size=chunk_size)


def screen_dataframe(
    sources: Sequence[str],
    *,
    config: ScreenerConfig | None = None,
    limits: ExtractionLimits | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    storage_options: dict[str, Any] | None = None,
    client: Client | None = None,
) -> dd.DataFrame:
    """A lazy Dask dataframe, one row per source in input order (columns: FRAME_COLUMNS).

    Needs ``dask[dataframe]`` (pandas). The nested parts of a record (evidence, summary) are
    in the ``record`` column as the JSON line; the other columns are flat and typed.

    Args:
        sources: Paths or URLs.
        config: How to build the screener.
        limits: Reading limits.
        chunk_size: Rows per partition.
        storage_options: fsspec options for URLs.
        client: Build the screener on this cluster's workers now.

    Returns:
        The dataframe.
    """
    import dask.dataframe as dd

    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if not sources:
        raise ValueError("no sources to screen")
    config = config or ScreenerConfig()
    _warm(client, config)
    frame: dd.DataFrame = dd.from_map(
        _frame_task,
        _chunks(sources, chunk_size),
        args=(config, limits, storage_options),
        meta=_frame([]),
        label="crisis-screen",
        enforce_metadata=False,
    )
    return frame


def _part_name(index: int) -> str:
    # Zero-padded, so the names sort in input order.
    return f"{index:05d}"


def write_jsonl(
    sources: Sequence[str],
    output: str,
    scheduler: str | Client,
    *,
    config: ScreenerConfig | None = None,
    limits: ExtractionLimits | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    retries: int = DEFAULT_RETRIES,
    storage_options: dict[str, Any] | None = None,
    output_options: dict[str, Any] | None = None,
) -> list[str]:
    """Screen on the cluster; the workers write ``output/part-NNNNN.jsonl`` themselves.

    Each part holds one chunk's records as ``crisis-screen scan`` JSONL lines, in input order
    (concatenating the parts in name order gives the local output, timings aside). Nothing
    passes through the client. ``output`` may be any fsspec URL the workers can write to.

    Args:
        sources: Paths or URLs.
        output: A folder (created if needed) or URL prefix.
        scheduler: A client, a scheduler address or ``"local"``.
        config: How to build the screener.
        limits: Reading limits.
        chunk_size: Records per part file.
        retries: Extra attempts for a task that raised.
        storage_options: fsspec options for reading URLs.
        output_options: fsspec options for writing ``output``.

    Returns:
        The part files written, in order.
    """
    config = config or ScreenerConfig()
    bag = _source_bag(sources, chunk_size).map_partitions(
        _json_task, config, limits, storage_options
    )
    target = output.rstrip("/") + "/part-*.jsonl"
    fs, root = fsspec.core.url_to_fs(output, **(output_options or {}))
    fs.makedirs(root, exist_ok=True)
    with connect(scheduler) as client, screeners_on(client, config):
        writes = bag.to_textfiles(
            target,
            name_function=_part_name,
            compute=False,
            last_endline=True,
            storage_options=output_options,
        )
        client.compute(writes, retries=retries, sync=True)
    return [f"{output.rstrip('/')}/part-{_part_name(i)}.jsonl" for i in range(bag.npartitions)]


def write_parquet(
    sources: Sequence[str],
    output: str,
    scheduler: str | Client,
    *,
    config: ScreenerConfig | None = None,
    limits: ExtractionLimits | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    retries: int = DEFAULT_RETRIES,
    storage_options: dict[str, Any] | None = None,
    output_options: dict[str, Any] | None = None,
) -> str:
    """Screen on the cluster; the workers write a Parquet dataset (needs pyarrow).

    The rows are those of :func:`screen_dataframe`, one file per chunk, in input order.

    Args:
        sources: Paths or URLs.
        output: A folder or URL prefix for the dataset.
        scheduler: A client, a scheduler address or ``"local"``.
        config: How to build the screener.
        limits: Reading limits.
        chunk_size: Rows per part file.
        retries: Extra attempts for a task that raised.
        storage_options: fsspec options for reading URLs.
        output_options: fsspec options for writing ``output``.

    Returns:
        ``output``.

    Raises:
        CrisisScreenError: pyarrow is not installed.
    """
    if importlib.util.find_spec("pyarrow") is None:
        raise CrisisScreenError("Parquet output needs pyarrow: pip install pyarrow")
    config = config or ScreenerConfig()
    frame = screen_dataframe(
        sources,
        config=config,
        limits=limits,
        chunk_size=chunk_size,
        storage_options=storage_options,
    )
    with connect(scheduler) as client, screeners_on(client, config):
        write = frame.to_parquet(
            output,
            engine="pyarrow",
            write_index=False,
            compute=False,
            storage_options=output_options,
            name_function=lambda i: f"part-{_part_name(i)}.parquet",
        )
        client.compute(write, retries=retries, sync=True)
    return output
