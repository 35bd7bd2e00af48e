"""The screeners of this process: built once per config, shared by every executor.

Local worker processes, Dask workers and the in-process executor all get their screener from
:func:`screener_for`, so each process builds a screener once per
:class:`~crisis_screen.screener.ScreenerConfig` however many chunks it screens. A worker
forked from the fork server takes the screener the server built before forking
(:mod:`crisis_screen.runs._preload`) instead of building its own.
"""

from __future__ import annotations

import dataclasses
import gc
import sys
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crisis_screen.screener import Screener, ScreenerConfig

__all__ = ["Slot", "screener_builds", "screener_for"]

#: Screeners kept per process (one per ScreenerConfig, least recently used dropped).
CACHE_SIZE = 2

_LOCK = threading.Lock()
_SLOTS: OrderedDict[ScreenerConfig, Slot] = OrderedDict()
_BUILDS: Counter[ScreenerConfig] = Counter()
_PRELOAD_TAKEN = False


@dataclass
class Slot:
    """A screener and the lock that serialises its use (a worker may run several threads)."""

    screener: Screener
    lock: threading.Lock = field(default_factory=threading.Lock)


def _preloaded(config: ScreenerConfig) -> Screener | None:
    """Return the screener the fork server built before forking, if it has this config."""
    global _PRELOAD_TAKEN
    preload = sys.modules.get("crisis_screen.runs._preload")
    if _PRELOAD_TAKEN or preload is None or preload.SCREENER is None:
        return None
    # The threshold only decides `flagged`; any other difference needs a screener of its own.
    if dataclasses.replace(config, threshold=preload.CONFIG.threshold) != preload.CONFIG:
        return None
    _PRELOAD_TAKEN = True  # this process's own forked copy, handed out once
    screener: Screener = preload.SCREENER
    screener.threshold = config.threshold
    return screener


def screener_for(config: ScreenerConfig) -> Slot:
    """Return this process's screener for ``config``, building it on first use."""
    with _LOCK:
        slot = _SLOTS.get(config)
        if slot is None:
            # Built under the lock: two threads (a Dask plugin and a task) never build twice.
            screener = _preloaded(config)
            if screener is None:
                screener = config.build()
                _BUILDS[config] += 1
            slot = Slot(screener)
            # The screener lives as long as the process: keep the collector from re-scanning
            # its objects on every collection.
            gc.freeze()
            _SLOTS[config] = slot
            while len(_SLOTS) > CACHE_SIZE:
                _SLOTS.popitem(last=False)
        else:
            _SLOTS.move_to_end(config)
        return slot


def screener_builds(config: ScreenerConfig | None = None) -> int:
    """Count the screeners built in this process (for ``config``, or for every config).

    Meant for ``client.run(screener_builds)`` on Dask: each worker process should build a
    screener once per config, however many tasks it runs.
    """
    with _LOCK:
        return _BUILDS[config] if config is not None else sum(_BUILDS.values())
