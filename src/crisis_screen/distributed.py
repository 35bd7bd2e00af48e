"""Compatibility name of version 0.1: the Dask executor now lives in :mod:`crisis_screen.runs.dask`.

``from crisis_screen.distributed import connect, scan_records, screen_bag`` keeps working
(it needs the optional extra ``crisis_screen[dask]``).
"""

from __future__ import annotations

from crisis_screen.runs.dask import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_RETRIES,
    FRAME_COLUMNS,
    DaskExecutor,
    ScreenerPlugin,
    connect,
    expand_sources,
    is_url,
    scan_lines,
    scan_records,
    screen_bag,
    screen_dataframe,
    screen_source,
    screener_builds,
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
