"""Screening from asyncio code without blocking the event loop.

Screening is CPU-bound Python: awaiting it directly would stall every other request of an
async web handler for as long as it runs. These helpers run the (synchronous, thread-safe)
:class:`~crisis_screen.screener.Screener` methods in a worker thread, by default through
:func:`asyncio.to_thread`, or in an executor the caller owns (to bound how many screens run at
once). They back ``Screener.ascreen_text``, ``ascreen_bytes`` and ``ascreen_many``.

The GIL still lets only one thread run Python at a time, so threads keep the loop responsive
but do not add throughput; for throughput use worker processes (``screen_paths(n_process=N)``
or a process pool of screeners).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar

T = TypeVar("T")


async def run_off_loop(
    func: Callable[..., T], /, *args: object, executor: Executor | None = None
) -> T:
    """Run ``func(*args)`` outside the event loop and await its result.

    Args:
        func: A blocking callable.
        *args: Its arguments.
        executor: Where to run it; None uses :func:`asyncio.to_thread` (the loop's default
            thread pool, with the caller's context variables).

    Returns:
        What ``func`` returned; an exception it raised is raised here.
    """
    if executor is None:
        return await asyncio.to_thread(func, *args)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(func, *args))
