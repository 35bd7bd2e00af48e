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
from typing import TYPE_CHECKING, Any, TypedDict

import dask.bag as db
import fsspec
from distributed import Client
from typing_extensions import Unpack

from crisis_screen.errors import CrisisScreenError
from crisis_screen.frames import RESUME_COLUMNS, arrow_schema, frame_dtypes, resume_row
from crisis_screen.runs.dask import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_RETRIES,
    RunSettings,
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

__all__ = [
    "FRAME_COLUMNS",
    "BagSettings",
    "OutputSettings",
    "screen_bag",
    "screen_dataframe",
    "write_jsonl",
    "write_parquet",
]


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

#: Dask dataframe columns: those of :func:`crisis_screen.frames.to_pandas` (one row per
#: resume, the same dtypes), plus ``record``, the whole JSON line.
FRAME_COLUMNS: dict[str, str] = {**frame_dtypes(RESUME_COLUMNS), "record": "string"}


def _frame(records: Sequence[ScanRecord]) -> pd.DataFrame:
    import pandas as pd

    # The same rows as crisis_screen.frames, so a Dask frame and a local one agree.
    rows = [{**resume_row(r), "record": r.model_dump_json()} for r in records]
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
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


class BagSettings(TypedDict, total=False):
    """The keyword options of :func:`screen_bag` and :func:`screen_dataframe`.

    Attributes:
        config: How to build the screener; the default screener when None.
        limits: Reading limits; the defaults when None.
        chunk_size: Files per partition.
        storage_options: fsspec options for URLs.
        client: Build the screener on this cluster's workers now.
    """

    config: ScreenerConfig | None
    limits: ExtractionLimits | None
    chunk_size: int
    storage_options: dict[str, Any] | None
    client: Client | None


def _prepared(
    sources: Sequence[str], settings: BagSettings
) -> tuple[ScreenerConfig, int, tuple[Any, ...]]:
    """Check the input, warm the workers; return the config, chunk size and task arguments."""
    chunk_size = settings.get("chunk_size", DEFAULT_CHUNK_SIZE)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if not sources:
        raise ValueError("no sources to screen")
    config = settings.get("config") or ScreenerConfig()
    _warm(settings.get("client"), config)
    return config, chunk_size, (config, settings.get("limits"), settings.get("storage_options"))


def screen_bag(sources: Sequence[str], **settings: Unpack[BagSettings]) -> db.Bag:
    """A lazy Dask bag of record dicts (``ScanRecord.model_dump(mode="json")``), in input order.

    Computing it screens on whatever scheduler computes it; each worker process builds the
    screener on first use and keeps it. With ``client``, the screener plugin is registered
    first so every worker builds it up front (and keeps doing so for workers that join later).

    Args:
        sources: Paths or URLs.
        **settings: :class:`BagSettings`.

    Returns:
        The bag, one partition per chunk.
    """
    _, chunk_size, args = _prepared(sources, settings)
    return _source_bag(sources, chunk_size).map_partitions(_dicts_task, *args)


def _source_bag(sources: Sequence[str], chunk_size: int) -> db.Bag:
    _prepared(sources, {"chunk_size": chunk_size})
    return db.from_sequence(list(sources), partition_size=chunk_size)


def screen_dataframe(sources: Sequence[str], **settings: Unpack[BagSettings]) -> dd.DataFrame:
    """A lazy Dask dataframe, one row per source in input order (columns: FRAME_COLUMNS).

    Needs ``dask[dataframe]`` (pandas). The nested parts of a record (evidence, summary) are
    in the ``record`` column as the JSON line; the other columns are flat and typed.

    Args:
        sources: Paths or URLs.
        **settings: :class:`BagSettings` (``chunk_size`` is rows per partition).

    Returns:
        The dataframe.
    """
    import dask
    import dask.dataframe as dd

    _, chunk_size, args = _prepared(sources, settings)
    # Dask turns object columns into strings by default; ``concepts``, ``titles`` and
    # ``kinds`` hold lists, as in crisis_screen.frames, and must stay lists.
    with dask.config.set({"dataframe.convert-string": False}):
        frame: dd.DataFrame = dd.from_map(
            _frame_task,
            _chunks(sources, chunk_size),
            args=args,
            meta=_frame([]),
            label="crisis-screen",
            enforce_metadata=False,
        )
    return frame


