"""Compatibility name of version 0.1 for the Dask executor and collections.

They now live in :mod:`crisis_screen.runs.dask` (the executor, ``connect``, ``scan_lines``)
and :mod:`crisis_screen.runs.dask_collections` (bag, dataframe, partitioned output).

``from crisis_screen.distributed import connect, scan_records, screen_bag`` keeps working
(it needs the optional extra ``crisis_screen[dask]``).
"""

from __future__ import annotations

from crisis_screen.runs.dask import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_RETRIES,
    DaskExecutor,
    ScreenerPlugin,
    connect,
    expand_sources,
    is_url,
    scan_lines,
    scan_records,
    screen_source,
    screener_builds,
)
from crisis_screen.runs.dask_collections import (
    FRAME_COLUMNS,
    screen_bag,
    screen_dataframe,
    write_jsonl,
    write_parquet,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_RETRIES",
    "FRAME_COLUMNS",
    "DaskExecutor",
    "ScreenerPlugin",
    "connect",
    "expand_sources",
    "is_url",
    "scan_lines",
    "scan_records",
    "screen_bag",
    "screen_dataframe",
    "screen_source",
    "screener_builds",
    "write_jsonl",
    "write_parquet",
]
