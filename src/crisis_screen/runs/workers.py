"""How local worker processes are started (kept import-light: multiprocessing only).

Workers fork from a fork server that has imported spaCy and built the default screener once
(``crisis_screen.runs._preload``), so each worker is ready in milliseconds instead of ~1.5 s. The
command line starts that server first thing, so its preload runs while the main process is
still importing, walking folders and opening outputs.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context

#: Module the fork server imports before forking workers.
PRELOAD = "crisis_screen.runs._preload"


def mp_context() -> multiprocessing.context.BaseContext:
    """Return the multiprocessing context for worker pools.

    ``forkserver`` where the platform has it; ``spawn`` elsewhere. Neither copies the main
    process's threads (the progress bar) or state, unlike ``fork``.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([PRELOAD])
        return context
    return multiprocessing.get_context("spawn")


def start_early() -> None:
    """Start the fork server now (no-op where there is none); pools started later reuse it."""
    context = mp_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