def _part_name(index: int) -> str:
    # Zero-padded, so the names sort in input order.
    return f"{index:05d}"


class OutputSettings(RunSettings, total=False):
    """:class:`~crisis_screen.runs.dask.RunSettings`, and where the workers write.

    Attributes:
        output_options: fsspec options for writing the output.
    """

    output_options: dict[str, Any] | None


def _settings(settings: OutputSettings) -> tuple[ScreenerConfig, int, int, dict[str, Any]]:
    """The config, chunk size, retries and output options, defaults filled in."""
    return (
        settings.get("config") or ScreenerConfig(),
        settings.get("chunk_size", DEFAULT_CHUNK_SIZE),
        settings.get("retries", DEFAULT_RETRIES),
        settings.get("output_options") or {},
    )


def write_jsonl(
    sources: Sequence[str], output: str, scheduler: str | Client, **settings: Unpack[OutputSettings]
) -> list[str]:
    """Screen on the cluster; the workers write ``output/part-NNNNN.jsonl`` themselves.

    Each part holds one chunk's records as ``crisis-screen scan`` JSONL lines, in input order
    (concatenating the parts in name order gives the local output, timings aside). Nothing
    passes through the client. ``output`` may be any fsspec URL the workers can write to.

    Args:
        sources: Paths or URLs.
        output: A folder (created if needed) or URL prefix.
        scheduler: A client, a scheduler address or ``"local"``.
        **settings: As for :func:`~crisis_screen.runs.dask.scan_lines` (``chunk_size`` is
            records per part file), and ``output_options`` (fsspec options for ``output``).

    Returns:
        The part files written, in order.
    """
    config, chunk_size, retries, output_options = _settings(settings)
    bag = _source_bag(sources, chunk_size).map_partitions(
        _json_task, config, settings.get("limits"), settings.get("storage_options")
    )
    target = output.rstrip("/") + "/part-*.jsonl"
    fs, root = fsspec.core.url_to_fs(output, **output_options)
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
    sources: Sequence[str], output: str, scheduler: str | Client, **settings: Unpack[OutputSettings]
) -> str:
    """Screen on the cluster; the workers write a Parquet dataset (needs pyarrow).

    The rows are those of :func:`screen_dataframe`, one file per chunk, in input order.

    Args:
        sources: Paths or URLs.
        output: A folder or URL prefix for the dataset.
        scheduler: A client, a scheduler address or ``"local"``.
        **settings: As for :func:`write_jsonl` (``chunk_size`` is rows per part file).

    Returns:
        ``output``.

    Raises:
        CrisisScreenError: pyarrow is not installed.
    """
    if importlib.util.find_spec("pyarrow") is None:
        raise CrisisScreenError("Parquet output needs pyarrow: pip install pyarrow")
    config, chunk_size, retries, output_options = _settings(settings)
    frame = screen_dataframe(
        sources,
        config=config,
        limits=settings.get("limits"),
        chunk_size=chunk_size,
        storage_options=settings.get("storage_options"),
    )
    with connect(scheduler) as client, screeners_on(client, config):
        write = frame.to_parquet(
            output,
            engine="pyarrow",
            write_index=False,
            compute=False,
            storage_options=output_options,
            name_function=lambda i: f"part-{_part_name(i)}.parquet",
            # The list columns cannot be inferred from Dask's placeholder rows.
            schema=arrow_schema({**RESUME_COLUMNS, "record": "str"}),
        )
        client.compute(write, retries=retries, sync=True)
    return output
