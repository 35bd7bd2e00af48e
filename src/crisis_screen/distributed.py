"""Compatibility name of version 0.1 for the Dask executor and collections.

They now live in :mod:`crisis_screen.runs.dask` (the executor, ``connect``, ``scan_lines``)
and :mod:`crisis_screen.runs.dask_collections` (bag, dataframe, partitioned output);
``from crisis_screen.distributed import connect, scan_records, screen_bag`` keeps working
(it needs the optional extra ``crisis_screen[dask]``).
"""

from __future__ import annotations

from crisis_screen.runs import dask as _dask
from crisis_screen.runs import dask_collections as _collections
from crisis_screen.runs.dask import *  # noqa: F403
from crisis_screen.runs.dask_collections import *  # noqa: F403

__all__ = [*_dask.__all__, *_collections.__all__]
